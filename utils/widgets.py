"""Sliders with two faces: a live ipywidgets control and a static plotly twin.

Write one function of the slider value; then

* `live(draw, value=slider)` gives controls above an output that shows ``draw(value)``,
  redrawn whenever a control moves (needs a running kernel), and
* `slider_figure(draw_figure, values)` evaluates the function once per value in
  advance and packs the results as frames of one plotly figure with a slider, which
  works on the static website with no kernel at all.

A `ValueError` raised by `draw` (a reader's input the code cannot use: a word the
model has never seen, a setting out of range) shows as a one-line message in the
output, never as a traceback. Any other exception is a bug in `draw`, and surfaces.

`walk_figure` and `walk_widget` are the two faces of a latent walk: pictures decoded
from points on the straight line between two codes, as in Chapters 1, 9 and 10.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
import torch
from IPython.display import HTML, Image

from .checks import check_array, check_count, check_number, check_tensor
from .plots import image_trace, png_bytes

SLIDER_WIDTH = "560px"


def live(draw: Callable[..., Any], *, scale: int = 6, **controls: widgets.ValueWidget) -> widgets.VBox:
    """Controls above an output showing ``draw(**values)``.

    `draw` may return a plotly figure, anything IPython can display, or an image as a
    NumPy array (H, W, 3) in [0, 1], which is shown `scale` times larger.
    """
    if not controls:
        raise ValueError("live() needs at least one control, e.g. live(draw, t=FloatSlider()).")
    check_count(scale, "scale")
    output = widgets.Output()

    def redraw(_change=None) -> None:
        values = {name: control.value for name, control in controls.items()}
        try:
            result = draw(**values)
        except ValueError as err:  # the reader's input: a message, never a traceback
            result = message(f"Cannot draw this: {err}")
        if isinstance(result, np.ndarray):
            result = Image(data=png_bytes(result, scale=scale))
        show_in(output, result)

    for control in controls.values():
        if "Slider" in type(control).__name__ and not control.layout.width:
            # JupyterLab's default slider is about 120 px wide: too coarse to reach every value with a mouse
            control.layout.width, control.layout.max_width = SLIDER_WIDTH, "100%"
            control.style.description_width = "initial"
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([*controls.values(), output])


def message(text: str) -> HTML:
    """A short red message for a widget's output, e.g. to explain why an input cannot be used."""
    return HTML(f'<p style="color:#b23a48">{_escape(str(text))}</p>')


def lerp(a: Any, b: Any, t: float) -> Any:
    """The point a fraction `t` of the way from `a` to `b`: (1 - t) * a + t * b."""
    t = check_number(t, "t", low=0, high=1)  # a plain float: NumPy scalars do not mix well with tensors
    a, b = (check_tensor(end, name, kind=None) if isinstance(end, torch.Tensor) else check_array(end, name)
            for end, name in ((a, "a"), (b, "b")))  # fmt: skip
    if isinstance(a, torch.Tensor) != isinstance(b, torch.Tensor):
        raise TypeError("The two ends of a walk must both be tensors or both be arrays.")
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"The two ends of a walk must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}.")
    return (1 - t) * a + t * b


def walk_figure(picture: Callable[[float], np.ndarray], *, steps: int = 21, size: int = 360) -> go.Figure:
    """A slider over t = 0..1 (precomputed, works with no kernel) showing ``picture(t)``, an (H, W, 3) image."""
    check_count(steps, "steps", minimum=2)
    check_count(size, "size")

    def draw(t: float) -> go.Figure:
        fig = go.Figure(image_trace(picture(t)))
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        fig.update_layout(title=f"t = {t:.2f}", width=size, height=size + 20, margin=dict(l=10, r=10, t=50, b=10))
        return fig

    return slider_figure(draw, list(np.round(np.linspace(0, 1, steps), 2)), label="t", active=steps // 2)


def walk_widget(picture: Callable[..., np.ndarray], *, scale: int = 6, **ends: widgets.ValueWidget) -> widgets.VBox:
    """Live sliders: the controls in `ends` choose the two ends, a t slider the point between; shows
    ``picture(**ends, t=t)``."""
    t = widgets.FloatSlider(value=0.5, min=0, max=1, step=0.01, description="t")
    return live(picture, scale=scale, **ends, t=t)


def show_in(output: widgets.Output, obj: Any) -> None:
    """Replace what an Output widget shows with `obj` (a plotly figure, or anything IPython displays)."""
    if not isinstance(output, widgets.Output):
        raise TypeError(f"show_in draws into an ipywidgets Output, got {type(output).__name__}.")
    if isinstance(obj, go.Figure):  # a figure would display itself in the cell, not in the widget
        bundle = obj._repr_mimebundle_({}, {})
        output.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)
    else:
        output.outputs = ()
        output.append_display_data(obj)


def slider_figure(
    draw_figure: Callable[[Any], go.Figure],
    values: Sequence[Any],
    *,
    label: str = "",
    format_value: Callable[[Any], str] = str,
    active: int = 0,
    play: bool = False,
) -> go.Figure:
    """One plotly figure whose slider steps through ``draw_figure(v)`` for each precomputed v.

    Every figure must have the same traces; only their data and the title change. With
    `play`, Play and Pause buttons run through the values as an animation.
    """
    values = list(values)
    if len(values) < 2:
        raise ValueError("slider_figure needs at least two values to slide between.")
    if not 0 <= active < len(values):
        raise ValueError(f"active must index into values (0..{len(values) - 1}), got {active}.")
    figures = [draw_figure(v) for v in values]
    counts = {len(f.data) for f in figures}
    if len(counts) != 1:
        raise ValueError("Every figure in a slider must have the same number of traces.")
    names = [format_value(v) for v in values]
    frames = [
        go.Frame(data=f.data, name=name, layout={"title": {"text": f.layout.title.text}})
        for f, name in zip(figures, names, strict=False)
    ]
    fig = go.Figure(data=figures[active].data, layout=figures[active].layout, frames=frames)
    instant = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}
    steps = [{"label": name, "method": "animate", "args": [[name], instant]} for name in names]
    height = fig.layout.height or 450
    fig.update_layout(
        sliders=[{"active": active, "steps": steps, "pad": {"t": 40, "l": 130} if play else {"t": 40},
                  "currentvalue": {"prefix": f"{label} = " if label else ""}}],
        height=height + 90, margin_b=(fig.layout.margin.b or 40) + 90,  # room for the slider under the plot
    )  # fmt: skip
    if play:
        running = {"mode": "immediate", "fromcurrent": True, "frame": {"duration": 400, "redraw": True},
                   "transition": {"duration": 0}}  # fmt: skip
        buttons = [{"label": "Play", "method": "animate", "args": [None, running]},
                   {"label": "Pause", "method": "animate", "args": [[None], instant]}]  # fmt: skip
        menu = {"type": "buttons", "direction": "left", "buttons": buttons, "showactive": False,
                "x": 0, "xanchor": "left", "y": 0, "yanchor": "top", "pad": {"t": 55}}  # fmt: skip
        fig.update_layout(updatemenus=[menu])
    return fig


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
