"""Device choice and seeding."""

import random

import numpy as np
import pytest
import torch

from utils.device import get_device, seed_everything


def test_get_device_prefers_cuda_only_when_present():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert get_device().type == expected
    assert get_device("cpu") == torch.device("cpu")


def test_seed_everything_makes_every_library_repeat():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    g1 = seed_everything(11)
    first, gen_first = draw(), torch.rand(2, generator=g1)
    g2 = seed_everything(11)
    assert draw() == first and torch.equal(torch.rand(2, generator=g2), gen_first)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "3"])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed must be"):
        seed_everything(seed)
