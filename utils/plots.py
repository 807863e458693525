"""The book's one look for figures, and a plotly renderer that works with no internet.

`setup()` registers the "genai" plotly template and the "book" renderer and makes
both the defaults. The renderer emits two forms of every figure: the plotly JSON
that JupyterLab, VS Code and nbviewer draw, and an HTML ``<div>`` that calls
``Plotly.newPlot`` without embedding or downloading plotly.js, because the book's
website loads plotly.min.js once, from its own server. On Colab it defers to
plotly's own "colab" renderer.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import torch
from plotly.io.base_renderers import MimetypeRenderer, PlotlyRenderer
from plotly.subplots import make_subplots

from .checks import check_array, check_count, check_tensor

FRUIT_COLORS = {
    "apple": "#c62828", "banana": "#e0b000", "orange": "#ef6c00",
    "blue_apple": "#1e5bc6", "square_orange": "#8d6e63", "striped_banana": "#5d4037",
}  # fmt: skip
PALETTE = ["#3b5ba5", "#e07b39", "#2e8b57", "#b23a48", "#7d5ba6", "#c9a227", "#3a9ab2", "#666666"]
_CONFIG = {"displaylogo": False, "responsive": True}


class BookRenderer(MimetypeRenderer):
    """Plotly JSON for live front ends plus an HTML div that uses a page-level plotly.js."""

    def to_mimebundle(self, fig_dict: dict) -> dict:
        if "google.colab" in sys.modules:
            return pio.renderers["colab"].to_mimebundle(fig_dict)
        bundle = PlotlyRenderer(config=_CONFIG).to_mimebundle(dict(fig_dict))
        bundle["text/html"] = figure_html(go.Figure(fig_dict))
        return bundle


def figure_html(fig: go.Figure) -> str:
    """The figure as an HTML fragment that needs plotly.js already on the page.

    The div's id is a hash of the figure, so the same figure always gives the same HTML.
    A figure made by `link_hover_to_image` also gets the script that swaps its image.
    """
    if not isinstance(fig, go.Figure):
        raise TypeError(f"figure_html takes a plotly Figure, got {type(fig).__name__}.")
    spec = fig.to_json()
    div_id = "fig-" + hashlib.sha256(spec.encode()).hexdigest()[:12]
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    script = _HOVER_IMAGE_JS.format(**meta["hover_image"]) if "hover_image" in meta else None
    return pio.to_html(fig, config=_CONFIG, include_plotlyjs=False, full_html=False, div_id=div_id,
                       auto_play=False, post_script=script)  # fmt: skip


# Runs once the figure exists on a web page: hovering a point shows the picture stored in
# its customdata in the figure's image trace. ("{{plot_id}}" is filled in by plotly.)
_HOVER_IMAGE_JS = """
var gd = document.getElementById('{{plot_id}}');
gd.on('plotly_hover', function (event) {{
  var point = event.points[0];
  if (!point.customdata || !point.customdata[{uri_index}]) return;
  Plotly.restyle(gd, {{source: [point.customdata[{uri_index}]]}}, [{image_trace}]);
}});
"""


def link_hover_to_image(fig: go.Figure, *, image_trace: int, uri_index: int) -> go.Figure:
    """Make hovering a point show its picture (a data URI at `customdata[uri_index]`) in trace `image_trace`.

    Works on the book's website (the renderer adds a small script); in a notebook the
    figure shows without the hover link.
    """
    if not isinstance(fig, go.Figure):
        raise TypeError(f"link_hover_to_image takes a plotly Figure, got {type(fig).__name__}.")
    check_count(image_trace, "image_trace", minimum=0, maximum=len(fig.data) - 1)
    check_count(uri_index, "uri_index", minimum=0)
    fig.update_layout(meta={"hover_image": {"image_trace": image_trace, "uri_index": uri_index}})
    return fig


def setup() -> None:
    """Make the book's template and renderer plotly's defaults (call once per notebook)."""
    pio.templates["genai"] = _template()
    pio.templates.default = "plotly_white+genai"
    pio.renderers["book"] = BookRenderer()
    pio.renderers.default = "book"


def _template() -> go.layout.Template:
    return go.layout.Template(
        layout=go.Layout(
            font=dict(family="Inter, Helvetica, Arial, sans-serif", size=14, color="#222"),
            colorway=PALETTE,
            margin=dict(l=60, r=20, t=60, b=50),
            hoverlabel=dict(font_size=13),
            title=dict(x=0.02, xanchor="left"),
        )
    )


def as_images(images: torch.Tensor | np.ndarray) -> np.ndarray:
    """Pictures for plotting: a NumPy array (N, H, W, 3) in [0, 1].

    Takes the layout models use, a tensor (N, C, H, W) on any device, or the layout
    plotting uses, an array (N, H, W, C); one channel (grey) becomes three.
    """
    if isinstance(images, torch.Tensor):
        check_tensor(images, "images", dims=4)
        images = images.detach().cpu().permute(0, 2, 3, 1).numpy()  # (N, C, H, W) -> (N, H, W, C)
    images = check_array(images, "images", dims=4)
    if images.shape[-1] not in (1, 3):
        raise ValueError(f"images must have 1 or 3 colour channels, last in an array (N, H, W, C) or second in a "
                         f"tensor (N, C, H, W); got shape {images.shape}.")  # fmt: skip
    return np.repeat(images, 3, axis=-1) if images.shape[-1] == 1 else images


def to_uint8(image: np.ndarray) -> np.ndarray:
    """An image with values in [0, 1] (H, W, 3) as bytes 0..255."""
    image = check_array(image, "image")
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"Expected an image of shape (H, W, 3), got {image.shape}.")
    return (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)


def png_bytes(image: np.ndarray, scale: int = 1) -> bytes:
    """PNG file contents of an (H, W, 3) image in [0, 1], each pixel drawn `scale` times wider."""
    from PIL import Image

    pixels = to_uint8(image)
    check_count(scale, "scale")
    if scale > 1:
        pixels = pixels.repeat(scale, axis=0).repeat(scale, axis=1)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def png_data_uri(image: np.ndarray) -> str:
    """A data: URI holding the PNG of an (H, W, 3) image in [0, 1], for plotly's go.Image."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode()


