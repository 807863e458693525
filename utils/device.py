"""Where tensors live and how randomness is seeded: the two things every chapter sets up."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from .checks import check_device

# A GPU pays off for a training step of at least this many floating-point operations. Below it, a step
# on the GPU is dominated by launching its kernels and waiting for them: 5-9 ms per training step of
# the book's 2D and picture GANs on an H200 (3,000 steps in 16 s, 300 in 2.8 s), whatever their size.
# Two CPU cores run the book's recipes at 33-180 GFLOP/s (benchmarks/devices.py: a step's FLOPs over
# its measured seconds), so a step of 1 GFLOP takes them 6-30 ms: about where the two break even. The
# book's ring and digit models (0.1-0.4 GFLOP per step) stay on the CPU; its picture models and GPTs
# (1.2-39 GFLOP per step) gain from a GPU.
GPU_MIN_STEP_FLOPS = 1e9


class Placement(NamedTuple):
    """Where a chapter's models run, and why, in a sentence a reader can print."""

    device: torch.device
    step_flops: float | None  # the arithmetic of one step of the work weighed (None: none was given)
    reason: str


def get_device(prefer: str | None = None) -> torch.device:
    """The device to compute on: `prefer` if given, else CUDA when present, else the CPU."""
    if prefer is not None:
        return check_device(prefer, "prefer")
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def step_flops(step: Callable[[], Any], *, training: bool = True) -> float:
    """Floating-point operations of one step: the forward pass `step()` runs, times 3 when training.

    torch's FlopCounterMode counts the matrix products and convolutions (nearly all of a network's
    arithmetic; element-wise operations are left out). A backward pass costs about twice the forward.
    Random draws inside `step` (dropout, noise) leave torch's random state as it was.
    """
    if not callable(step):
        raise ValueError(f"step must be a function that runs one forward pass, got {type(step).__name__}.")
    _check_training(training)
    with torch.random.fork_rng(devices=[]), FlopCounterMode(display=False) as counter:  # the caller's draws stay
        step()
    return float(counter.get_total_flops()) * (3 if training else 1)


def choose_device(
    step: Callable[[], Any] | None = None, *, training: bool = True, prefer: str | None = None, what: str | None = None
) -> Placement:
    """The device for a chapter's models, decided by the size of its work rather than by what is installed.

    `step` runs one forward pass of the heaviest work the chapter does on the device (a model on one
    batch, on the CPU). The GPU is chosen only when one is present and a step needs at least
    GPU_MIN_STEP_FLOPS; otherwise the CPU, where small models run faster. Without `step`, the chapter
    only runs small or trained models on small batches: the CPU. `prefer` ("cpu", "cuda") overrides.
    `what` names the step in the reason ("One training step of the classifier"; by default "One
    training step" or, with training=False, "One forward pass").
    """
    _check_training(training)
    if what is not None and (not isinstance(what, str) or not what.strip()):
        raise ValueError(f"what must name the step in a few words, got {what!r}.")
    what = what or ("One training step" if training else "One forward pass")
    cuda = torch.cuda.is_available()
    flops = step_flops(step, training=training) if step is not None else None
    if prefer is not None:
        device = check_device(prefer, "prefer")
        if device.type == "cuda" and not cuda:
            raise ValueError(
                "You asked for the GPU (prefer='cuda'), but torch finds no CUDA GPU here; leave prefer out."
            )
        return Placement(device, flops, f"Using {device.type.upper()}, as asked.")
    if flops is None:
        why = "this chapter's models are small or run on small batches, where a GPU takes longer to start a step"
        return Placement(torch.device("cpu"), None, f"Using the CPU: {why} than to compute it.")
    size = f"{what} is {_flops_text(flops)}"
    limit = _flops_text(GPU_MIN_STEP_FLOPS)
    if flops < GPU_MIN_STEP_FLOPS:
        return Placement(torch.device("cpu"), flops, f"{size}, below the {limit} from which a GPU pays off: "
                         "using the CPU, where a step this small runs faster.")  # fmt: skip
    if not cuda:
        return Placement(torch.device("cpu"), flops, f"{size}, enough to gain from a GPU, but none is here: "
                         "using the CPU.")  # fmt: skip
    return Placement(torch.device("cuda"), flops, f"{size}, at least the {limit} from which a GPU pays off: "
                     "using CUDA.")  # fmt: skip


def _check_training(training: object) -> None:
    if not isinstance(training, bool):
        raise ValueError(f"training must be True or False, got {training!r}.")


def _flops_text(flops: float) -> str:
    for scale, unit in ((1e9, "GFLOP"), (1e6, "MFLOP"), (1e3, "kFLOP")):
        if flops >= scale:
            return f"{flops / scale:.3g} {unit}"
    return f"{flops:.0f} FLOP"


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run a block with torch's CPU random state seeded to `seed`, then put the caller's state back.

    Library code builds models inside it, so that weights start the same every time
    without changing what the caller's next random draw would have been.
    """
    _check_seed(seed)
    with torch.random.fork_rng(devices=range(torch.cuda.device_count())):  # torch.manual_seed seeds CUDA too
        torch.manual_seed(seed)
        yield


def randn(
    shape: tuple[int, ...], *, generator: torch.Generator | None = None, device: torch.device | str | None = None
) -> torch.Tensor:
    """Standard normal noise of `shape` on `device`, drawn on the random generator's own device.

    So a CPU generator (the book's usual seeded one) also serves a model on the GPU.
    """
    if isinstance(shape, int) or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape):
        raise ValueError(f"shape must be a tuple of sizes (whole numbers, 0 or more), got {shape!r}.")
    device = check_device(device)
    drawn_on = generator.device if generator is not None else device
    return torch.randn(shape, generator=generator, device=drawn_on).to(device)


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch for a script or notebook; returns a torch Generator.

    Library code never calls this: it takes an explicit `generator` or `seed`.
    Notebooks call it once at the top so that every run prints the same numbers.
    """
    _check_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def _check_seed(seed: object) -> None:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a whole number of at least 0, got {seed!r}.")
