"""Bad inputs for the shared core: checks, checkpoints, training loops, GANs, recipes, loading, devices,
figures and widgets (see tests/bad_inputs.py)."""

import tempfile
from dataclasses import replace
from functools import cache
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch
from bad_inputs import Case, run_cases

from utils import checks, plots
from utils.adversarial import GANTrainConfig, train_gan
from utils.checkpoints import (
    history_of,
    load_checkpoint,
    manifest_path,
    read_manifest,
    rebuild_command,
    save_checkpoint,
    sha256_of,
)
from utils.device import choose_device, get_device, randn, seed_everything, seeded, step_flops
from utils.gan import (
    Discriminator,
    GANConfig,
    Generator,
    check_loss_name,
    check_samples,
    discriminator_loss,
    generator_loss,
)
from utils.gpt import GPT, GPTConfig
from utils.pretrained import Trained, load_or_train, load_pretrained, train_and_save
from utils.recipes import (
    Recipe,
    autoencoder_data,
    fit_gpt_chars,
    get_recipe,
    gpt_schedule,
    shortened,
    train_recipe,
    training_placement,
)
from utils.train import (
    History,
    TrainConfig,
    checked_loss,
    evaluate,
    make_optimizer,
    moving_average,
    progress_bar,
    seeded_loop,
    set_lr,
    train,
)
from utils.widgets import lerp, live, message, show_in, slider_figure, walk_figure, walk_widget

FOLDER = tempfile.TemporaryDirectory(prefix="bad-inputs-")  # removed when the test process ends
HISTORY = pd.DataFrame({"step": [1, 2], "train_loss": [0.5, 0.4], "seconds": [0.1, 0.2]})
POINTS = GANConfig(latent=4, hidden=8)
_TINY = torch.nn.Linear(3, 2)  # a model for the device choice to weigh


def _g(n=4, seed=0):
    return torch.Generator().manual_seed(seed)


def _rand(*shape, seed=0):
    return torch.rand(*shape, generator=_g(seed=seed))


@cache
def saved_checkpoint() -> Path:
    model = torch.nn.Linear(2, 2)
    return save_checkpoint(model, Path(FOLDER.name) / "lin.safetensors", recipe="lin", config={}, train_config={},
                           history=HISTORY, script="python make_lin.py")  # fmt: skip


def weight_loss(model, x):
    """A loss for any float tensor, so bad shapes are train's to catch, not the test's."""
    return (model.weight.sum() * x.float().mean() - 1) ** 2


def _model():
    return torch.nn.Linear(1, 1)


TINY = TrainConfig(steps=2, batch_size=4, lr=0.1, eval_every=1, eval_batches=1)
GAN_TINY = GANTrainConfig(steps=2, batch_size=8, eval_every=1)


@cache
def tiny_gpt() -> GPT:
    torch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=96, block_size=8, n_layer=1, n_head=1, n_embd=8))


def _fit_noop(model, schedule, device, progress, desc):
    return HISTORY


def _recipe(**changes):
    fields = dict(name="tiny", summary="a tiny line", build=_model, config=None, schedule=TINY, fit=_fit_noop,
                  seconds=1.0)  # fmt: skip
    return Recipe(**{**fields, **changes})


def _enter(manager):
    with manager:
        return None


def _square_figure(x):
    return go.Figure(go.Scatter(x=[0, 1], y=[0, x]), layout={"title": {"text": str(x)}})


def _picture(t):
    return np.full((4, 4, 3), 0.5)


