"""Sphinx extension: make the book's pages work with no internet.

* Copies plotly.min.js from the installed plotly package into ``_static`` and loads it
  before require.js (plotly registers itself as an AMD module, not as ``window.Plotly``,
  when require.js is already on the page).
* Loads a small shim so that the ipywidgets manager, written for MathJax 2, can use MathJax 3.
* Drops inline scripts that a page would otherwise contain twice: sphinx-thebe's
  ``const THEBE_JS_URL = ...`` is registered again on every re-read, and a second
  ``const`` declaration is a JavaScript error.
* Adds the book's own page script and styles (book/_static: accessibility fixes, dark-mode figures).
* Points the Colab launch button at the chapter's plain-Markdown copy in chapters/colab/
  (Colab cannot render MyST; see scripts/plain_markdown.py).
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


def _colab_opens_the_plain_copy(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if group.get("label") == "launch-buttons" else []:
            if button.get("text") == "Colab" and "/chapters/" in button["url"]:
                button["url"] = button["url"].replace("/chapters/", "/chapters/colab/", 1)


def setup(app: Sphinx) -> dict:
    app.add_js_file("plotly.min.js", priority=200)
    app.add_js_file("mathjax-v2-shim.js", loading_method="defer", priority=900)
    app.add_js_file("page_a11y.js", loading_method="defer", priority=950)
    app.add_css_file("book.css")
    app.connect("build-finished", _copy_plotly)
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    app.connect("html-page-context", _colab_opens_the_plain_copy, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
