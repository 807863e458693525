"""Tell the book's builder (myst-nb) what to do with plotly's JSON output.

Figures shown with the book's renderer (`utils.plots.setup`) carry two forms: plotly's
JSON, which live front ends such as JupyterLab draw, and an HTML fragment that the
static website shows with its own copy of plotly.js. myst-nb knows neither plotly's
JSON type nor that the HTML form makes it redundant, and would warn about every figure.
This plugin, registered in pyproject.toml under the entry point group
``myst_nb.mime_renderers``, accepts the JSON form and gives it no priority, so the page
shows the HTML form. A figure that carries only the JSON form still fails the build.
"""

from __future__ import annotations

from typing import Any

PLOTLY_JSON = "application/vnd.plotly.v1+json"


class PlotlyJsonPlugin:
    """A myst-nb mime renderer plugin: the HTML form of a plotly figure always wins."""

    mime_priority_overrides = [("*", PLOTLY_JSON, None)]

    @staticmethod
    def handle_mime(renderer: Any, data: Any, inline: bool) -> list | None:
        return [] if data.mime_type == PLOTLY_JSON else None
