"""The fruit world: seeded, procedural 32x32 pictures of apples, bananas and oranges.

Every fruit is one shape family drawn from a handful of numbers (its *attributes*):
a superellipse of half-width ``width`` and half-length ``width * elongation``,
bent along a parabola by ``curvature``, with an apple's top ``dimple``, a colour
in HSV, an orange's pore ``texture``, a banana's dark ``tips``, and an optional
``stem`` and ``leaf``. Because all kinds share these numbers, moving smoothly
from an apple's attributes to a banana's draws a smooth morph between them.

Anomalies for later chapters are fruits with one attribute far outside its
kind's range: a blue apple, a square orange and a striped banana.

Nothing here is learned; it is the "true world" that the book's models learn from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .checks import check_count

KINDS: tuple[str, ...] = ("apple", "banana", "orange")
ANOMALY_KINDS: tuple[str, ...] = ("blue_apple", "square_orange", "striped_banana")
ATTRIBUTES: tuple[str, ...] = (
    "x", "y", "rotation", "width", "elongation", "curvature", "dimple", "squareness",
    "hue", "saturation", "value", "texture", "stripes", "tips", "stem", "leaf",
)  # fmt: skip

# Each kind: attribute -> (low, high). A draw is normal around the middle with a quarter of
# the range as its standard deviation, clipped to the range. Attributes left out are 0.
_RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "apple": {
        "width": (0.42, 0.56), "elongation": (0.88, 1.02), "dimple": (0.12, 0.25),
        "hue": (-14.0, 8.0), "saturation": (0.65, 0.9), "value": (0.6, 0.85),
        "rotation": (-0.3, 0.3), "stem": (0.3, 0.5), "leaf": (0.0, 1.0),
    },
    "banana": {
        "width": (0.17, 0.22), "elongation": (3.2, 3.9), "curvature": (1.0, 2.0),
        "hue": (48.0, 58.0), "saturation": (0.7, 0.9), "value": (0.85, 1.0),
        "rotation": (-0.6, 0.6), "tips": (0.6, 1.0),
    },
    "orange": {
        "width": (0.46, 0.6), "elongation": (0.96, 1.06), "texture": (0.12, 0.25),
        "hue": (26.0, 36.0), "saturation": (0.8, 1.0), "value": (0.92, 1.0),
        "rotation": (-0.5, 0.5), "stem": (0.0, 0.2), "leaf": (0.0, 0.6),
    },
}  # fmt: skip
# An anomaly is a normal kind with some attributes drawn from odd ranges.
_ANOMALIES: dict[str, tuple[str, dict[str, tuple[float, float]]]] = {
    "blue_apple": ("apple", {"hue": (205.0, 235.0)}),
    "square_orange": ("orange", {"squareness": (4.0, 8.0)}),
    "striped_banana": ("banana", {"stripes": (0.6, 0.9)}),
}
_MIN_SIZE = 16
_CHUNK = 256
_BACKGROUND = np.array([0.95, 0.94, 0.91], dtype=np.float32)
_STEM_RGB = np.array([0.4, 0.26, 0.13], dtype=np.float32)
_LEAF_RGB = np.array([0.3, 0.6, 0.2], dtype=np.float32)


@dataclass(frozen=True)
class FruitSet:
    """Images with their labels and the attributes that drew them."""

    images: np.ndarray  # (N, H, W, 3) float32 in [0, 1]
    labels: np.ndarray  # (N,) int64, an index into `kinds`
    kinds: tuple[str, ...]  # label names
    attributes: pd.DataFrame  # N rows, one column per name in ATTRIBUTES

    def __post_init__(self) -> None:
        images, labels, kinds = self.images, self.labels, self.kinds
        if not isinstance(images, np.ndarray) or images.ndim != 4 or images.shape[-1] != 3:
            raise ValueError(f"images must be an array of shape (N, H, W, 3), got {_describe(images)}.")
        if not np.issubdtype(images.dtype, np.floating):
            raise ValueError(f"images must hold floating-point pixel values, got {images.dtype}.")
        if images.size and not (images.min() >= 0 and images.max() <= 1):  # also false for NaN
            raise ValueError("images must have pixel values in [0, 1] (no NaN), got values from "
                             f"{images.min():.3g} to {images.max():.3g}.")  # fmt: skip
        if not isinstance(kinds, tuple) or not kinds or not all(isinstance(k, str) for k in kinds):
            raise ValueError(f"kinds must be a non-empty tuple of kind names, got {kinds!r}.")
        if not isinstance(labels, np.ndarray) or labels.shape != (len(images),):
            raise ValueError(f"labels must be an array of shape ({len(images)},), one per image, "
                             f"got {_describe(labels)}.")  # fmt: skip
        if not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"labels must hold whole numbers (indices into kinds), got {labels.dtype}.")
        if labels.size and not (labels.min() >= 0 and labels.max() < len(kinds)):
            raise ValueError(f"labels must lie in 0..{len(kinds) - 1} (one per kind), "
                             f"got values from {labels.min()} to {labels.max()}.")  # fmt: skip
        if not isinstance(self.attributes, pd.DataFrame) or len(self.attributes) != len(images):
            raise ValueError(f"attributes must be a DataFrame with one row per image ({len(images)}), "
                             f"got {_describe(self.attributes)}.")  # fmt: skip

    def __len__(self) -> int:
        return len(self.labels)

    def to_tensor(self, device=None):
        """The images as a float32 torch tensor of shape (N, 3, H, W)."""
        import torch

        if device is not None:
            try:
                device = torch.device(device)
            except (RuntimeError, TypeError):
                raise ValueError(f"Unknown device {device!r}; use e.g. 'cpu', 'cuda' or utils.get_device().") from None
        return torch.from_numpy(self.images).permute(0, 3, 1, 2).contiguous().to(device)


def sample_attributes(kind: str, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Draw `n` attribute rows for one fruit kind or anomaly kind."""
    _check_count(n)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a NumPy random Generator such as np.random.default_rng(0), "
                        f"got {type(rng).__name__}.")  # fmt: skip
    if kind in _ANOMALIES:
        base, odd = _ANOMALIES[kind]
        ranges = {**_RANGES[base], **odd}
    elif kind in _RANGES:
        ranges = _RANGES[kind]
    else:
        known = ", ".join(KINDS + ANOMALY_KINDS)
        raise ValueError(f"Unknown fruit kind {kind!r}. Choose one of: {known}.")
    columns = {name: np.zeros(n) for name in ATTRIBUTES}
    columns["x"] = rng.uniform(-0.08, 0.08, n)
    columns["y"] = rng.uniform(-0.08, 0.08, n)
    for name, (low, high) in ranges.items():
        columns[name] = np.clip(rng.normal((low + high) / 2, (high - low) / 4, n), low, high)
    # A leaf is there or not; when there, its size varies a little.
    columns["leaf"] = np.where(columns["leaf"] > 0.5, rng.uniform(0.8, 1.0, n), 0.0)
    return pd.DataFrame(columns)