CASES = [
    # utils.checks
    Case(checks.check_tensor, lambda: dict(x=torch.randn(2, 3), name="x", dims=2)),
    Case(checks.check_ids, lambda: dict(ids=torch.tensor([1, 2]), vocab_size=5)),
    Case(checks.check_array, lambda: dict(x=np.ones(3), name="a")),
    Case(checks.check_count, lambda: dict(n=3, name="n")),
    Case(checks.check_number, lambda: dict(x=0.5, name="p", low=0.0, high=1.0)),
    Case(checks.check_choice, lambda: dict(value="a", name="mode", choices=["a", "b"])),
    Case(checks.check_nonempty, lambda: dict(items=[1], name="items")),
    Case(checks.check_logits, lambda: dict(logits=torch.randn(2, 4))),
    Case(checks.check_images, lambda: dict(x=_rand(2, 3, 4, 4))),
    Case(
        checks.check_attributes,
        lambda: dict(row={"width": 0.2, "hue": 53.0}, needed=["width", "hue"]),
        extra={"row": [None, {"width": 0.2}, {"width": 0.2, "hue": float("nan")}]},
    ),  # fmt: skip
    Case(checks.check_device, lambda: dict(device="cpu"), extra={"device": [3, "gpu", "cuda:x"]}),
    # utils.checkpoints
    Case(sha256_of, lambda: dict(path=saved_checkpoint())),
    Case(manifest_path, lambda: dict(path=saved_checkpoint())),
    Case(read_manifest, lambda: dict(path=saved_checkpoint())),
    Case(load_checkpoint, lambda: dict(path=saved_checkpoint(), device="cpu")),
    Case(
        save_checkpoint,
        lambda: dict(
            model=_model(),
            path=Path(FOLDER.name) / "s.safetensors",
            recipe="s",
            config={},
            train_config=TINY,
            history=HISTORY,
            script="python s.py",
        ),
        extra={"history": [HISTORY.iloc[:0], "history"], "config": [3, "config"]},
    ),  # fmt: skip
    Case(rebuild_command, lambda: dict(name="fruit_vae")),
    Case(history_of, lambda: dict(manifest=read_manifest(saved_checkpoint())), extra={"manifest": [None, {}, []]}),
    # utils.train
    Case(
        TrainConfig,
        lambda: dict(
            steps=4,
            batch_size=2,
            lr=0.1,
            weight_decay=0.1,
            betas=(0.9, 0.99),
            warmup_steps=1,
            min_lr=0.01,
            decay="linear",
            grad_clip=1.0,
            eval_every=2,
            eval_batches=1,
            ema=0.99,
            seed=0,
        ),
        extra={"ema": [1.0, 1.5]},
    ),  # fmt: skip
    Case(TrainConfig.lr_at, lambda: dict(step=2), call=lambda step: TINY.lr_at(step)),
    Case(TrainConfig.shortened, lambda: dict(steps=1), call=lambda steps: TINY.shortened(steps)),
    Case(
        train,
        lambda: dict(
            model=_model(),
            loss_fn=weight_loss,
            train_data=_rand(8, 1),
            config=TINY,
            val_data=_rand(4, 1, seed=1),
            device="cpu",
            progress=False,
            desc="t",
        ),
        extra={"model": [None, torch.nn.ReLU()], "loss_fn": [lambda m, x: m.weight.sum() * x]},
        also=(FloatingPointError,),
    ),  # fmt: skip
    Case(
        evaluate,
        lambda: dict(model=_model(), loss_fn=weight_loss, data=_rand(8, 1), config=TINY, device="cpu"),
        extra={"loss_fn": [lambda m, x: x.float()]},
    ),
    Case(
        make_optimizer,
        lambda: dict(model=_model(), config=TINY),
        extra={"model": [None, torch.nn.ReLU()], "config": [None, {}]},
    ),
    Case(History, lambda: dict(on_evaluate=print), extra={"on_evaluate": [3, "print"]}),
    Case(
        History.record,
        lambda: dict(step=1, loss=0.5),
        call=lambda step, loss: History().record(step, loss=loss),
        nan_ok=True,
    ),  # NaN is how the history marks a loss that was not measured (no validation data)
    Case(History.frame, lambda: dict(step=1), call=lambda step: (h := History(), h.record(step, x=1.0), h.frame())[2]),
    Case(seeded_loop, lambda: dict(config=TINY), call=lambda **kw: _enter(seeded_loop(**kw)), extra={"config": [None]}),
    Case(progress_bar, lambda: dict(config=TINY, progress=False, desc="x"), extra={"config": [None, 3]}),
    Case(set_lr, lambda: dict(optimizer=make_optimizer(_model(), TINY), lr=0.01)),
    Case(
        moving_average,
        lambda: dict(model=_model(), config=replace(TINY, ema=0.9)),
        extra={"model": ["a model"], "config": [{"ema": 0.9}]},
    ),  # fmt: skip
    Case(
        checked_loss,
        lambda: dict(loss=torch.tensor(0.5), step=1),
        extra={"loss": [0.5, None]},
        also=(FloatingPointError,),
    ),
    # utils.adversarial and utils.gan
    Case(GANTrainConfig, lambda: dict(steps=3, batch_size=4, lr=1e-3, d_steps=2, loss="hinge", eval_every=1)),
    Case(
        train_gan,
        lambda: dict(
            generator=Generator(POINTS),
            discriminator=Discriminator(POINTS),
            data=torch.randn(32, 2),
            config=GAN_TINY,
            progress=False,
            desc="gan",
        ),
        extra={"generator": [None, Discriminator(POINTS)], "discriminator": [Generator(POINTS)]},
        also=(FloatingPointError,),
    ),  # fmt: skip
    Case(GANConfig, lambda: dict(data="images", latent=4, hidden=8, image_size=8, channels=3, pack=2)),
    Case(Generator, lambda: dict(config=POINTS), extra={"config": [None, {}]}),
    Case(Generator.forward, lambda: dict(z=torch.randn(3, 4)), call=lambda z: Generator(POINTS)(z)),
    Case(Generator.noise, lambda: dict(n=3), call=lambda n: Generator(POINTS).noise(n, _g())),
    Case(Generator.sample, lambda: dict(n=3), call=lambda n: Generator(POINTS).sample(n, _g())),
    Case(Discriminator, lambda: dict(config=POINTS), extra={"config": [None, {}]}),
    Case(
        Discriminator.forward,
        lambda: dict(x=torch.randn(4, 2)),
        call=lambda x: Discriminator(replace(POINTS, pack=2))(x),
    ),
    Case(check_loss_name, lambda: dict(loss="hinge")),
    Case(check_samples, lambda: dict(x=torch.randn(3, 2), config=POINTS)),
    Case(discriminator_loss, lambda: dict(real=torch.randn(4), fake=torch.randn(4), loss="minimax")),
    Case(generator_loss, lambda: dict(fake=torch.randn(4), loss="hinge")),
    # utils.recipes
    Case(
        Recipe,
        lambda: dict(
            name="tiny", summary="a line", build=_model, config=None, schedule=TINY, fit=_fit_noop, seconds=1.0
        ),
        extra={"schedule": [None, {}], "build": [None]},
    ),  # fmt: skip
    Case(get_recipe, lambda: dict(name="digits_vae"), extra={"name": [3, None, "gpt"]}),
    Case(training_placement, lambda: dict(recipe="digits_vae", prefer="cpu"), extra={"recipe": [3, "gpt"]}),
    Case(shortened, lambda: dict(recipe=get_recipe("digits_vae"), steps=2)),
    Case(
        train_recipe,
        lambda: dict(recipe=shortened(get_recipe("digits_vae"), 1), device="cpu", progress=False),
        extra={"recipe": ["no such model", 3]},
        examples=10,
    ),
    Case(autoencoder_data, lambda: dict(name="digits"), examples=5),
    Case(gpt_schedule, lambda: dict(steps=30, batch_size=4)),
    Case(
        fit_gpt_chars,
        lambda: dict(model=tiny_gpt(), schedule=TINY, device="cpu", progress=False, desc="g"),
        extra={"model": [GPT(GPTConfig.tiny(vocab_size=20))], "schedule": [None]},
        examples=5,
    ),
    # utils.pretrained
    Case(
        Trained,
        lambda: dict(model=_model(), manifest=read_manifest(saved_checkpoint()), source="cache"),
        extra={"model": [None], "manifest": [{}, None]},
    ),
    Case(load_pretrained, lambda: dict(recipe="digits_vae", device="cpu"), extra={"recipe": [3, "gpt"]}),
    Case(
        load_or_train,
        lambda: dict(name="digits_vae", device="cpu", retrain=False, progress=False),
        extra={"retrain": ["yes", 1]},
    ),
    Case(
        train_and_save,
        lambda: dict(
            recipe=shortened(get_recipe("digits_vae"), 1), folder=Path(FOLDER.name), device="cpu", progress=False
        ),
        extra={"recipe": ["gpt", 3]},
        examples=10,
    ),
    # utils.device
    Case(get_device, lambda: dict(prefer="cpu"), extra={"prefer": ["gpu", 7]}),
    Case(
        choose_device,
        lambda: dict(step=lambda: _TINY(torch.ones(2, 3)), training=True, prefer="cpu"),
        extra={"step": [3, "model"], "prefer": ["gpu", 7]},
    ),  # fmt: skip
    Case(step_flops, lambda: dict(step=lambda: _TINY(torch.ones(2, 3)), training=False), extra={"step": [3]}),
    Case(seed_everything, lambda: dict(seed=3)),
    Case(seeded, lambda: dict(seed=3), call=lambda seed: _enter(seeded(seed))),
    Case(randn, lambda: dict(shape=(2, 3), generator=_g(), device="cpu"), extra={"shape": [5, (2, -1), (2.5,)]}),
    # utils.plots
    Case(plots.as_images, lambda: dict(images=_rand(2, 3, 4, 4))),
    Case(plots.figure_html, lambda: dict(fig=_square_figure(1)), extra={"fig": [None, {"data": []}]}),
    Case(
        plots.image_grid,
        lambda: dict(images=np.zeros((2, 4, 4, 3)), titles=["a", "b"], cols=2, size=20, title="t"),
        extra={"titles": ["ab", ["a"]]},
    ),  # fmt: skip
    Case(plots.image_trace, lambda: dict(image=np.zeros((4, 4, 3)))),
    Case(
        plots.link_hover_to_image,
        lambda: dict(fig=_square_figure(1), image_trace=0, uri_index=0),
        extra={"fig": [None]},
    ),
    Case(plots.png_bytes, lambda: dict(image=np.zeros((4, 4, 3)), scale=2)),
    Case(plots.png_data_uri, lambda: dict(image=np.zeros((4, 4, 3)))),
    Case(plots.to_uint8, lambda: dict(image=np.zeros((4, 4, 3)))),
    # utils.widgets
    Case(lerp, lambda: dict(a=torch.zeros(3), b=torch.ones(3), t=0.25)),
    Case(live, lambda: dict(scale=2), call=lambda scale: live(_picture, scale=scale, t=widgets.FloatSlider())),
    Case(message, lambda: dict(text="You typed a word the model never saw.")),
    Case(show_in, lambda: dict(output=widgets.Output(), obj=_square_figure(2)), extra={"output": [None, 3]}),
    Case(slider_figure, lambda: dict(draw_figure=_square_figure, values=[1, 2], label="x", active=1, play=True)),
    Case(walk_figure, lambda: dict(picture=_picture, steps=3, size=100)),
    Case(
        walk_widget,
        lambda: dict(scale=2),
        call=lambda scale: walk_widget(lambda start, t: _picture(t), scale=scale, start=widgets.FloatSlider()),
    ),
]

