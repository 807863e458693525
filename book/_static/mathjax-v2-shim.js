// The ipywidgets HTML manager typesets widget labels with MathJax 2's `MathJax.Hub.Queue`.
// The site runs MathJax 3, which has no Hub; forward those calls to MathJax 3's API.
if (window.MathJax && !window.MathJax.Hub) {
  window.MathJax.Hub = {
    Queue: function (job) {
      var element = Array.isArray(job) ? job[2] : null;
      if (element && window.MathJax.typesetPromise) window.MathJax.typesetPromise([element]);
    },
  };
}
