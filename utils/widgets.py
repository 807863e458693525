"""Sliders with two faces: a live ipywidgets control and a static plotly twin.

Write one function of the slider value; then

* `live(draw, value=slider)` gives controls above an output that shows ``draw(value)``,
  redrawn whenever a control moves (needs a running kernel), and
* `slider_figure(draw_figure, values)` evaluates the function once per value in
  advance and packs the results as frames of one plotly figure with a slider, which
  works on the static website with no kernel at all.

A `ValueError` raised by `draw` shows as a one-line message in the output, never as
a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from IPython.display import HTML, Image

from .plots import png_bytes


def live(draw: Callable[..., Any], *, scale: int = 6, **controls: widgets.ValueWidget) -> widgets.VBox:
    """Controls above an output showing ``draw(**values)``.

    `draw` may return a plotly figure, anything IPython can display, or an image as a
    NumPy array (H, W, 3) in [0, 1], which is shown `scale` times larger.
    """
    if not controls:
        raise ValueError("live() needs at least one control, e.g. live(draw, t=FloatSlider()).")
    output = widgets.Output()

    def redraw(_change=None) -> None:
        values = {name: control.value for name, control in controls.items()}
        try:
            result = draw(**values)
        except Exception as err:  # a widget shows a message, never a traceback
            result = HTML(f'<p style="color:#b23a48">Cannot draw this: {_escape(str(err))}</p>')
        if isinstance(result, np.ndarray):
            result = Image(data=png_bytes(result, scale=scale))
        show_in(output, result)

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([*controls.values(), output])


def show_in(output: widgets.Output, obj: Any) -> None:
    """Replace what an Output widget shows with `obj` (a plotly figure, or anything IPython displays)."""
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