EXEMPT = {
    "utils.checkpoints.CheckpointError": "an exception class: utils raises it, a reader never calls it",
    "utils.device.Placement": "a result: choose_device makes it, a reader only reads its fields",
    "utils.plots.setup": "takes no arguments: registers the book's plotly template and renderer",
    "utils.plots.BookRenderer": "plotly builds the renderer and calls it with its own figure dicts",
    "utils.plots.BookRenderer.to_mimebundle": "called by plotly with a figure dict plotly made itself",
    "utils.mystnb_plotly.PlotlyJsonPlugin": "a myst-nb plugin: Sphinx calls it with outputs it read itself",
    "utils.mystnb_plotly.PlotlyJsonPlugin.handle_mime": "called by myst-nb with a mime bundle it read itself",
    "utils.pretrained.cached_checkpoints": "takes no arguments: the cache folder comes from $GENAI_CACHE",
    "utils.recipes.chapter_tokenizer": "takes no arguments: the GPT's fixed alphabet",
    "utils.recipes.fruit_classifier_data": "takes no arguments: the classifier's fixed data",
    "utils.recipes.labelled_fruit_images": "takes no arguments: the fixed fruit pictures of Chapters 9-12 with kinds",
    "utils.recipes.fruit_images": "takes no arguments: the fruit GAN's fixed data",
    "utils.recipes.ring_data": "takes no arguments: the 2D GAN's fixed data",
}

test_bad_inputs = run_cases(CASES)
