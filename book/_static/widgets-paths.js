// Runs between require.js and the ipywidgets HTML manager. Each widget module finds its
// icon fonts next to its own AMD module id ("@jupyter-widgets/controls" looks in
// "@jupyter-widgets/"), which require.js would resolve next to the page. Point every
// module the manager defines at _static/html-manager/, where the fonts are.
(function () {
  var here = document.currentScript.src;
  var root = here.slice(0, here.lastIndexOf("/") + 1) + "html-manager/";
  var modules = ["base", "base7", "controls", "controls7", "html-manager"];
  var paths = { "@jupyter-widgets/html-manager/dist": root.slice(0, -1) };
  modules.forEach(function (name) { paths["@jupyter-widgets/" + name] = root + name; });
  require.config({ paths: paths });
})();