def image_trace(image: np.ndarray, **kwargs) -> go.Image:
    """A plotly Image trace that shows an (H, W, 3) image in [0, 1] without hover noise."""
    return go.Image(source=png_data_uri(image), hoverinfo="skip", **kwargs)


def image_grid(
    images: torch.Tensor | np.ndarray,
    titles: Sequence[str] | None = None,
    *,
    cols: int = 8,
    size: int = 90,
    title: str = "",
) -> go.Figure:
    """A grid of small images, a tensor (N, C, H, W) or an array (N, H, W, 3), with optional titles under each."""
    images = as_images(images)
    n = len(images)
    check_count(cols, "cols")
    check_count(size, "size")
    if titles is not None and (isinstance(titles, str) or len(titles) != n):
        raise ValueError(f"Give one title per image ({n}), got {1 if isinstance(titles, str) else len(titles)}.")
    cols = min(cols, n)
    rows = -(-n // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(titles) if titles else None,
                        horizontal_spacing=0.01, vertical_spacing=0.12 / rows if titles else 0.01)  # fmt: skip
    for i, image in enumerate(images):
        fig.add_trace(image_trace(image), row=i // cols + 1, col=i % cols + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    top = 50 if title else 20
    fig.update_layout(title=title, width=cols * size + 40, height=rows * (size + (22 if titles else 4)) + top,
                      margin=dict(l=20, r=20, t=top, b=10))  # fmt: skip
    fig.update_annotations(font_size=11)
    return fig
