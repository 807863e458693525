"""Measuring what a model learned from its data (Chapter 15): copied text, and noisy or skewed labels.

`longest_overlap` finds the longest piece of a text that occurs word for word in a corpus, the
measure of memorisation used in studies of training-data extraction (Carlini et al., 2021):
generated text that shares long runs with the training corpus, but not with held-out text of the
same kind, was copied rather than composed. `flip_labels` corrupts an exact share of labels (to
study label noise) and `imbalanced` keeps only part of some classes (to study class imbalance).

`plant_secrets`, `exposure` and `extracted` run the canary experiment of Carlini et al. (2019):
made-up secrets are planted in a training corpus 1, 2, 4... times, and after training we ask how
much the model prefers each real secret to random ones (its exposure, in bits) and whether greedy
decoding gives it back.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from .checks import check_array, check_count, check_number
from .finetune import response_logprob
from .gpt import GPT
from .tokenizers import CharTokenizer


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


# ----------------------------------------------------------------------------- planted secrets

CODE_DIGITS = 8  # digits in a planted secret: 10^8 possible codes


def plant_secrets(text: str, counts: Sequence[int], *, seed: int = 0) -> tuple[str, pd.DataFrame]:
    """`text` with one made-up secret per entry of `counts`, each a line "the code of locker L is DDDDDDDD."
    inserted counts[i] times between random lines; and a table of the secrets (copies, prefix, code, line).

    The canary experiment of Carlini et al. (2019): a secret seen once should not be learned, so how many
    copies does it take before a model gives it back?"""
    text = _check_text(text, "text")
    if isinstance(counts, (str, bytes)) or not isinstance(counts, Sequence) or not counts:
        raise ValueError("counts must be a non-empty list of copy counts, e.g. [1, 4, 16].")
    for k in counts:
        check_count(k, "each count")
    check_count(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    lockers = rng.choice(np.arange(10, 100), len(counts), replace=False)
    rows = []
    for k, locker in zip(counts, lockers, strict=True):
        prefix, code = f"the code of locker {locker} is ", "".join(map(str, rng.integers(0, 10, CODE_DIGITS)))
        rows.append({"copies": int(k), "prefix": prefix, "code": code, "line": f"{prefix}{code}."})
    lines = text.split("\n")
    for row in rows:
        for _ in range(row["copies"]):
            lines.insert(int(rng.integers(len(lines) + 1)), row["line"])
    return "\n".join(lines), pd.DataFrame(rows)


def _check_codes(codes: Sequence[str]) -> list[str]:
    if isinstance(codes, str) or not isinstance(codes, Sequence) or not codes:
        raise ValueError("codes must be a non-empty list of digit strings.")
    if any(not isinstance(c, str) or not c.isdigit() or len(c) != len(codes[0]) for c in codes):
        raise ValueError(f"codes must all be strings of digits of one length, e.g. '{'0' * CODE_DIGITS}'.")
    return list(codes)


@torch.no_grad()
def code_logprob(model: GPT, tokenizer: CharTokenizer, prefix: str, codes: Sequence[str]) -> torch.Tensor:
    """log p(code | prefix) under a character GPT, for each code (the sum over its digits): (len(codes),)."""
    if not isinstance(model, GPT):
        raise TypeError(f"model must be a utils.gpt.GPT, got {type(model).__name__}.")
    prefix, codes = _check_text(prefix, "prefix"), _check_codes(codes)
    ids = torch.tensor([tokenizer.encode(prefix + code) for code in codes])
    if ids.shape[1] > model.config.block_size + 1:
        raise ValueError(f"prefix and code must fit the model's context of {model.config.block_size} characters.")
    ids = ids.to(next(model.parameters()).device)
    prompt_lengths = torch.full((len(codes),), ids.shape[1] - len(codes[0]), device=ids.device)
    lengths = torch.full((len(codes),), ids.shape[1], device=ids.device)
    return response_logprob(model.eval(), ids, prompt_lengths, lengths).cpu()  # the code is the "response"


def exposure(
    model: GPT, tokenizer: CharTokenizer, prefix: str, code: str, *, candidates: int = 1000, seed: int = 0
) -> float:
    """How much more likely the model finds the real `code` than random codes of its length, in bits:
    log2(candidates + 1) - log2(rank), where rank 1 means no random code scored higher (Carlini et al., 2019).
    About 1 bit for a code the model never saw; log2(candidates + 1) when the real code beats every one."""
    code = _check_codes([code])[0]
    check_count(candidates, "candidates")
    check_count(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    others = ["".join(map(str, digits)) for digits in rng.integers(0, 10, (candidates, len(code)))]
    scores = code_logprob(model, tokenizer, prefix, [code, *others])
    rank = 1 + int((scores[1:] > scores[0]).sum())
    return float(np.log2(candidates + 1) - np.log2(rank))


def extracted(model: GPT, tokenizer: CharTokenizer, prefix: str, code: str) -> str:
    """The model's greedy continuation of `prefix`, as long as `code`: equal to it when the secret is extracted."""
    prefix, code = _check_text(prefix, "prefix"), _check_codes([code])[0]
    if not isinstance(model, GPT):
        raise TypeError(f"model must be a utils.gpt.GPT, got {type(model).__name__}.")
    ids = torch.tensor([tokenizer.encode(prefix)], device=next(model.parameters()).device)
    return tokenizer.decode(model.eval().greedy(ids, len(code))[0, ids.shape[1] :].tolist())