def make_fruits(n: int, *, kinds: Sequence[str] = KINDS, seed: int = 0, size: int = 32) -> FruitSet:
    """`n` seeded fruit pictures, kinds taken in turn (0, 1, 2, 0, 1, 2, ...)."""
    _check_count(n)
    check_count(seed, "seed", minimum=0)
    if isinstance(kinds, str):
        raise ValueError(f"kinds must be a list of kind names, e.g. [{kinds!r}], got the single string {kinds!r}.")
    try:
        kinds = tuple(kinds)
    except TypeError:
        raise TypeError(f"kinds must be a list of kind names such as ['apple'], got {type(kinds).__name__}.") from None
    if not kinds:
        raise ValueError("kinds is empty: name at least one fruit kind.")
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % len(kinds)
    rows = pd.DataFrame(index=range(n), columns=list(ATTRIBUTES), dtype=float)
    for label, kind in enumerate(kinds):
        where = np.flatnonzero(labels == label)
        rows.iloc[where] = sample_attributes(kind, len(where), rng).to_numpy()
    images = render(rows, size=size, seed=seed)
    return FruitSet(images, labels.astype(np.int64), kinds, rows)


def make_anomalies(n: int, *, kinds: Sequence[str] = ANOMALY_KINDS, seed: int = 0, size: int = 32) -> FruitSet:
    """`n` seeded odd fruits (blue apples, square oranges, striped bananas)."""
    return make_fruits(n, kinds=kinds, seed=seed, size=size)


