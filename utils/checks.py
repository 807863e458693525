"""Input checks shared by every public function of the book's package.

Each check raises a `ValueError` (or a `TypeError` for a value of the wrong kind) whose
message says what was given and what is expected, so that a reader's mistake never
turns into an obscure error from deep inside torch or a silent NaN. Each returns the
checked value, so a check can sit inside an expression:

    >>> logits = check_tensor(logits, "logits", dims=(1, 2))
    >>> k = check_count(k, "k")
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch

_KINDS = {"float": torch.is_floating_point, "int": lambda t: not t.is_floating_point() and not t.is_complex()
          and t.dtype != torch.bool, "bool": lambda t: t.dtype == torch.bool}  # fmt: skip
_KIND_WORDS = {"float": "floating-point numbers (e.g. torch.float32)", "int": "whole numbers (e.g. torch.long)",
               "bool": "True/False values (torch.bool)"}  # fmt: skip


def check_tensor(
    x: Any,
    name: str,
    *,
    dims: int | Sequence[int] | None = None,
    shape: Sequence[int | None] | None = None,
    kind: str | None = "float",
    finite: bool = True,
    nonempty: bool = True,
) -> torch.Tensor:
    """`x` itself if it is a tensor of the expected rank, shape, kind and finite values.

    `dims` is the allowed number of dimensions (one number or several); `shape` gives
    sizes to match, with None for "any size"; `kind` is "float", "int", "bool" or None.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch tensor, got {type(x).__name__}.")
    allowed = (dims,) if isinstance(dims, int) else dims
    if allowed is not None and x.dim() not in allowed:
        wanted = " or ".join(str(d) for d in allowed)
        raise ValueError(f"{name} must have {wanted} dimensions, got shape {tuple(x.shape)} ({x.dim()}).")
    if shape is not None:
        if x.dim() != len(shape) or any(s is not None and s != size for s, size in zip(shape, x.shape, strict=True)):
            wanted = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {wanted}, got {tuple(x.shape)}.")
    if kind is not None and not _KINDS[kind](x):
        raise ValueError(f"{name} must hold {_KIND_WORDS[kind]}, got {x.dtype}.")
    if nonempty and x.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(x.shape)}); it needs at least one value.")
    if finite and x.is_floating_point() and not bool(torch.isfinite(x).all()):
        bad = "NaN" if bool(torch.isnan(x).any()) else "infinite values"
        raise ValueError(f"{name} contains {bad}; every value must be a finite number.")
    return x


def check_ids(ids: Any, vocab_size: int, name: str = "ids", *, dims: int | Sequence[int] | None = None) -> torch.Tensor:
    """`ids` itself if it is an integer tensor whose values all lie in 0..vocab_size-1."""
    check_tensor(ids, name, dims=dims, kind="int")
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high >= vocab_size:
        bad = low if low < 0 else high
        raise ValueError(
            f"{name} holds the token id {bad}, outside the vocabulary (ids run from 0 to {vocab_size - 1})."
        )
    return ids


def check_array(x: Any, name: str, *, dims: int | Sequence[int] | None = None, finite: bool = True) -> np.ndarray:
    """`x` as a NumPy array of numbers with the allowed rank, non-empty and (by default) finite."""
    try:
        array = np.asarray(x.detach().cpu() if isinstance(x, torch.Tensor) else x)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be an array of numbers ({err}).") from None
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(f"{name} must hold numbers, got values of type {array.dtype}.")
    allowed = (dims,) if isinstance(dims, int) else dims
    if allowed is not None and array.ndim not in allowed:
        wanted = " or ".join(str(d) for d in allowed)
        raise ValueError(f"{name} must have {wanted} dimensions, got shape {array.shape}.")
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}); it needs at least one value.")
    if finite and np.issubdtype(array.dtype, np.floating) and not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values; every value must be a finite number.")
    return array


