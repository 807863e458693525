// Runs between require.js and the ipywidgets HTML manager. The manager finds its own
// files (icon fonts) next to the AMD module "@jupyter-widgets/html-manager/dist/...",
// which require.js would otherwise look up next to the page. Point it at _static.
(function () {
  var here = document.currentScript.src;
  var staticRoot = here.slice(0, here.lastIndexOf("/") + 1);
  require.config({ paths: { "@jupyter-widgets/html-manager/dist": staticRoot + "html-manager" } });
})();