def render(attributes: Mapping[str, Sequence[float]] | pd.DataFrame, *, size: int = 32, seed: int = 0) -> np.ndarray:
    """Draw fruits from their attributes: returns (N, size, size, 3) float32 in [0, 1].

    Missing attributes count as 0. The seed only fixes the orange-peel noise.
    """
    if not isinstance(size, (int, np.integer)) or size < _MIN_SIZE:
        raise ValueError(f"size must be an integer of at least {_MIN_SIZE} pixels, got {size!r}.")
    check_count(seed, "seed", minimum=0)
    a = _as_columns(attributes)
    n = len(a["x"])
    rng = np.random.default_rng(seed)
    # Drawing a few hundred fruits at a time keeps the work in the CPU cache (about 3x faster).
    with np.errstate(over="ignore", invalid="ignore"):  # extreme attributes give NaN, reported just below
        chunks = [
            _render_chunk({k: col[i : i + _CHUNK] for k, col in a.items()}, size, rng) for i in range(0, n, _CHUNK)
        ]
    images = np.concatenate(chunks) if chunks else np.zeros((0, size, size, 3), np.float32)
    broken = np.flatnonzero(np.isnan(images).any(axis=(1, 2, 3)))
    if len(broken):
        raise ValueError(f"Fruit {broken[0]}'s attributes are too extreme to draw (the picture came out as NaN); "
                         "keep each attribute near the ranges that sample_attributes draws from.")  # fmt: skip
    return images


def _render_chunk(a: dict[str, np.ndarray], size: int, rng: np.random.Generator) -> np.ndarray:
    """Draw one chunk of fruits; see `render`."""
    n = len(a["x"])
    # Local coordinates of every pixel in every fruit's own frame: u along, v across.
    grid = (np.arange(size, dtype=np.float32) + 0.5) / size * 2 - 1  # pixel centres in [-1, 1]
    dx = grid[None, None, :] - a["x"][:, None, None]  # (N, 1, W)
    dy = grid[None, :, None] - a["y"][:, None, None]  # (N, H, 1)
    cos, sin = np.cos(a["rotation"])[:, None, None], np.sin(a["rotation"])[:, None, None]
    u = cos * dx + sin * dy  # (N, H, W)
    v = -sin * dx + cos * dy  # (N, H, W); negative v is "up"

    width = np.maximum(a["width"], 0.02)[:, None, None]
    length = width * np.maximum(a["elongation"], 0.1)[:, None, None]
    bend = (a["curvature"][:, None, None] * width) * (0.5 - (u / length) ** 2)
    q = v - bend  # distance across the (bent) centre line
    dimple = a["dimple"][:, None, None] * width * np.exp(-((u / (0.35 * width)) ** 2))
    q = np.where(q < 0, q - dimple, q)  # dent the top (apples)

    power = 2.0 + np.maximum(a["squareness"], 0)[:, None, None]
    shape = np.abs(u / length) ** power + np.abs(q / width) ** power - 1  # < 0 inside
    body = _coverage(shape)

    # Colour: HSV base, rim darkening, peel pores, stripes, dark banana tips, a highlight.
    base = _hsv_to_rgb(a["hue"], a["saturation"], a["value"])[:, None, None, :]  # (N, 1, 1, 3)
    radius2 = np.clip((u / length) ** 2 + (q / width) ** 2, 0, 1)
    light = 1 - 0.35 * radius2
    texture = a["texture"][:, None, None]
    light = light * (1 - texture * rng.random((n, size, size), dtype=np.float32))
    stripes = a["stripes"][:, None, None]
    light = light * (1 - 0.55 * stripes * (np.cos(2 * np.pi * u / (0.9 * width)) > 0))
    rgb = base * light[..., None]
    tip = a["tips"][:, None, None] / (1 + np.exp(-40 * (np.abs(u / length) - 0.85)))
    rgb = rgb + tip[..., None] * (_STEM_RGB - rgb)
    glow = 0.3 * np.exp(-(((u + 0.35 * length) / (0.3 * length)) ** 2 + ((q + 0.4 * width) / (0.3 * width)) ** 2))
    rgb = rgb + glow[..., None] * (1 - rgb)

    image = np.broadcast_to(_BACKGROUND, (n, size, size, 3)).copy()
    image += body[..., None] * (rgb - image)

    # Stem: a short segment rising from the top of the fruit; leaf: a tilted ellipse beside it.
    top = -width * (1 - a["dimple"][:, None, None]) + bend
    stem_len = a["stem"][:, None, None] * width
    stem_v = np.clip((top - v) / np.maximum(stem_len, 1e-6), 0, 1)  # 0 at the top, 1 at the stem's end
    stem_dist = np.hypot(u - 0.15 * stem_len * stem_v, v - (top - stem_len * stem_v))
    stem = _coverage((stem_dist - 0.045) / 0.045) * (stem_len > 0.01)
    image += stem[..., None] * (_STEM_RGB - image)
    leaf_size = a["leaf"][:, None, None] * width
    lu, lv = u - 0.45 * leaf_size, v - (top - 0.45 * leaf_size)
    lr, lq = 0.8 * lu + 0.6 * lv, -0.6 * lu + 0.8 * lv  # tilt the leaf by about 37 degrees
    leaf_shape = (lr / (0.45 * leaf_size + 1e-6)) ** 2 + (lq / (0.18 * leaf_size + 1e-6)) ** 2 - 1
    leaf = _coverage(leaf_shape) * (leaf_size > 0.01)
    image += leaf[..., None] * (_LEAF_RGB - image)
    return np.clip(image, 0, 1).astype(np.float32)


