"""The fruit world draws what its attributes say, the same way every time."""

import numpy as np
import pandas as pd
import pytest

from utils.fruits import (
    ANOMALY_KINDS,
    ATTRIBUTES,
    KINDS,
    FruitSet,
    make_anomalies,
    make_fruits,
    render,
    sample_attributes,
)


@pytest.fixture(scope="module")
def fruits():
    return make_fruits(300, seed=3)


def _fruit_mask(images):
    """Pixels that differ clearly from the plain background."""
    return np.abs(images - images[:, :1, :1, :]).sum(-1) > 0.15


def test_shapes_range_and_labels(fruits):
    assert fruits.images.shape == (300, 32, 32, 3) and fruits.images.dtype == np.float32
    assert 0 <= fruits.images.min() and fruits.images.max() <= 1
    assert np.bincount(fruits.labels).tolist() == [100, 100, 100]
    assert list(fruits.attributes.columns) == list(ATTRIBUTES) and len(fruits.attributes) == 300
    assert fruits.to_tensor().shape == (300, 3, 32, 32)


def test_same_seed_same_pixels_other_seed_other_pixels():
    a, b, c = make_fruits(30, seed=7), make_fruits(30, seed=7), make_fruits(30, seed=8)
    assert np.array_equal(a.images, b.images)
    assert not np.allclose(a.images, c.images)


def test_apples_are_redder_than_bananas(fruits):
    mask = _fruit_mask(fruits.images)
    redness = [(fruits.images[..., 0] - fruits.images[..., 2])[mask & (fruits.labels == k)[:, None, None]].mean()
               for k in range(3)]  # fmt: skip
    greenness = [fruits.images[..., 1][mask & (fruits.labels == k)[:, None, None]].mean() for k in range(3)]
    apple, banana, orange = (KINDS.index(k) for k in ("apple", "banana", "orange"))
    assert greenness[banana] > greenness[orange] > greenness[apple]
    assert redness[apple] > 0.3 and redness[orange] > 0.3


def test_bananas_are_elongated_and_the_pixels_agree(fruits):
    mask = _fruit_mask(fruits.images)
    area = mask.sum(axis=(1, 2))
    banana = fruits.labels == KINDS.index("banana")
    # a long thin banana covers less area than a round fruit of similar length
    assert area[banana].mean() < 0.6 * area[~banana].mean()
    # the measured extent of the fruit grows with the `width` attribute for round fruits
    round_ = ~banana
    corr = np.corrcoef(fruits.attributes["width"][round_], area[round_])[0, 1]
    assert corr > 0.9


@pytest.mark.parametrize("kind, base, attribute", [
    ("blue_apple", "apple", "hue"), ("square_orange", "orange", "squareness"), ("striped_banana", "banana", "stripes"),
])  # fmt: skip
def test_anomalies_differ_from_their_kind(kind, base, attribute):
    rng = np.random.default_rng(0)
    odd, normal = sample_attributes(kind, 200, rng), sample_attributes(base, 200, rng)
    assert odd[attribute].min() > normal[attribute].max()
    odd_pixels = render(odd, seed=1)
    normal_pixels = render(normal, seed=1)
    if kind == "blue_apple":
        mask = _fruit_mask(odd_pixels)
        assert odd_pixels[..., 2][mask].mean() > odd_pixels[..., 0][mask].mean() + 0.2
    else:
        assert np.abs(odd_pixels.mean(0) - normal_pixels.mean(0)).max() > 0.1


def test_square_oranges_fill_more_of_their_box():
    attrs = {"width": [0.5, 0.5], "elongation": [1.0, 1.0], "squareness": [0.0, 8.0], "value": [0.9, 0.9],
             "saturation": [1.0, 1.0], "hue": [30.0, 30.0]}  # fmt: skip
    area = _fruit_mask(render(attrs, size=64)).sum(axis=(1, 2)) / 64**2
    # a disc of radius 0.5 (image half-width 1) covers pi/16 of the image; a square covers 1/4
    assert abs(area[0] - np.pi / 16) < 0.02
    assert area[1] > 0.22


