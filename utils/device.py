"""Where tensors live and how randomness is seeded: the two things every chapter sets up."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch

from .checks import check_device


def get_device(prefer: str | None = None) -> torch.device:
    """The device to compute on: `prefer` if given, else CUDA when present, else the CPU."""
    if prefer is not None:
        return check_device(prefer, "prefer")
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


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
