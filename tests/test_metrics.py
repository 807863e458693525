"""Fréchet distance against closed forms; mode coverage on hand-placed points; the fruit classifier's shapes."""

import math

import numpy as np
import pytest
import torch

from utils.metrics import FruitClassifier, frechet_distance, mode_coverage, ring_centres, ring_of_gaussians


def _features(n=2000, width=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, width)) @ rng.normal(size=(width, width)) + rng.normal(size=width)


def test_identical_sets_are_at_distance_zero():
    a = _features()
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_a_shift_adds_its_squared_length():
    a = _features()
    shift = np.array([1.0, -2.0, 0.5, 0.0, 0.0, 3.0])
    assert frechet_distance(a, a + shift) == pytest.approx((shift**2).sum(), rel=1e-6)


def test_scaling_matches_the_closed_form():
    # b = k a: mean k mu, covariance k^2 S, so FD = (1 - k)^2 (|mu|^2 + Tr S).
    a, k = _features(), 1.7
    expected = (1 - k) ** 2 * ((a.mean(0) ** 2).sum() + np.trace(np.cov(a, rowvar=False)))
    assert frechet_distance(a, k * a) == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_rejects_bad_input():
    with pytest.raises(ValueError, match="equal width"):
        frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="at least two"):
        frechet_distance(np.zeros((1, 3)), np.zeros((5, 3)))


def test_ring_of_gaussians_lies_on_the_ring():
    points, modes = ring_of_gaussians(8000, std=0.05, seed=1)
    assert points.shape == (8000, 2) and set(modes.tolist()) == set(range(8))
    assert points.norm(dim=1).mean().item() == pytest.approx(2.0, abs=0.01)
    offsets = points - ring_centres()[modes]
    assert offsets.std().item() == pytest.approx(0.05, rel=0.05)
    assert ring_centres(4).round(decimals=6).tolist() == [[2, 0], [0, 2], [-2, 0], [0, -2]]


def test_mode_coverage_counts_modes_and_quality():
    centres = ring_centres()
    everywhere = centres.repeat(10, 1)  # 80 points, 10 on each centre
    result = mode_coverage(everywhere, centres, std=0.05)
    assert result["modes_covered"] == 8 and result["high_quality_rate"] == 1.0 and result["counts"] == [10] * 8
    one_mode = torch.cat([centres[:1].repeat(90, 1), torch.zeros(10, 2)])  # collapsed, and 10 points in the middle
    result = mode_coverage(one_mode, centres, std=0.05)
    assert result["modes_covered"] == 1 and result["high_quality_rate"] == pytest.approx(0.9)
    edge = centres[:1] + torch.tensor([[3 * 0.05 * math.cos(0.3), 3 * 0.05 * math.sin(0.3)]]) * 0.999
    assert mode_coverage(edge, centres, std=0.05)["high_quality_rate"] == 1.0  # just inside 3 std
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        mode_coverage(torch.zeros(5, 3), centres, std=0.05)


def test_fruit_classifier_gives_logits_and_features():
    torch.manual_seed(0)
    model = FruitClassifier()
    x = torch.rand(5, 3, 32, 32)
    assert model(x).shape == (5, 3) and model.features(x, batch_size=2).shape == (5, 64)
    assert (model.features(x) >= 0).all()  # after a ReLU


def test_one_feature_reduces_to_the_one_dimensional_formula():
    a = torch.randn(5000, 1, generator=torch.Generator().manual_seed(0)).double()
    a = (a - a.mean()) / a.std()
    assert frechet_distance(a, 3 + 2 * a) == pytest.approx(3**2 + (1 - 2) ** 2, rel=1e-9)


def test_a_feature_that_never_varies_does_not_break_it():
    a = np.hstack([_features(width=3), np.zeros((2000, 1))])  # e.g. a ReLU unit that is always off
    shift = np.array([0.5, 0.0, -1.0, 0.0])
    assert frechet_distance(a, a + shift) == pytest.approx(1.25, rel=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda: frechet_distance(np.array([[0.0, math.nan]] * 3), np.zeros((3, 2))), "a contains NaN"),
    (lambda: frechet_distance(np.zeros((3, 2)), torch.full((3, 2), math.inf)), "b contains NaN or infinite"),
    (lambda: frechet_distance(np.zeros((0, 2)), np.zeros((3, 2))), "a is empty"),
    (lambda: frechet_distance(np.zeros(3), np.zeros((3, 1))), "a must have 2 dimensions"),
    (lambda: mode_coverage(torch.tensor([[math.nan, 0.0]]), ring_centres(), std=0.05), "samples contains NaN"),
    (lambda: mode_coverage(torch.zeros(0, 2), ring_centres(), std=0.05), r"\(N, 2\)"),
    (lambda: mode_coverage(torch.zeros(4, 2), ring_centres(), std=0.0), r"std must be in \(0, inf\]"),
    (lambda: mode_coverage(torch.zeros(4, 2), ring_centres(), std=0.05, min_share=2.0), "min_share"),
    (lambda: ring_centres(0), "modes must be at least 1"),
    (lambda: ring_of_gaussians(10, std=math.inf), "std must be a finite number"),
    (lambda: ring_of_gaussians(10, seed=-1), "seed must be at least 0"),
    (lambda: FruitClassifier(width=0), "width must be at least 1"),
])  # fmt: skip
def test_metrics_refuse_bad_points_and_features(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("x, message", [
    (torch.full((2, 3, 32, 32), math.nan), "images contains NaN"),
    (torch.rand(2, 3, 32, 32) * 255, r"pixel values in \[0, 1\]"),
    (torch.rand(2, 32, 32, 3), r"shape \(batch, 3, H, W\)"),
    (torch.rand(3, 32, 32), "4 dimensions"),
    (torch.rand(2, 3, 2, 2), "at least 4 pixels"),
])  # fmt: skip
def test_fruit_classifier_refuses_bad_images(x, message):
    model = FruitClassifier(width=4, features=8)
    for call in (lambda: model(x), lambda: model.features(x)):
        with pytest.raises(ValueError, match=message):
            call()


def test_diversity_is_the_mean_distance_between_different_samples():
    from utils.metrics import diversity

    x = np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 8.0]])
    # pairs: 5, 8, 5 (each counted twice over 3 * 2 ordered pairs)
    assert diversity(x) == pytest.approx(6.0)
    assert diversity(torch.ones(5, 3)) == 0.0
