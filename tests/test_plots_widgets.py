"""The renderer, image helpers and the two faces of a slider."""

import io
import json

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
import torch
from PIL import Image

from utils import plots
from utils.mystnb_plotly import PLOTLY_JSON, PlotlyJsonPlugin
from utils.widgets import lerp, live, slider_figure, walk_figure, walk_widget


def test_book_renderer_emits_json_and_offline_html():
    plots.setup()
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    bundle = pio.renderers["book"].to_mimebundle(fig.to_dict())
    assert set(bundle) == {PLOTLY_JSON, "text/html"}
    html = bundle["text/html"]
    assert "Plotly.newPlot" in html and "<script src" not in html and "cdn" not in html.lower()
    assert bundle[PLOTLY_JSON]["data"][0]["y"] == [3, 4]
    # same figure, same HTML (stable notebook outputs)
    assert html == pio.renderers["book"].to_mimebundle(fig.to_dict())["text/html"]
    assert pio.templates.default == "plotly_white+genai" and pio.renderers.default == "book"


def test_png_round_trip_and_scaling():
    image = np.random.default_rng(0).random((5, 7, 3)).astype(np.float32)
    decoded = np.asarray(Image.open(io.BytesIO(plots.png_bytes(image))))
    assert np.array_equal(decoded, plots.to_uint8(image))
    assert np.abs(decoded / 255 - image).max() <= 0.5 / 255 + 1e-6
    big = np.asarray(Image.open(io.BytesIO(plots.png_bytes(image, scale=3))))
    assert big.shape == (15, 21, 3) and np.array_equal(big[::3, ::3], decoded)
    assert plots.png_data_uri(image).startswith("data:image/png;base64,")
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        plots.to_uint8(np.zeros((4, 4)))


def test_image_grid_has_one_trace_per_image():
    fig = plots.image_grid(np.zeros((5, 8, 8, 3)), [f"t{i}" for i in range(5)], cols=3)
    assert len(fig.data) == 5 and all(t.type == "image" for t in fig.data)
    assert [a.text for a in fig.layout.annotations] == [f"t{i}" for i in range(5)]
    with pytest.raises(ValueError, match="images is empty"):
        plots.image_grid(np.zeros((0, 8, 8, 3)))
    with pytest.raises(ValueError, match="cols must be at least 1"):
        plots.image_grid(np.zeros((2, 8, 8, 3)), cols=0)
    with pytest.raises(ValueError, match="one title per image"):
        plots.image_grid(np.zeros((2, 8, 8, 3)), ["only one"])


def test_as_images_takes_the_models_layout_or_the_plotting_layout():
    x = torch.rand(2, 3, 4, 5)  # (N, C, H, W), as models produce them
    pictures = plots.as_images(x.requires_grad_())
    assert pictures.shape == (2, 4, 5, 3) and np.array_equal(pictures[1, 2, 3], x[1, :, 2, 3].detach().numpy())
    assert plots.as_images(pictures) is not None and plots.as_images(pictures).shape == (2, 4, 5, 3)
    grey = plots.as_images(torch.rand(1, 1, 4, 4))
    assert grey.shape == (1, 4, 4, 3) and np.array_equal(grey[..., 0], grey[..., 2])
    with pytest.raises(ValueError, match="1 or 3 colour channels"):
        plots.as_images(torch.rand(2, 4, 4, 3))  # channels last in a tensor: the layout mix-up
    with pytest.raises(ValueError, match="contains NaN"):
        plots.as_images(torch.full((1, 3, 2, 2), float("nan")))
    fig = plots.image_grid(x)  # image_grid takes either layout
    assert len(fig.data) == 2


def _line(a):
    return go.Figure(go.Scatter(x=[0, 1], y=[0, a]), layout={"title": {"text": f"slope {a}"}})


def test_slider_figure_precomputes_one_frame_per_value():
    fig = slider_figure(_line, [1, 2, 3], label="a", active=1)
    assert [f.name for f in fig.frames] == ["1", "2", "3"]
    assert [list(f.data[0].y) for f in fig.frames] == [[0, 1], [0, 2], [0, 3]]
    assert list(fig.data[0].y) == [0, 2] and fig.layout.sliders[0].active == 1
    steps = fig.layout.sliders[0].steps
    assert [list(s.args[0]) for s in steps] == [["1"], ["2"], ["3"]] and all(s.method == "animate" for s in steps)
    assert fig.frames[2].layout.title.text == "slope 3"
    json.loads(fig.to_json())  # serialisable for the static site


def test_slider_figure_can_play_as_an_animation():
    fig = slider_figure(_line, [1, 2, 3], play=True)
    play, pause = fig.layout.updatemenus[0].buttons
    assert (play.label, play.method, play.args[0]) == ("Play", "animate", None)
    assert play.args[1]["fromcurrent"] and list(pause.args[0]) == [None]
    assert not slider_figure(_line, [1, 2]).layout.updatemenus


