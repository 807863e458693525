"""Bad inputs to the diffusion code of Chapter 12 (see tests/bad_inputs.py).

Tiny models (T = 10, 16x16 images, 16 channels) built once, so the file runs in seconds:
steps < 1, t outside [0, T], images of the wrong size or outside [0, 1], NaN, guidance < 0,
an unknown schedule name.
"""

from __future__ import annotations

import math
from functools import cache

import torch
from bad_inputs import Case, run_cases

from utils.diffusion import (
    Diffusion,
    DiffusionConfig,
    GaussianDenoiser,
    MLPDenoiser,
    NoiseSchedule,
    UNet,
    ddim_step,
    noise_step,
    noised,
    posterior,
    predict_x0,
    time_embedding,
    timesteps,
)

IMAGES = DiffusionConfig(data="images", image_size=16, hidden=16, classes=3, steps=10)
POINTS = DiffusionConfig(data="points", hidden=8, steps=10)


@cache
def _model(data: str) -> Diffusion:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return Diffusion(IMAGES if data == "images" else POINTS).eval()


def schedule() -> NoiseSchedule:
    return NoiseSchedule("linear", 10)


def images(n: int = 2, size: int = 16) -> torch.Tensor:
    return torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(0))


def points(n: int = 3) -> torch.Tensor:
    return torch.randn(n, 2, generator=torch.Generator().manual_seed(0))


BAD_IMAGES = [images() * 2, images() - 1, images(size=12), images()[:, :1], images()[0], images().permute(0, 2, 3, 1)]

CASES = [
    Case(NoiseSchedule, lambda: dict(name="cosine", steps=10), extra={"name": ["Linear", "quadratic"], "steps": [1]}),
    Case(
        NoiseSchedule.check_t,
        lambda: dict(t=torch.tensor([0, 5, 10])),
        call=lambda t: schedule().check_t(t),
        extra={"t": [11, -1, torch.tensor([3.0]), torch.tensor([2, 11]), "3", True]},
    ),  # fmt: skip
    Case(NoiseSchedule.snr, lambda: dict(t=3), call=lambda t: schedule().snr(t), extra={"t": [0, 11]}),
    Case(
        noised,
        lambda: dict(x0=points(), t=4, schedule=schedule(), noise=points()),
        fixed=("schedule",),
        extra={"t": [11, torch.tensor([1, 2]), torch.tensor([1, 2, 30])], "noise": [points(2)]},
    ),
    Case(noise_step, lambda: dict(x=points(), t=4, schedule=schedule()), fixed=("schedule",), extra={"t": [0, 11]}),
    Case(
        posterior,
        lambda: dict(x0=points(), xt=points(), t=torch.tensor([1, 4, 10]), schedule=schedule()),
        fixed=("schedule",),
        extra={"t": [0, 11], "xt": [points(4)]},
    ),
    Case(
        predict_x0,
        lambda: dict(xt=points(), eps=points(), t=2, schedule=schedule(), clip=False),
        fixed=("schedule",),
        extra={"t": [0, 11]},
    ),
    Case(
        ddim_step,
        lambda: dict(xt=points(), eps=points(), t=5, t_prev=2, schedule=schedule(), eta=0.5),
        fixed=("schedule",),
        extra={"t_prev": [5, 7], "eta": [1.5], "t": [11]},
    ),
    Case(timesteps, lambda: dict(T=10, steps=4), extra={"steps": [11, 0]}),
    Case(time_embedding, lambda: dict(t=torch.tensor([1, 2]), dim=8), extra={"dim": [7, 0]}),
    Case(MLPDenoiser, lambda: dict(hidden=8, time_dim=4, layers=2)),
    Case(
        MLPDenoiser.forward,
        lambda: dict(x=points(), t=torch.tensor([1, 2, 3])),
        call=lambda **kw: _model("points").net(**kw),
        extra={
            "x": [torch.zeros(3, 3)],
            "t": [torch.tensor([1, 2]), torch.tensor([-1, 2, 3])],
            "labels": [torch.tensor([0, 1, 2])],
        },
    ),  # fmt: skip
    Case(UNet, lambda: dict(channels=3, width=16, classes=3), extra={"width": [12]}),
    Case(
        UNet.forward,
        lambda: dict(x=images(), t=torch.tensor([1, 9]), labels=torch.tensor([0, 3])),
        call=lambda **kw: _model("images").net(**kw),
        extra={"x": [images(size=12), images()[:, :1]], "labels": [torch.tensor([0, 4]), torch.tensor([0])]},
    ),
    Case(GaussianDenoiser, lambda: dict(mean=1.0, std=0.5, schedule=schedule()), extra={"schedule": ["linear"]}),
    Case(
        GaussianDenoiser.forward,
        lambda: dict(x=points(), t=torch.tensor([1, 2, 3])),
        call=lambda **kw: GaussianDenoiser(0.0, 1.0, schedule())(**kw),
        extra={"t": [torch.tensor([0, 1, 2])]},
    ),
    Case(
        DiffusionConfig,
        lambda: dict(data="images", schedule="linear", steps=10, hidden=16, image_size=16, classes=3, p_uncond=0.1),
        extra={"schedule": ["sigmoid"], "hidden": [12], "image_size": [20], "p_uncond": [1.5], "steps": [1]},
    ),
    Case(
        Diffusion,
        lambda: dict(config=POINTS),
        extra={"config": [None, {"data": "points"}, DiffusionConfig(data="points", classes=3)]},
    ),
    Case(
        Diffusion.loss,
        lambda: dict(x0=images(3), labels=torch.tensor([0, 1, 2])),
        call=lambda **kw: _model("images").loss(**kw),
        extra={"x0": BAD_IMAGES, "labels": [torch.tensor([0, 1, 3]), torch.tensor([0, 1])]},
    ),
    Case(
        Diffusion.predict_noise,
        lambda: dict(xt=images() * 2 - 1, t=3, labels=torch.tensor([0, 2]), guidance=2.0),
        call=lambda **kw: _model("images").predict_noise(**kw),
        extra={"t": [0, 11], "guidance": [-1.0]},
    ),
    Case(
        Diffusion.sample,
        lambda: dict(n=2, steps=3, eta=0.5, labels=torch.tensor([0, 2]), guidance=2.0),
        call=lambda **kw: _model("images").sample(**kw),
        extra={"steps": [0, 11], "guidance": [-0.5], "eta": [1.5], "labels": [torch.tensor([0, 3])]},
    ),
    Case(
        Diffusion.sample,
        lambda: dict(n=3, steps=2, noise=points()),
        call=lambda **kw: _model("points").sample(**kw),
        extra={"noise": [points(2), torch.zeros(3, 3)]},
    ),
    Case(Diffusion.sample_ddpm, lambda: dict(n=2), call=lambda **kw: _model("points").sample_ddpm(**kw)),
]

EXEMPT: dict[str, str] = {}


def test_unknown_schedule_and_guidance_without_labels_are_explained():
    import pytest

    with pytest.raises(ValueError, match="Unknown noise schedule"):
        NoiseSchedule("quadratic")
    with pytest.raises(ValueError, match="guidance only applies with labels"):
        _model("images").sample(2, steps=2, guidance=3.0)
    with pytest.raises(ValueError, match=r"pixel values in \[0, 1\]"):
        _model("images").loss(images() * 2)
    assert math.isfinite(_model("images").loss(images()).item())


test_bad_inputs = run_cases(CASES)
