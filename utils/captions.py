"""Captions of fruit pictures written from the attributes that drew them (Chapter 14).

Each caption names the fruit's kind, its colour (a word for the hue: red, orange, yellow,
green, blue, purple), its shape (round, long, long and curved, square) and at most two
visible extras (a leaf, a stem, brown tips, stripes, a dimpled skin), in one of several
phrasings, so a model cannot learn the template instead of the words. Every word comes from
the fruit's own attributes (`facts`), so the captions are true by construction, and a test
reads them back to check. `captioned_fruits` makes a captioned data set in which some fruit
are redrawn in a random colour, so that colour words carry information of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from .checks import check_attributes, check_count, check_number
from .fruits import KINDS, make_fruits, render

COLOURS = ("red", "orange", "yellow", "green", "blue", "purple")
SHAPES = ("round", "long", "long and curved", "square")
EXTRAS = ("with a leaf", "with a stem", "with brown tips", "with stripes", "with a dimpled skin")
_TEMPLATES = (
    "{a_shape} {shape} {colour} {kind}{extras}",
    "a photo of {a_colour} {colour} {kind}, {shape}{extras}",
    "a picture of {a_shape} {shape} {kind} that is {colour}{extras}",
    "this {kind} is {colour} and {shape}{extras}",
)
_NEEDED = ("hue", "elongation", "curvature", "squareness", "leaf", "stem", "tips", "stripes", "texture")


def colour_word(hue: float) -> str:
    """The colour name of a hue in degrees (any real number; 0 and 360 are red)."""
    hue = check_number(hue, "hue") % 360
    for limit, word in ((15, "red"), (42, "orange"), (70, "yellow"), (170, "green"), (265, "blue"), (330, "purple")):
        if hue < limit:
            return word
    return "red"


def facts(row: pd.Series) -> dict[str, object]:
    """What a caption may say about one fruit: its colour, shape and visible extras, read from its attributes."""
    row = check_attributes(row, _NEEDED)
    if row["squareness"] > 2:
        shape = "square"
    elif row["elongation"] < 1.5:
        shape = "round"
    else:
        shape = "long and curved" if row["curvature"] > 0.5 else "long"
    extras = [word for word, present in (
        ("with a leaf", row["leaf"] > 0.5), ("with a stem", row["stem"] > 0.3), ("with brown tips", row["tips"] > 0.8),
        ("with stripes", row["stripes"] > 0.3), ("with a dimpled skin", row["texture"] > 0.2)) if present]  # fmt: skip
    return {"colour": colour_word(row["hue"]), "shape": shape, "extras": extras}


def caption(kind: str, row: pd.Series, rng: np.random.Generator) -> str:
    """One true caption of a fruit of `kind` with attributes `row`, in a phrasing drawn with `rng`."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}, got {kind!r}.")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}.")
    known = facts(row)
    extras = [e for e in known["extras"] if rng.random() < 0.7][:2]  # not every caption lists every detail
    joined = (" " + " and ".join(extras)) if extras else ""
    template = _TEMPLATES[rng.integers(len(_TEMPLATES))]
    article = {word: "an" if word[0] in "aeiou" else "a" for word in (known["shape"], known["colour"])}
    return template.format(shape=known["shape"], colour=known["colour"], kind=kind, extras=joined,
                           a_shape=article[known["shape"]], a_colour=article[known["colour"]])  # fmt: skip


def captions(kinds: list[str], attributes: pd.DataFrame, *, seed: int = 0) -> list[str]:
    """One caption per fruit: `kinds[i]` with the attributes in row i."""
    if not isinstance(attributes, pd.DataFrame) or len(attributes) != len(kinds) or not len(kinds):
        raise ValueError("Give one kind per row of attributes (a non-empty DataFrame of a FruitSet's attributes).")
    check_count(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    return [caption(kind, attributes.iloc[i], rng) for i, kind in enumerate(kinds)]


def said(text: str) -> dict[str, object]:
    """What a caption claims: its kind, colour, shape and extras (None or [] where it says nothing). "orange" is
    read as the colour right before a kind or after "is" ("an orange banana", "this apple is orange"), and as
    the kind elsewhere ("a purple orange")."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("A caption must be a non-empty string.")
    words = [w.strip(",.;:!?") for w in text.lower().split()]
    # a kind word describes when it comes right before a kind ("an orange banana") or after "is" ("... is orange")
    describes = [w in KINDS and ((i + 1 < len(words) and words[i + 1] in KINDS) or (i > 0 and words[i - 1] == "is"))
                 for i, w in enumerate(words)]  # fmt: skip
    at = next((i for i, w in enumerate(words) if w in KINDS and not describes[i]), None)
    kind = None if at is None else words[at]
    colour = next((w for i, w in enumerate(words) if w in COLOURS and i != at), None)
    padded = " " + " ".join(words) + " "
    shape = next((s for s in sorted(SHAPES, key=len, reverse=True) if f" {s} " in padded), None)
    extras = [e for e in EXTRAS if f" {e} " in padded]
    return {"kind": kind, "colour": colour, "shape": shape, "extras": extras}


def agrees(text: str, kind: str, row: pd.Series) -> bool:
    """Whether a fruit of `kind` with attributes `row` has everything the description `text` claims (its kind,
    colour, shape and extras, as `said` reads them). "long" is true of a long and curved fruit too."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}, got {kind!r}.")
    claims, known = said(text), facts(row)
    shape_ok = claims["shape"] in (None, known["shape"]) or (claims["shape"] == "long" and "long" in known["shape"])
    return (claims["kind"] in (None, kind) and claims["colour"] in (None, known["colour"]) and shape_ok
            and all(extra in known["extras"] for extra in claims["extras"]))  # fmt: skip


@dataclass
class CaptionedFruits:
    """Fruit pictures (N, 3, 32, 32), their kinds' labels (N,), attributes (N rows) and one caption each."""

    images: torch.Tensor
    labels: torch.Tensor
    attributes: pd.DataFrame
    captions: list[str]


def captioned_fruits(n: int, *, seed: int = 0, recolour: float = 0.25) -> CaptionedFruits:
    """`n` fruit (kinds in turn), a share `recolour` of them redrawn with a hue drawn uniformly from the whole
    colour wheel, each with a true caption (which names the colour it now has)."""
    check_count(n, "n")
    check_count(seed, "seed", minimum=0)
    check_number(recolour, "recolour", low=0, high=1)
    fruit = make_fruits(n, seed=seed)
    attributes = fruit.attributes.copy()
    rng = np.random.default_rng(seed + 10_000)  # its own stream: the fruit are those of make_fruits(n, seed)
    picked = rng.random(n) < recolour
    attributes.loc[picked, "hue"] = rng.uniform(0, 360, int(picked.sum()))
    images = torch.from_numpy(render(attributes, seed=seed)).permute(0, 3, 1, 2).contiguous()
    kinds = [fruit.kinds[label] for label in fruit.labels]
    return CaptionedFruits(images, torch.from_numpy(fruit.labels), attributes, captions(kinds, attributes, seed=seed))
