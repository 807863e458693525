"""Attention, written out (Chapter 7).

`scaled_dot_product_attention` is the formula of Vaswani et al. (2017),
softmax(Q K^T / sqrt(d_k)) V, computed step by step so that the weights can be shown.
`MultiHeadAttention` splits the model dimension into heads, each attending on its own,
and serves as self-attention (queries, keys and values from one sequence) or
cross-attention (keys and values from another). With ``fused=True`` it calls torch's
fused kernel instead, which is faster and gives the same result (tested), but cannot
return the weights.

Masks are boolean and say where attention is *allowed*: True = may look.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def scaled_dot_product_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None, dropout: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention of queries (..., Tq, hs) over keys and values (..., Tk, hs): returns (output, weights).

    `mask` broadcasts to (..., Tq, Tk); False entries get weight 0. Output (..., Tq, hs),
    weights (..., Tq, Tk) with each row summing to 1.
    """
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(f"Shapes do not fit: q {tuple(q.shape)}, k {tuple(k.shape)}, v {tuple(v.shape)}.")
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (..., Tq, Tk)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if dropout > 0:
        weights = F.dropout(weights, dropout)
    return weights @ v, weights


def causal_mask(length: int, device: torch.device | str | None = None, *, keys: int | None = None) -> torch.Tensor:
    """(T, S) boolean mask letting query t see keys 0..t only; with `keys` = S > T, the queries are the last T.

    >>> causal_mask(3).int()
    tensor([[1, 0, 0],
            [1, 1, 0],
            [1, 1, 1]], dtype=torch.int32)
    """
    keys = length if keys is None else keys
    return torch.ones(length, keys, dtype=torch.bool, device=device).tril(diagonal=keys - length)


class KVCache:
    """The keys and values one attention layer has already computed, kept in buffers of `capacity` positions.

    The buffers are allocated once, at the first `extend`, and filled in place, so a
    generation step costs no new memory. `k` and `v` are views of the filled part,
    (B, nh, length, hs) each; `crop` forgets the positions from `length` on.
    """

    def __init__(self, capacity: int):
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity must be a whole number of at least 1, got {capacity!r}.")
        self.capacity, self.length = capacity, 0
        self._k: torch.Tensor | None = None
        self._v: torch.Tensor | None = None

    @property
    def k(self) -> torch.Tensor | None:
        return None if self._k is None else self._k[:, :, : self.length]

    @property
    def v(self) -> torch.Tensor | None:
        return None if self._v is None else self._v[:, :, : self.length]

    def extend(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Write the new positions' keys and values (B, nh, t, hs) after the cached ones and return all of them."""
        end = self.length + k.shape[-2]
        if end > self.capacity:
            raise ValueError(f"The cache holds {self.capacity} positions; {end} would not fit.")
        if self._k is None or self._k.shape[:2] != k.shape[:2] or self._k.dtype != k.dtype:
            if self.length:
                raise ValueError("New keys must have the batch size and heads of the cached ones.")
            shape = (*k.shape[:2], self.capacity, k.shape[-1])
            self._k, self._v = k.new_empty(shape), v.new_empty(shape)
        self._k[:, :, self.length : end] = k
        self._v[:, :, self.length : end] = v
        self.length = end
        return self.k, self.v

    def crop(self, length: int) -> None:
        """Keep only the first `length` positions (e.g. to try another continuation)."""
        if not 0 <= length <= self.length:
            raise ValueError(f"Can crop to 0..{self.length} positions, got {length}.")
        self.length = length


def padding_mask(attention_mask: torch.Tensor) -> torch.Tensor:
    """From a (B, Tk) 1/0 mask of real/padding tokens to a (B, 1, 1, Tk) boolean mask for attention."""
    if attention_mask.dim() != 2:
        raise ValueError(f"Expected a (batch, length) mask, got shape {tuple(attention_mask.shape)}.")
    return attention_mask.bool()[:, None, None, :]


class MultiHeadAttention(torch.nn.Module):
    """Multi-head attention: self-attention by default, cross-attention when given a `context`."""

    def __init__(
        self, dim: int, n_heads: int, *, bias: bool = True, dropout: float = 0.0, context_dim: int | None = None
    ):
        super().__init__()
        if dim % n_heads:
            raise ValueError(f"The embedding size ({dim}) must be divisible by the number of heads ({n_heads}).")
        self.n_heads, self.head_size, self.dropout = n_heads, dim // n_heads, dropout
        context_dim = context_dim or dim
        self.query = torch.nn.Linear(dim, dim, bias=bias)
        self.key = torch.nn.Linear(context_dim, dim, bias=bias)
        self.value = torch.nn.Linear(context_dim, dim, bias=bias)
        self.out = torch.nn.Linear(dim, dim, bias=bias)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        return x.view(B, T, self.n_heads, self.head_size).transpose(1, 2)  # (B, nh, T, hs)

    def forward(
        self,
        x: torch.Tensor,
        context: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        *,
        causal: bool = False,
        fused: bool = False,
        need_weights: bool = False,
        cache: KVCache | None = None,
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """x (B, T, C) attends over `context` (B, S, C') or itself; returns (B, T, C) [and weights (B, nh, T, S)].

        With a `cache`, x holds only new positions: their keys and values are appended to
        the cache and the queries attend over everything cached.
        """
        source = x if context is None else context
        q, k, v = self._heads(self.query(x)), self._heads(self.key(source)), self._heads(self.value(source))
        if cache is not None:
            k, v = cache.extend(k, v)
        causal = causal and q.shape[-2] > 1  # one query at the end may see every key
        dropout = self.dropout if self.training else 0.0
        if fused and not need_weights and mask is None and (not causal or q.shape[-2] == k.shape[-2]):  # fast path
            y, weights = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, is_causal=causal), None
        else:
            if causal:
                allowed = causal_mask(q.shape[-2], x.device, keys=k.shape[-2])
                mask = allowed if mask is None else mask & allowed
            if fused and not need_weights:
                y, weights = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout), None
            else:
                y, weights = scaled_dot_product_attention(q, k, v, mask, dropout)
        B, _, T, _ = y.shape
        y = self.out(y.transpose(1, 2).reshape(B, T, -1))  # (B, T, C)
        return (y, weights) if need_weights else y
