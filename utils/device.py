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
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


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