def test_make_anomalies_uses_the_anomaly_kinds():
    odd = make_anomalies(6, seed=0)
    assert odd.kinds == ANOMALY_KINDS and odd.images.shape == (6, 32, 32, 3)


def test_render_accepts_any_size_of_16_or_more():
    assert render({"width": [0.4]}, size=16).shape == (1, 16, 16, 3)
    assert render(pd.DataFrame({"width": [0.4, 0.5]}), size=48).shape == (2, 48, 48, 3)


@pytest.mark.parametrize("call, message", [
    (lambda: make_fruits(-1), "at least 0"),
    (lambda: make_fruits(2.5), "whole number"),
    (lambda: make_fruits(3, kinds=["pear"]), "Unknown fruit kind 'pear'"),
    (lambda: make_fruits(3, kinds=[]), "kinds is empty"),
    (lambda: make_fruits(3, size=8), "at least 16"),
    (lambda: render({"width": [0.4], "hue": [1.0, 2.0]}), "one value per fruit"),
    (lambda: render({"colour": [1.0]}), "Unknown fruit attribute"),
])  # fmt: skip
def test_bad_arguments_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_zero_fruits_is_an_empty_set():
    empty = make_fruits(0)
    assert empty.images.shape == (0, 32, 32, 3) and len(empty) == 0


@pytest.mark.parametrize("call, message", [
    (lambda: make_fruits(0.0), "whole number"),
    (lambda: make_fruits(3, seed=-1), "seed must be at least 0, got -1"),
    (lambda: make_fruits(3, seed=1.5), "seed must be a whole number"),
    (lambda: make_fruits(3, kinds="apple"), "got the single string 'apple'"),
    (lambda: make_fruits(3, size=-32), "at least 16"),
    (lambda: make_anomalies(-2), "at least 0, got -2"),
    (lambda: make_anomalies(3, seed=-1), "seed must be at least 0"),
    (lambda: make_anomalies(3, kinds=["purple_pear"]), "Unknown fruit kind 'purple_pear'"),
    (lambda: sample_attributes("pear", 3, np.random.default_rng(0)), "Unknown fruit kind 'pear'"),
    (lambda: sample_attributes("apple", -1, np.random.default_rng(0)), "at least 0"),
    (lambda: render({"hue": [0.0, float("nan")]}), "'hue' contains NaN"),
    (lambda: render({"width": [[0.4, 0.5]]}), "one number per fruit"),
    (lambda: render({"width": ["wide"]}), "'width' must hold numbers"),
    (lambda: render({"squareness": [1000.0]}), "too extreme to draw"),
    (lambda: render({"width": [0.4]}, seed=-1), "seed must be at least 0"),
    (lambda: make_fruits(2).to_tensor("gpu"), "Unknown device 'gpu'"),
])  # fmt: skip
def test_bad_counts_sizes_seeds_and_attributes_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_wrong_kinds_of_argument_are_type_errors():
    with pytest.raises(TypeError, match="rng must be a NumPy random Generator"):
        sample_attributes("apple", 3, 0)
    with pytest.raises(TypeError, match="attributes must be a dict"):
        render([0.4, 0.5])


def test_a_fruit_set_checks_its_parts():
    good = make_fruits(3, size=16)
    with pytest.raises(ValueError, match=r"pixel values in \[0, 1\]"):
        FruitSet(good.images * 2, good.labels, good.kinds, good.attributes)
    with pytest.raises(ValueError, match=r"labels must be an array of shape \(3,\)"):
        FruitSet(good.images, good.labels[:2], good.kinds, good.attributes)
    with pytest.raises(ValueError, match=r"labels must lie in 0..0"):
        FruitSet(good.images, good.labels, ("apple",), good.attributes)
