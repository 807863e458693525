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

from .checks import check_count, check_number, check_tensor


def _check_mask(mask: torch.Tensor, shape: tuple[int, ...], allowed: torch.Tensor | None = None) -> None:
    """Raise unless `mask` is a boolean tensor that broadcasts to `shape` (..., Tq, Tk) and lets every query see a
    key (together with the causal mask `allowed`, if given)."""
    name = "mask"
    check_tensor(mask, name, kind="bool")
    try:
        fits = torch.broadcast_shapes(mask.shape, shape) == shape
    except RuntimeError:
        fits = False
    if not fits:
        raise ValueError(f"{name} of shape {tuple(mask.shape)} does not fit attention scores of shape {shape}.")
    if not bool((mask if allowed is None else mask & allowed).any(dim=-1).all()):
        raise ValueError(f"{name} blocks every key for some query; each query must be allowed to see at least one "
                         "key (True = may look).")  # fmt: skip


def scaled_dot_product_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None, dropout: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention of queries (..., Tq, hs) over keys and values (..., Tk, hs): returns (output, weights).

    `mask` broadcasts to (..., Tq, Tk); False entries get weight 0. Output (..., Tq, hs),
    weights (..., Tq, Tk) with each row summing to 1.
    """
    for name, x in (("q", q), ("k", k), ("v", v)):
        check_tensor(x, name)
        if x.dim() < 2:
            raise ValueError(f"{name} must have at least 2 dimensions (..., time, size), got shape {tuple(x.shape)}.")
    try:
        batch = torch.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except RuntimeError:
        batch = None
    if batch is None or q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(f"Shapes do not fit: q {tuple(q.shape)}, k {tuple(k.shape)}, v {tuple(v.shape)}.")
    if mask is not None:
        _check_mask(mask, (*batch, q.shape[-2], k.shape[-2]))
    check_number(dropout, "dropout", low=0, high=1, high_open=True)
    return _attention(q, k, v, mask, dropout)


def _attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None, dropout: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """`scaled_dot_product_attention` without the checks, for callers that made them."""
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
    check_count(length, "length")
    keys = length if keys is None else check_count(keys, "keys", minimum=length)
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
        check_tensor(k, "k", dims=4)
        check_tensor(v, "v", shape=tuple(k.shape))
        return self._extend(k, v)

    def _extend(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """`extend` without the checks on the contents of k and v (one generation step calls this per layer)."""
        end = self.length + k.shape[-2]
        if end > self.capacity:
            raise ValueError(f"The cache holds {self.capacity} positions; {end} would not fit.")
        cached = None if self._k is None else (*self._k.shape[:2], self._k.shape[-1], self._k.dtype, self._k.device)
        if cached != (*k.shape[:2], k.shape[-1], k.dtype, k.device):
            if self.length:
                raise ValueError("New keys must have the batch size, heads, head size and dtype of the cached ones.")
            shape = (*k.shape[:2], self.capacity, k.shape[-1])
            self._k, self._v = k.new_empty(shape), v.new_empty(shape)
        self._k[:, :, self.length : end] = k
        self._v[:, :, self.length : end] = v
        self.length = end
        return self.k, self.v

    def crop(self, length: int) -> None:
        """Keep only the first `length` positions (e.g. to try another continuation)."""
        if isinstance(length, bool) or not isinstance(length, int) or not 0 <= length <= self.length:
            raise ValueError(f"Can crop to 0..{self.length} positions (a whole number), got {length!r}.")
        self.length = length


def padding_mask(attention_mask: torch.Tensor) -> torch.Tensor:
    """From a (B, Tk) 1/0 mask of real/padding tokens to a (B, 1, 1, Tk) boolean mask for attention."""
    check_tensor(attention_mask, "attention_mask", kind=None)
    if attention_mask.dim() != 2:
        raise ValueError(f"Expected a (batch, length) mask, got shape {tuple(attention_mask.shape)}.")
    if attention_mask.dtype != torch.bool:
        if not bool(((attention_mask == 0) | (attention_mask == 1)).all()):
            raise ValueError("attention_mask must hold only 1 (a real token) and 0 (padding).")
    if not bool(attention_mask.any(dim=-1).all()):
        raise ValueError("Some sequence of attention_mask is all padding; each needs at least one real token (a 1).")
    return attention_mask.bool()[:, None, None, :]


class MultiHeadAttention(torch.nn.Module):
    """Multi-head attention: self-attention by default, cross-attention when given a `context`."""

    def __init__(
        self, dim: int, n_heads: int, *, bias: bool = True, dropout: float = 0.0, context_dim: int | None = None
    ):
        super().__init__()
        check_count(dim, "dim")
        check_count(n_heads, "n_heads")
        check_number(dropout, "dropout", low=0, high=1, high_open=True)
        if context_dim is not None:
            check_count(context_dim, "context_dim")
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
        check_tensor(x, "x", shape=(None, None, self.query.in_features))
        if context is not None:
            check_tensor(context, "context", shape=(x.shape[0], None, self.key.in_features))
        elif self.key.in_features != self.query.in_features:
            raise ValueError(f"This layer does cross-attention: give a context of width {self.key.in_features}.")
        if cache is not None and not isinstance(cache, KVCache):
            raise TypeError(f"cache must be a KVCache or None, got {type(cache).__name__}.")
        keys = (x if context is None else context).shape[1] + (cache.length if cache is not None else 0)
        queries = x.shape[1]
        if causal and queries > 1 and keys < queries:
            raise ValueError(f"Causal attention needs at least as many keys as queries, got {keys} and {queries}.")
        if mask is not None:
            allowed = causal_mask(queries, x.device, keys=keys) if causal and queries > 1 else None
            _check_mask(mask, (x.shape[0], self.n_heads, queries, keys), allowed)
        return self._attend(x, context, mask, causal=causal, fused=fused, need_weights=need_weights, cache=cache)

    def _attend(
        self,
        x: torch.Tensor,
        context: torch.Tensor | None,
        mask: torch.Tensor | None,
        *,
        causal: bool,
        fused: bool,
        need_weights: bool,
        cache: KVCache | None,
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """`forward` without the checks on its inputs (a GPT block calls this at every generation step)."""
        source = x if context is None else context
        q, k, v = self._heads(self.query(x)), self._heads(self.key(source)), self._heads(self.value(source))
        if cache is not None:
            k, v = cache._extend(k, v)
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
                y, weights = _attention(q, k, v, mask, dropout)
        B, _, T, _ = y.shape
        y = self.out(y.transpose(1, 2).reshape(B, T, -1))  # (B, T, C)
        return (y, weights) if need_weights else y
