"""Positional encodings: how a transformer knows the order of its tokens (Chapter 6).

* `sinusoidal_encoding`: the fixed sine/cosine table of "Attention is all you need"
  (Vaswani et al., 2017), PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(same angle).
* `LearnedPositions`: one trainable vector per position, as in GPT-2 and BERT.
* `rotary_embedding`: RoPE (Su et al., 2021), which rotates each pair of query and key
  coordinates by an angle proportional to the position, so that attention scores depend
  only on the offset between two tokens.
"""

from __future__ import annotations

import torch

from .checks import check_count, check_number, check_tensor


def _check(length: int, dim: int, *, even: bool = True) -> None:
    for name, value in (("length", length), ("dim", dim)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}.")
    if even and dim % 2:
        raise ValueError(f"dim must be even (sines and cosines come in pairs), got {dim}.")


def _check_base(base: float) -> None:
    check_number(base, "base", low=1, low_open=True)


def frequencies(dim: int, base: float = 10000.0) -> torch.Tensor:
    """The dim/2 angular frequencies 1 / base^(2i/dim), from 1 down to nearly 1/base: (dim/2,)."""
    _check(1, dim)
    _check_base(base)
    return base ** (-torch.arange(0, dim, 2, dtype=torch.float64) / dim)


def sinusoidal_encoding(length: int, dim: int, base: float = 10000.0) -> torch.Tensor:
    """The sine/cosine position table: (length, dim), float32.

    >>> sinusoidal_encoding(2, 4)[1]  # position 1: sin(1), cos(1), sin(0.01), cos(0.01)
    tensor([0.8415, 0.5403, 0.0100, 0.9999])
    """
    _check(length, dim)
    _check_base(base)
    angles = torch.arange(length, dtype=torch.float64)[:, None] * frequencies(dim, base)  # (T, dim/2)
    table = torch.empty(length, dim, dtype=torch.float64)
    table[:, 0::2] = torch.sin(angles)
    table[:, 1::2] = torch.cos(angles)
    return table.float()


class LearnedPositions(torch.nn.Module):
    """A trainable vector per position, added to the token embeddings."""

    def __init__(self, max_length: int, dim: int):
        super().__init__()
        _check(max_length, dim, even=False)
        self.table = torch.nn.Embedding(max_length, dim)
        torch.nn.init.normal_(self.table.weight, std=0.02)

    def forward(self, length: int, start: int = 0) -> torch.Tensor:
        """The vectors of positions start..start+length-1: (length, dim)."""
        check_count(length, "length")
        check_count(start, "start", minimum=0)
        if start + length > self.table.num_embeddings:
            raise ValueError(f"This model knows {self.table.num_embeddings} positions; got a sequence of "
                             f"{start + length}.")  # fmt: skip
        return self.table.weight[start : start + length]


def rotary_embedding(x: torch.Tensor, positions: torch.Tensor | None = None, base: float = 10000.0) -> torch.Tensor:
    """Rotate consecutive pairs of the last dimension of x (..., T, D) by angle position * frequency.

    Pair (x[2i], x[2i+1]) at position p is rotated by p / base^(2i/D). Returns a new tensor.
    """
    check_tensor(x, "x")
    if x.dim() < 2:
        raise ValueError(f"x must have at least 2 dimensions (..., time, size), got shape {tuple(x.shape)}.")
    *_, length, dim = x.shape
    _check(length, dim)
    _check_base(base)
    if positions is None:
        positions = torch.arange(length, device=x.device)
    else:
        check_tensor(positions, "positions", shape=(length,), kind=None)
        if positions.dtype == torch.bool or positions.is_complex():
            raise ValueError(f"positions must hold numbers (whole or not), got {positions.dtype}.")
    angles = positions.double()[:, None] * frequencies(dim, base).to(x.device)  # (T, D/2)
    cos, sin = torch.cos(angles).to(x.dtype), torch.sin(angles).to(x.dtype)
    even, odd = x[..., 0::2], x[..., 1::2]
    out = torch.empty_like(x)
    out[..., 0::2] = even * cos - odd * sin
    out[..., 1::2] = even * sin + odd * cos
    return out