def _coverage(field: np.ndarray) -> np.ndarray:
    """How much of each pixel lies inside `field < 0`, from the field's size and slope."""
    gy, gx = np.gradient(field, axis=(1, 2))
    slope = np.sqrt(gx * gx + gy * gy) + 1e-6
    return np.clip(0.5 - field / slope, 0, 1)


def _hsv_to_rgb(hue: np.ndarray, sat: np.ndarray, val: np.ndarray) -> np.ndarray:
    """Vectorised HSV to RGB; hue in degrees (any real number), sat and val in [0, 1]."""
    h = (np.mod(hue, 360.0) / 60.0)[:, None]
    k = np.mod(np.array([5.0, 3.0, 1.0]) + h, 6.0)
    s, v = np.clip(sat, 0, 1)[:, None], np.clip(val, 0, 1)[:, None]
    return (v - v * s * np.clip(np.minimum(k, 4 - k), 0, 1)).astype(np.float32)


def _as_columns(attributes) -> dict[str, np.ndarray]:
    """Attributes as float32 arrays of one length; missing names become zeros."""
    if isinstance(attributes, pd.DataFrame):
        attributes = {name: attributes[name].to_numpy() for name in attributes.columns}
    if not isinstance(attributes, Mapping):
        raise TypeError(f"attributes must be a dict of name -> values or a DataFrame, got {type(attributes).__name__}.")
    unknown = set(attributes) - set(ATTRIBUTES) - {"kind"}
    if unknown:
        raise ValueError(f"Unknown fruit attribute(s) {sorted(unknown)}; known ones are {list(ATTRIBUTES)}.")
    arrays = {k: _as_values(v, k) for k, v in attributes.items() if k != "kind"}
    lengths = {len(v) for v in arrays.values()}
    if len(lengths) > 1:
        raise ValueError(f"Every attribute needs one value per fruit; got lengths {sorted(lengths)}.")
    if not lengths:
        raise ValueError("No attributes given: pass at least one, e.g. {'hue': [0.0]}.")
    n = lengths.pop()
    return {name: arrays.get(name, np.zeros(n, dtype=np.float32)) for name in ATTRIBUTES}


def _as_values(values, name: str) -> np.ndarray:
    """One attribute's values as a finite float32 array of one dimension."""
    try:
        array = np.atleast_1d(np.asarray(values, dtype=np.float32))
    except (TypeError, ValueError):
        raise ValueError(f"Attribute {name!r} must hold numbers, got {values!r:.60}.") from None
    if array.ndim != 1:
        raise ValueError(f"Attribute {name!r} needs one number per fruit (a flat list), got shape {array.shape}.")
    if not np.isfinite(array).all():
        raise ValueError(f"Attribute {name!r} contains NaN or infinite values; every value must be a finite number.")
    return array


def _describe(value) -> str:
    shape = getattr(value, "shape", None)
    return f"shape {tuple(shape)}" if shape is not None else type(value).__name__


def _check_count(n) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"The number of fruits must be a whole number of at least 0, got {n!r}.")
