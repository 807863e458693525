"""Measuring what a model learned from its data (Chapter 15): copied text, and noisy or skewed labels.

`longest_overlap` finds the longest piece of a text that occurs word for word in a corpus, the
measure of memorisation used in studies of training-data extraction (Carlini et al., 2021):
generated text that shares long runs with the training corpus, but not with held-out text of the
same kind, was copied rather than composed. `flip_labels` corrupts an exact share of labels (to
study label noise) and `imbalanced` keeps only part of some classes (to study class imbalance).
"""

from __future__ import annotations

import numpy as np

from .checks import check_array, check_count, check_number


def _check_text(text: object, name: str) -> str:
    if not isinstance(text, str) or not text:
        raise ValueError(f"{name} must be a non-empty string.")
    return text


def longest_overlap(text: str, corpus: str) -> str:
    """The longest substring of `text` that also occurs in `corpus` (the first such, if several); "" if they
    share no character. Binary search on the length works because every piece of a shared string is shared."""
    text, corpus = _check_text(text, "text"), _check_text(corpus, "corpus")

    def shared(length: int) -> str | None:
        return next((text[i : i + length] for i in range(len(text) - length + 1) if text[i : i + length] in corpus),
                    None)  # fmt: skip

    low, high, best = 0, len(text), ""
    while low < high:
        middle = (low + high + 1) // 2
        found = shared(middle)
        if found is None:
            high = middle - 1
        else:
            low, best = middle, found
    return best


def flip_labels(labels: np.ndarray, rate: float, classes: int, *, seed: int = 0) -> np.ndarray:
    """A copy of integer `labels` in which exactly round(rate * N) labels, chosen at random, are changed to a
    different class, drawn uniformly from the other classes - 1."""
    labels = check_array(labels, "labels", dims=1)
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be whole numbers (class ids), got {labels.dtype}.")
    check_number(rate, "rate", low=0, high=1)
    check_count(classes, "classes", minimum=2)
    check_count(seed, "seed", minimum=0)
    if labels.min() < 0 or labels.max() >= classes:
        raise ValueError(f"labels must be class ids from 0 to {classes - 1}.")
    rng = np.random.default_rng(seed)
    noisy = labels.copy()
    chosen = rng.choice(len(labels), round(rate * len(labels)), replace=False)
    noisy[chosen] = (labels[chosen] + rng.integers(1, classes, len(chosen))) % classes  # never the same class
    return noisy


def imbalanced(labels: np.ndarray, keep: dict[int, float], *, seed: int = 0) -> np.ndarray:
    """Sorted indices of the examples to keep: a share keep[c] of class c (drawn at random), all of the others."""
    labels = check_array(labels, "labels", dims=1)
    if not isinstance(keep, dict) or not keep:
        raise ValueError("keep must be a non-empty dict {class id: share of it to keep}, e.g. {2: 0.1}.")
    check_count(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    kept = []
    for label in np.unique(labels):
        where = np.flatnonzero(labels == label)
        share = check_number(keep.get(int(label), 1.0), f"keep[{int(label)}]", low=0, high=1)
        kept.append(rng.choice(where, round(share * len(where)), replace=False))
    unknown = set(keep) - {int(label) for label in np.unique(labels)}
    if unknown:
        raise ValueError(f"keep names classes that do not occur in labels: {sorted(unknown)}.")
    return np.sort(np.concatenate(kept))
