"""The shared input checks accept what they should and say what is wrong otherwise."""

import math

import numpy as np
import pytest
import torch

from utils.checks import (
    check_array,
    check_choice,
    check_count,
    check_ids,
    check_logits,
    check_nonempty,
    check_number,
    check_tensor,
)


def test_check_tensor_returns_good_tensors_unchanged():
    x = torch.randn(2, 3)
    assert check_tensor(x, "x", dims=2, shape=(None, 3)) is x
    assert check_tensor(torch.tensor([1, 2]), "ids", kind="int", dims=(1, 2)) is not None
    assert check_tensor(torch.ones(2, dtype=torch.bool), "mask", kind="bool") is not None


@pytest.mark.parametrize(
    ("value", "options", "message"),
    [
        ([1.0, 2.0], {}, "must be a torch tensor, got list"),
        (torch.randn(2, 3), {"dims": (1, 3)}, "must have 1 or 3 dimensions, got shape \\(2, 3\\)"),
        (torch.randn(2, 3), {"shape": (None, 4)}, "must have shape \\(any, 4\\), got \\(2, 3\\)"),
        (torch.tensor([1, 2]), {}, "must hold floating-point numbers .*torch.int64"),
        (torch.randn(2), {"kind": "int"}, "must hold whole numbers .*torch.float32"),
        (torch.randn(0, 3), {}, "is empty \\(shape \\(0, 3\\)\\)"),
        (torch.tensor([1.0, math.nan]), {}, "contains NaN"),
        (torch.tensor([1.0, math.inf]), {}, "contains infinite values"),
    ],
)
def test_check_tensor_says_what_is_wrong(value, options, message):
    with pytest.raises((ValueError, TypeError), match=f"^x {message}"):
        check_tensor(value, "x", **options)


def test_check_ids_names_the_offending_id_and_the_range():
    assert check_ids(torch.tensor([[0, 4]]), 5) is not None
    with pytest.raises(ValueError, match="token id 5, outside the vocabulary \\(ids run from 0 to 4\\)"):
        check_ids(torch.tensor([0, 5, 1]), 5)
    with pytest.raises(ValueError, match="token id -1"):
        check_ids(torch.tensor([-1, 2]), 5)
    with pytest.raises(ValueError, match="whole numbers"):
        check_ids(torch.tensor([1.0]), 5)


def test_check_logits_allows_minus_infinity_but_not_nan_or_a_dead_row():
    logits = torch.tensor([[0.0, -math.inf, 1.0]])
    assert check_logits(logits) is logits
    for bad in ([[math.nan, 0.0]], [[math.inf, 0.0]], [[-math.inf, -math.inf]]):
        with pytest.raises(ValueError):
            check_logits(torch.tensor(bad))
    with pytest.raises(ValueError, match="single number"):
        check_logits(torch.tensor(1.0))


def test_check_array_converts_and_checks():
    assert check_array([[1, 2]], "a", dims=2).shape == (1, 2)
    assert check_array(torch.ones(3), "a").shape == (3,)
    for bad, message in ([[np.nan]], "NaN"), ([], "empty"), (["a"], "hold numbers"), ([[1]], "1 dimensions"):
        with pytest.raises(ValueError, match=message):
            check_array(bad, "a", dims=1 if message == "1 dimensions" else None)


def test_scalar_checks():
    assert check_count(3, "n") == 3 and check_count(0, "n", minimum=0) == 0
    for bad in (True, 2.5, "3", -1, 0):
        with pytest.raises(ValueError, match="^n must be"):
            check_count(bad, "n")
    with pytest.raises(ValueError, match="at most 4"):
        check_count(5, "n", maximum=4)
    assert check_number(0.5, "p", low=0, high=1, low_open=True) == 0.5
    with pytest.raises(ValueError, match=r"p must be in \(0, 1\], got 0"):
        check_number(0, "p", low=0, high=1, low_open=True)
    for bad in (math.nan, math.inf, "1", None, True):
        with pytest.raises(ValueError, match="finite number"):
            check_number(bad, "p")
    assert check_choice("a", "mode", ["a", "b"]) == "a"
    with pytest.raises(ValueError, match="Unknown mode 'c'; choose one of 'a', 'b'"):
        check_choice("c", "mode", ["a", "b"])
    assert check_nonempty([1], "items") == [1]
    with pytest.raises(ValueError, match="items is empty"):
        check_nonempty([], "items")
    with pytest.raises(TypeError, match="must be a list"):
        check_nonempty(3, "items")