def check_count(n: Any, name: str, *, minimum: int = 1, maximum: int | None = None) -> int:
    """`n` itself if it is a whole number (not a bool) in minimum..maximum."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise ValueError(f"{name} must be a whole number, got {n!r}.")
    if n < minimum or (maximum is not None and n > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise ValueError(f"{name} must be at least {minimum}{upper}, got {n}.")
    return int(n)


def check_number(
    x: Any,
    name: str,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """`x` as a float if it is a finite real number in the given interval (open ends exclude the bound)."""
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)) or not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, got {x!r}.")
    too_low = x <= low if low_open else x < low
    too_high = x >= high if high_open else x > high
    if too_low or too_high:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be in {interval}, got {x!r}.")
    return float(x)


def check_choice(value: Any, name: str, choices: Sequence[Any]) -> Any:
    """`value` itself if it is one of `choices`."""
    if value not in choices:
        raise ValueError(f"Unknown {name} {value!r}; choose one of {', '.join(map(repr, choices))}.")
    return value


def check_nonempty(items: Any, name: str) -> Any:
    """`items` itself if it is a sized collection with at least one element."""
    try:
        size = len(items)
    except TypeError:
        raise TypeError(f"{name} must be a list or another collection, got {type(items).__name__}.") from None
    if size == 0:
        raise ValueError(f"{name} is empty; give at least one item.")
    return items


def check_logits(logits: Any, name: str = "logits") -> torch.Tensor:
    """`logits` itself if it is a float tensor (..., V) with no NaN or +inf and a finite value in every row.

    -inf is allowed: it is how a filter marks a token that can never be chosen.
    """
    check_tensor(logits, name, kind="float", finite=False)
    if logits.dim() == 0:
        raise ValueError(f"{name} must have a last dimension of one score per token, got a single number.")
    if bool(torch.isnan(logits).any()) or bool((logits == math.inf).any()):
        raise ValueError(f"{name} contains NaN or +inf; scores must be finite numbers (or -inf for a banned token).")
    if not bool(torch.isfinite(logits).any(dim=-1).all()):
        raise ValueError(f"Some row of {name} is all -inf: at least one token must stay possible.")
    return logits


def check_images(
    x: Any,
    name: str = "images",
    *,
    channels: int | None = None,
    size: int | None = None,
    low: float = 0.0,
    high: float = 1.0,
) -> torch.Tensor:
    """`x` itself if it is a non-empty float batch of images (B, C, H, W) with every value in [low, high].

    `channels` and `size` (height and width) are checked when given. One pass over the
    values finds NaN, infinities and out-of-range pixels together.
    """
    check_tensor(x, name, dims=4, kind="float", finite=False)
    c, h, w = x.shape[1:]
    if (channels is not None and c != channels) or (size is not None and (h, w) != (size, size)):
        wanted = f"(batch, {'C' if channels is None else channels}, {size or 'H'}, {size or 'W'})"
        hint = ""
        if channels is not None and x.shape[-1] == channels and c != channels:
            hint = " It looks like (batch, H, W, C): put the channels first with x.permute(0, 3, 1, 2)."
        raise ValueError(f"{name} must have shape {wanted}, got {tuple(x.shape)}.{hint}")
    lo, hi = torch.stack(torch.aminmax(x.detach())).tolist()
    if math.isnan(lo) or math.isnan(hi):
        raise ValueError(f"{name} contains NaN; every pixel must be a number in [{low:g}, {high:g}].")
    if lo < low or hi > high:
        raise ValueError(f"{name} must have pixel values in [{low:g}, {high:g}], got values from {lo:.3g} to {hi:.3g}.")
    return x


def check_id_list(ids: Any, name: str = "ids", vocab_size: int | None = None) -> list[int]:
    """`ids` as a list of Python ints: a list, tuple, 1D array or 1D tensor of token ids in 0..vocab_size-1.

    Integer ids given as floats (2.0) are refused; the message names the id that is wrong.

    >>> check_id_list(torch.tensor([3, 1]), vocab_size=5)
    [3, 1]
    """
    if isinstance(ids, (str, bytes)) or not (hasattr(ids, "__iter__") or hasattr(ids, "tolist")):
        raise TypeError(f"{name} must be a list of token ids, got {type(ids).__name__}: {ids!r:.40}")
    from operator import index  # what Python accepts as a list index: int, NumPy and torch integers

    if vocab_size is not None:
        check_count(vocab_size, "vocab_size")
    values = ids.tolist() if hasattr(ids, "tolist") else list(ids)  # NumPy arrays and torch tensors too
    if not isinstance(values, list):
        raise TypeError(f"{name} must be a list of token ids, got the single number {values!r}.")
    if not all(type(i) is int for i in values):  # slow path: NumPy integers, bools, floats, nested lists
        for pos, i in enumerate(values):
            try:
                if isinstance(i, (bool, np.bool_)):
                    raise TypeError
                values[pos] = index(i)
            except TypeError:
                raise ValueError(f"{name} must hold whole numbers (token ids), got {i!r:.40} at position {pos}."
                                 ) from None  # fmt: skip
    if values:
        low, high = min(values), max(values)
        if low < 0 or (vocab_size is not None and high >= vocab_size):
            bad = low if low < 0 else high
            where = f"ids run from 0 to {vocab_size - 1}" if vocab_size is not None else "ids start at 0"
            raise ValueError(f"{name} holds the token id {bad}, outside the vocabulary ({where}).")
    return values


def check_device(device: Any, name: str = "device") -> torch.device:
    """`device` as a torch.device: None (the CPU), a torch.device, or a name such as "cpu", "cuda" or "cuda:0"."""
    if device is None:
        return torch.device("cpu")
    if isinstance(device, torch.device):
        return device
    if not isinstance(device, str):
        raise TypeError(f"{name} must be a torch.device or a name such as 'cpu' or 'cuda', got {device!r}.")
    try:
        return torch.device(device)
    except RuntimeError:
        raise ValueError(f"{name} must name a device such as 'cpu', 'cuda' or 'cuda:0', got {device!r}.") from None


def check_attributes(row: Any, needed: Sequence[str]) -> pd.Series:
    """One fruit's attributes (a pandas Series, or a dict) holding every name in `needed` as a finite number."""
    if isinstance(row, dict):
        row = pd.Series(row)
    if not isinstance(row, pd.Series):
        raise TypeError(f"row must be one fruit's attributes (a pandas Series), got {type(row).__name__}.")
    missing = [name for name in needed if name not in row.index]
    if missing:
        raise ValueError(f"The fruit's attributes lack {missing}; take a row of utils.fruits.sample_attributes "
                         "or of a FruitSet's attributes.")  # fmt: skip
    for name in needed:
        check_number(row[name], name)
    return row
