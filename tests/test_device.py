"""Device choice and seeding."""

import random

import numpy as np
import pytest
import torch

from utils.device import GPU_MIN_STEP_FLOPS, choose_device, get_device, seed_everything, step_flops


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


# --- choose_device: the GPU only for work large enough to pay for it -------------------------------------------


def test_step_flops_counts_a_matrix_product_forward_and_backward():
    layer = torch.nn.Linear(64, 32, bias=False)
    x = torch.ones(10, 64)
    assert step_flops(lambda: layer(x), training=False) == 2 * 10 * 64 * 32  # a multiply and an add per weight
    assert step_flops(lambda: layer(x)) == 3 * 2 * 10 * 64 * 32  # backward: about twice the forward


def test_without_a_gpu_every_choice_is_the_cpu_and_says_why(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    big = torch.nn.Linear(1024, 1024)
    x = torch.ones(512, 1024)  # 3 x 2 x 512 x 1024 x 1024 = 3.2 GFLOP per training step
    placement = choose_device(lambda: big(x))
    assert placement.device == torch.device("cpu") and placement.step_flops == pytest.approx(3.22e9, rel=0.01)
    assert "3.22 GFLOP" in placement.reason and "none is here" in placement.reason
    assert choose_device().device == torch.device("cpu")
    with pytest.raises(ValueError, match="no CUDA GPU here"):
        choose_device(prefer="cuda")


def test_with_a_gpu_only_a_large_step_goes_there(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # the decision only: nothing is moved
    small, big = torch.nn.Linear(2, 3), torch.nn.Linear(1024, 1024)
    placement = choose_device(lambda: small(torch.ones(256, 2)))
    assert placement.device.type == "cpu" and "below the 1 GFLOP" in placement.reason
    placement = choose_device(lambda: big(torch.ones(512, 1024)))
    assert placement.device.type == "cuda" and "using CUDA" in placement.reason
    # Inference counts the forward pass only: 1.07 GFLOP still pays off, a third of it would not.
    assert choose_device(lambda: big(torch.ones(512, 1024)), training=False).device.type == "cuda"
    assert choose_device(lambda: big(torch.ones(170, 1024)), training=False).device.type == "cpu"
    assert choose_device().device.type == "cpu"  # no step given: small work
    assert choose_device(lambda: small(torch.ones(1, 2)), prefer="cuda").device.type == "cuda"


@pytest.mark.parametrize("cuda", [False, True])
def test_every_recipe_trains_on_a_gpu_only_when_its_step_is_large(monkeypatch, cuda):
    from utils.recipes import RECIPES, training_placement

    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    placed = {name: training_placement(name) for name in RECIPES}
    assert all(p.step_flops is not None for p in placed.values()), "a recipe whose model cannot be weighed"
    small = {name for name, p in placed.items() if p.step_flops < GPU_MIN_STEP_FLOPS}
    assert small == {"digits_vae", "gan_ring", "diffusion_ring"}  # the 8x8 digits and the 2D ring models
    on_gpu = {name for name, p in placed.items() if p.device.type == "cuda"}
    assert on_gpu == (set(RECIPES) - small if cuda else set())
    assert placed["gan_fruits"].reason.startswith("One training step of gan_fruits is 7.15 GFLOP")


def test_weighing_a_step_leaves_the_random_state_alone():
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    step_flops(lambda: torch.nn.functional.dropout(torch.nn.Linear(4, 4)(torch.rand(8, 4)), 0.5))
    assert torch.equal(torch.rand(3), expected)