def test_slider_figure_rejects_bad_input():
    with pytest.raises(ValueError, match="at least two"):
        slider_figure(_line, [1])
    with pytest.raises(ValueError, match="active"):
        slider_figure(_line, [1, 2], active=5)
    with pytest.raises(ValueError, match="same number of traces"):
        slider_figure(lambda a: go.Figure([go.Scatter()] * a), [1, 2])


def test_live_redraws_when_a_control_moves_and_shows_errors_as_text():
    def draw(t):
        if t > 0.5:
            raise ValueError("t is too big")
        return np.full((4, 4, 3), t, dtype=np.float32)

    slider = widgets.FloatSlider(value=0.2, min=0, max=1)
    box = live(draw, t=slider, scale=2)
    output = box.children[-1]
    assert box.children[0] is slider
    first = list(output.outputs)
    assert len(first) == 1 and "image/png" in first[0]["data"]
    slider.value = 0.9
    shown = list(output.outputs)
    assert len(shown) == 1 and "t is too big" in shown[0]["data"]["text/html"]
    assert "Traceback" not in json.dumps(shown)
    with pytest.raises(ValueError, match="at least one control"):
        live(draw)


def test_live_widens_sliders_it_was_not_told_how_to_size():
    wide, fixed = widgets.IntSlider(value=3, max=999), widgets.IntSlider(value=3, layout=widgets.Layout(width="200px"))
    text = widgets.Text(value="x")
    live(lambda a, b, c: np.zeros((2, 2, 3)), a=wide, b=fixed, c=text)
    assert wide.layout.width == "560px" and wide.layout.max_width == "100%"  # about 1.7 values per pixel at 0-999
    assert fixed.layout.width == "200px" and text.layout.width is None


def test_live_lets_a_programming_error_surface():
    def broken(t):
        return {"t": t}["x"]  # a bug: KeyError, not the reader's mistake

    with pytest.raises(KeyError):
        live(broken, t=widgets.FloatSlider(value=0.2))
    calls = []

    def breaks_later(t):
        calls.append(t)
        if t > 0.5:
            raise IndexError("bug")
        return np.zeros((2, 2, 3))

    slider = widgets.FloatSlider(value=0.2, min=0, max=1)
    live(breaks_later, t=slider)
    with pytest.raises(IndexError):
        slider.value = 0.9


def test_latent_walk_faces():
    a, b = np.zeros(3), np.ones(3)
    assert np.allclose(lerp(a, b, 0.25), 0.25) and np.allclose(lerp(a, b, 0), a)
    with pytest.raises(ValueError, match="t must be in \\[0, 1\\]"):
        lerp(a, b, 1.5)
    picture = lambda t: np.full((4, 4, 3), t)  # noqa: E731
    fig = walk_figure(picture, steps=5)
    assert [f.name for f in fig.frames] == ["0.0", "0.25", "0.5", "0.75", "1.0"]
    assert fig.layout.sliders[0].active == 2 and fig.data[0].type == "image"
    start = widgets.FloatSlider(value=0.0, min=0, max=1)
    box = walk_widget(lambda start, t: picture(lerp(start, 1.0, t)), start=start)
    assert box.children[0] is start and box.children[1].description == "t"
    assert "image/png" in box.children[-1].outputs[0]["data"]


def test_mystnb_plugin_takes_only_plotly_json():
    class Data:
        def __init__(self, mime_type):
            self.mime_type = mime_type

    assert PlotlyJsonPlugin.handle_mime(None, Data(PLOTLY_JSON), False) == []
    assert PlotlyJsonPlugin.handle_mime(None, Data("text/html"), False) is None
    assert ("*", PLOTLY_JSON, None) in PlotlyJsonPlugin.mime_priority_overrides


def test_show_in_puts_figures_inside_the_widget():
    from utils.widgets import show_in

    plots.setup()
    out = widgets.Output()
    show_in(out, go.Figure(go.Bar(y=[1, 2])))
    assert len(out.outputs) == 1 and "text/html" in out.outputs[0]["data"]
    show_in(out, "plain text")
    assert len(out.outputs) == 1 and out.outputs[0]["data"]["text/plain"] == "'plain text'"


def test_hover_image_script_is_added_only_when_asked():
    plots.setup()
    image = np.zeros((4, 4, 3))
    fig = go.Figure([go.Scatter(x=[1], y=[1], customdata=[["a", plots.png_data_uri(image)]]), plots.image_trace(image)])
    assert "plotly_hover" not in plots.figure_html(fig)
    html = plots.figure_html(plots.link_hover_to_image(fig, image_trace=1, uri_index=1))
    assert "plotly_hover" in html and "point.customdata[1]" in html and "[1]);" in html
