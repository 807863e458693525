"""Questions and answers about the fruit world: the instruction data of Chapter 13.

Each example is a text "Q: <question>\\nA: <answer>\\n" made from one fruit's attributes
(`utils.fruits`), so every answer can be checked. The question gives the fruit's
measurements (width, length as a multiple of the width, bend and hue) and asks which fruit it
is. Answers come in two styles: plain ("It is a banana.") and descriptive ("It is a banana,
long and curved."). The descriptive style is the property the preference methods of the
chapter reward, and `mentions_shape` detects it.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .checks import check_choice, check_count, check_number
from .finetune import RESPONSE
from .fruits import KINDS, sample_attributes

STYLES = ("plain", "descriptive", "mixed")
_ARTICLE = {"apple": "an", "banana": "a", "orange": "an"}
_NEEDED = ("width", "elongation", "curvature", "hue")
_ANSWER = re.compile(r"It is (?:a|an) (apple|banana|orange)\b")


def _check_row(row: pd.Series) -> pd.Series:
    """`row` if it is one fruit's attributes (a pandas Series or dict) with the four this module reads, finite."""
    if isinstance(row, dict):
        row = pd.Series(row)
    if not isinstance(row, pd.Series):
        raise TypeError(f"row must be one fruit's attributes (a pandas Series), got {type(row).__name__}.")
    missing = [name for name in _NEEDED if name not in row.index]
    if missing:
        raise ValueError(f"The fruit's attributes lack {missing}; take a row of utils.fruits.sample_attributes.")
    for name in _NEEDED:
        check_number(row[name], name)
    return row


def question(row: pd.Series) -> str:
    """The prompt for one fruit, ending with the response marker."""
    row = _check_row(row)
    hue = float(row["hue"]) % 360
    return (f"Q: A fruit is {row['width']:.2f} wide, {row['elongation']:.1f} times as long as wide, bent "
            f"{row['curvature']:.1f}, with hue {hue:.0f}. Which fruit is it?{RESPONSE}")  # fmt: skip


def shape_words(row: pd.Series) -> str:
    """The fruit's shape in words: "long and curved", "long", or "round"."""
    row = _check_row(row)
    if row["elongation"] < 1.5:
        return "round"
    return "long and curved" if row["curvature"] > 0.5 else "long"


def answer(kind: str, row: pd.Series, style: str) -> str:
    """The response for a fruit of `kind`: "It is an apple." or, descriptive, "It is an apple, round." (+ newline)."""
    check_choice(kind, "kind", KINDS)
    check_choice(style, "style", ("plain", "descriptive"))
    detail = f", {shape_words(row)}" if style == "descriptive" else ""
    return f"It is {_ARTICLE[kind]} {kind}{detail}.\n"


def fruit_questions(n: int, *, seed: int = 0, style: str = "mixed") -> list[str]:
    """n example texts, a third of each kind in random order; `style` "mixed" answers half of them each way."""
    check_count(n, "n")
    check_count(seed, "seed", minimum=0)
    check_choice(style, "style", STYLES)
    rng = np.random.default_rng(seed)
    kinds = rng.permutation(np.arange(n) % len(KINDS))
    rows = {k: sample_attributes(kind, n, rng) for k, kind in enumerate(KINDS)}
    styles = rng.permutation(np.arange(n) % 2) if style == "mixed" else np.full(n, STYLES.index(style))
    texts = []
    for i, k in enumerate(kinds):
        row = rows[k].iloc[i]
        texts.append(question(row) + answer(KINDS[k], row, STYLES[styles[i]]))
    return texts


def answered_kind(response: str) -> str | None:
    """The fruit a response names in the form "It is a(n) <kind>", or None if it does not answer that way."""
    if not isinstance(response, str):
        raise TypeError(f"response must be a string, got {type(response).__name__}.")
    found = _ANSWER.match(response.strip())
    return found.group(1) if found else None


def mentions_shape(response: str) -> bool:
    """Whether a response describes the shape ("round", "long"): the preferred property of Chapter 13."""
    if not isinstance(response, str):
        raise TypeError(f"response must be a string, got {type(response).__name__}.")
    return bool(re.search(r"\b(round|long)\b", response))
