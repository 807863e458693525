"""Positional encodings: hand-computed values, the offset property, RoPE's relative scores."""

import math

import pytest
import torch

from utils.positional import LearnedPositions, frequencies, rotary_embedding, sinusoidal_encoding


def test_i_love_cats_by_hand():
    # "I love cats": positions 0, 1, 2 with a 4-number encoding; frequencies 1 and 1/100.
    table = sinusoidal_encoding(3, 4)
    by_hand = torch.tensor([
        [0.0, 1.0, 0.0, 1.0],
        [0.841471, 0.540302, 0.010000, 0.999950],  # sin 1, cos 1, sin 0.01, cos 0.01
        [0.909297, -0.416147, 0.019999, 0.999800],  # sin 2, cos 2, sin 0.02, cos 0.02
    ])  # fmt: skip
    assert torch.allclose(table, by_hand, atol=1e-6)


def test_dot_product_depends_only_on_the_offset():
    table = sinusoidal_encoding(64, 32).double()
    gram = table @ table.T
    for offset in (1, 5, 17):
        diagonal = torch.diagonal(gram, offset)
        assert diagonal.max() - diagonal.min() < 1e-5
    # closed form: sum_i cos(offset * w_i)
    w = 10000 ** (-torch.arange(0, 32, 2, dtype=torch.float64) / 32)
    assert gram[3, 10].item() == pytest.approx(torch.cos(7 * w).sum().item(), abs=1e-5)


def test_rotary_scores_depend_only_on_the_offset():
    g = torch.Generator().manual_seed(0)
    q, k = torch.randn(8, generator=g), torch.randn(8, generator=g)

    def score(m, n):
        qs = rotary_embedding(q.expand(20, 8).clone())[m]
        ks = rotary_embedding(k.expand(20, 8).clone())[n]
        return (qs @ ks).item()

    assert score(3, 1) == pytest.approx(score(12, 10), abs=1e-5)
    assert score(3, 1) != pytest.approx(score(3, 2), abs=1e-3)
    x = torch.randn(2, 3, 5, 8, generator=g)
    assert torch.allclose(rotary_embedding(x).norm(dim=-1), x.norm(dim=-1), atol=1e-5)  # rotations keep length
    assert torch.allclose(rotary_embedding(x)[..., 0, :], x[..., 0, :])  # position 0 is not rotated


def test_rotary_matches_complex_multiplication():
    x = torch.randn(4, 6, generator=torch.Generator().manual_seed(2))
    pairs = torch.view_as_complex(x.view(4, 3, 2).contiguous())
    w = 10000 ** (-torch.arange(0, 6, 2, dtype=torch.float64) / 6)
    turned = pairs * torch.polar(torch.ones(4, 3), (torch.arange(4)[:, None] * w).float())
    assert torch.allclose(rotary_embedding(x), torch.view_as_real(turned).reshape(4, 6), atol=1e-6)


def test_learned_positions_and_errors():
    positions = LearnedPositions(10, 6)
    assert positions(4).shape == (4, 6)
    with pytest.raises(ValueError, match="knows 10 positions"):
        positions(11)
    with pytest.raises(ValueError, match="even"):
        sinusoidal_encoding(3, 5)
    with pytest.raises(ValueError, match="length"):
        sinusoidal_encoding(0, 4)
    assert math.isclose(sinusoidal_encoding(1, 2)[0, 1].item(), 1.0)


@pytest.mark.parametrize("call, message", [
    (lambda: sinusoidal_encoding(4, 0), "dim must be a whole number of at least 1"),
    (lambda: sinusoidal_encoding(-2, 4), "length must be a whole number of at least 1"),
    (lambda: frequencies(7), "dim must be even"),
    (lambda: frequencies(8, base=-1.0), r"base must be in \(1, inf\]"),
    (lambda: rotary_embedding(torch.randn(3, 5)), "dim must be even"),
    (lambda: rotary_embedding(torch.randn(4)), "at least 2 dimensions"),
    (lambda: rotary_embedding(torch.full((3, 4), float("nan"))), "x contains NaN"),
    (lambda: rotary_embedding(torch.randn(3, 4), torch.arange(4)), r"positions must have shape \(3\)"),
    (lambda: LearnedPositions(10, 6)(4, start=7), "knows 10 positions; got a sequence of 11"),
    (lambda: LearnedPositions(10, 6)(4, start=-1), "start must be at least 0"),
    (lambda: LearnedPositions(10, 6)(0), "length must be at least 1"),
])  # fmt: skip
def test_bad_lengths_dims_and_positions(call, message):
    with pytest.raises(ValueError, match=message):
        call()
