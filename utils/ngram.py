"""Character n-gram models with add-k smoothing: the baseline every transformer must beat (Chapter 8).

An n-gram model predicts the next token from the previous n - 1 tokens only, by counting:

    p(x | context) = (count(context, x) + k) / (count(context) + k V)

Adding k to every count ("add-k" or Laplace smoothing when k = 1) gives unseen
continuations a small probability instead of zero. Counts are stored as sorted arrays of
integer codes, so fitting a megabyte of text takes well under a second.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .checks import check_count


class NGramModel:
    def __init__(self, n: int, vocab_size: int, k: float = 0.1):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a whole number of at least 1, got {n!r}.")
        vocab_size = check_count(vocab_size, "vocab_size")
        if vocab_size**n >= 2**62:
            raise ValueError(f"vocab_size ** n is too large to index ({vocab_size}^{n}).")
        if isinstance(k, bool) or not isinstance(k, (int, float, np.integer, np.floating)) or not 0 < k < math.inf:
            raise ValueError(f"k must be positive (k = 0 gives unseen text zero probability), got {k!r}.")
        self.n, self.vocab_size, self.k = n, vocab_size, k
        self.joint_codes = self.joint_counts = self.context_codes = self.context_counts = np.zeros(0, np.int64)
        self.fitted = False

    def _codes(self, ids: np.ndarray, width: int) -> np.ndarray:
        """Integer code of every window of `width` consecutive ids (base vocab_size)."""
        windows = np.lib.stride_tricks.sliding_window_view(ids, width)
        return windows @ (self.vocab_size ** np.arange(width - 1, -1, -1, dtype=np.int64))

    def _ids(self, ids: Sequence[int], name: str = "ids") -> np.ndarray:
        if isinstance(ids, str) or not hasattr(ids, "__len__"):
            raise ValueError(f"{name} must be a sequence of token ids, got {type(ids).__name__}: {ids!r:.40}")
        array = np.asarray(ids.detach().cpu() if hasattr(ids, "detach") else ids)
        if array.ndim != 1:
            raise ValueError(f"Expected a 1D sequence of token ids, got {name} of shape {array.shape}.")
        if len(array) and (array.dtype == bool or not np.issubdtype(array.dtype, np.integer)):
            raise ValueError(f"{name} must hold whole numbers (token ids), got values of type {array.dtype}.")
        ids = array.astype(np.int64)
        if len(ids) and (ids.min() < 0 or ids.max() >= self.vocab_size):
            bad = ids.min() if ids.min() < 0 else ids.max()
            raise ValueError(f"Token ids must be in 0..{self.vocab_size - 1}; {name} holds {bad}.")
        return ids

    def _check_fitted(self) -> None:
        if not self.fitted:
            raise ValueError("This n-gram model has not counted any text yet: call fit(ids) first.")

    def fit(self, ids: Sequence[int]) -> NGramModel:
        """Count every n-gram and (n-1)-gram context in `ids`."""
        ids = self._ids(ids)
        if len(ids) < self.n:
            raise ValueError(f"Need at least {self.n} tokens to count {self.n}-grams.")
        self.joint_codes, self.joint_counts = np.unique(self._codes(ids, self.n), return_counts=True)
        if self.n > 1:
            self.context_codes, self.context_counts = np.unique(self._codes(ids[:-1], self.n - 1), return_counts=True)
        self.fitted = True
        return self

    @staticmethod
    def _lookup(codes: np.ndarray, counts: np.ndarray, query: np.ndarray) -> np.ndarray:
        if len(codes) == 0:
            return np.zeros(len(query), dtype=np.int64)
        pos = np.clip(np.searchsorted(codes, query), 0, len(codes) - 1)
        return np.where(codes[pos] == query, counts[pos], 0)

    def loss(self, ids: Sequence[int]) -> float:
        """Mean negative log-likelihood in nats of each token of `ids` after its first n - 1."""
        self._check_fitted()
        ids = self._ids(ids)
        if len(ids) < self.n:
            raise ValueError(f"Need at least {self.n} tokens to score a {self.n}-gram model.")
        joint = self._lookup(self.joint_codes, self.joint_counts, self._codes(ids, self.n))
        if self.n > 1:
            context = self._lookup(self.context_codes, self.context_counts, self._codes(ids[:-1], self.n - 1))
        else:
            context = np.full(len(joint), self.joint_counts.sum())
        p = (joint + self.k) / (context + self.k * self.vocab_size)
        return float(-np.log(p).mean())

    def probabilities(self, context: Sequence[int]) -> np.ndarray:
        """p(x | last n - 1 ids of `context`) for every token x: (V,), summing to 1."""
        self._check_fitted()
        context = self._ids(context, "context")
        if len(context) < self.n - 1:
            raise ValueError(f"A {self.n}-gram model needs {self.n - 1} tokens of context, got {len(context)}.")
        return self._probabilities(context)

    def _probabilities(self, context: np.ndarray) -> np.ndarray:
        context = context[len(context) - (self.n - 1) :] if self.n > 1 else np.zeros(0, np.int64)
        prefix = int(context @ (self.vocab_size ** np.arange(self.n - 2, -1, -1, dtype=np.int64))) if self.n > 1 else 0
        joint = self._lookup(self.joint_codes, self.joint_counts, prefix * self.vocab_size + np.arange(self.vocab_size))
        p = joint + self.k
        return p / p.sum()

    def sample(self, context: Sequence[int], length: int, rng: np.random.Generator) -> list[int]:
        """Continue `context` by `length` tokens drawn from the model."""
        self.probabilities(context)  # checks the model and the context once
        check_count(length, "length", minimum=0)
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a NumPy Generator (np.random.default_rng(seed)), got {type(rng).__name__}.")
        out = [int(i) for i in context]
        for _ in range(length):
            out.append(int(rng.choice(self.vocab_size, p=self._probabilities(np.asarray(out, dtype=np.int64)))))
        return out[len(context) :]


def uniform_loss(vocab_size: int) -> float:
    """The loss of guessing uniformly among V tokens: ln V nats."""
    check_count(vocab_size, "vocab_size")
    return math.log(vocab_size)
