"""Sphinx extension: make the book's pages work with no internet.

* Copies plotly.min.js from the installed plotly package into ``_static`` and loads it
  before require.js (plotly registers itself as an AMD module, not as ``window.Plotly``,
  when require.js is already on the page).
* Loads a small shim so that the ipywidgets manager, written for MathJax 2, can use MathJax 3.
* Drops inline scripts that a page would otherwise contain twice: sphinx-thebe's
  ``const THEBE_JS_URL = ...`` is registered again on every re-read, and a second
  ``const`` declaration is a JavaScript error.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import plotly
from sphinx.application import Sphinx

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _copy_plotly(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        shutil.copyfile(PLOTLY_JS, Path(app.builder.outdir) / "_static" / "plotly.min.js")


def _drop_repeated_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (getattr(script, "filename", script) or "", getattr(script, "attributes", {}).get("body"))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app: Sphinx) -> dict:
    app.add_js_file("plotly.min.js", priority=200)
    app.add_js_file("mathjax-v2-shim.js", loading_method="defer", priority=900)
    app.connect("build-finished", _copy_plotly)
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
