"""The book's text corpus: English prose that every Python installation already carries.

`load_corpus()` collects the docstrings of Python's standard library (read from its
source files with `ast`, so nothing is imported or run) and the language reference
topics that ship with `pydoc`, keeps the paragraphs that read as prose, and maps them
onto a fixed alphabet of 96 characters (`CHARSET`). The result is about 1.1 MB of
technical English, the same on every machine with the same Python version. Because the
alphabet is fixed, a character-level model trained on one Python version still loads
on another even though the text differs a little.

The first call takes about two seconds and caches the text on disk (see `cache_dir`);
later calls read the cache. `load_tiny_shakespeare()` is an optional, larger corpus for
readers who are online, with an offline fallback to this one. `train_val_split` is the
one way every chapter splits text for training.
"""

from __future__ import annotations

import ast
import hashlib
import numbers
import os
import re
import string
import sys
import sysconfig
import unicodedata
import urllib.request
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

import torch

from .checks import check_count, check_number, check_tensor

CHARSET = "\n" + string.printable[:95]  # newline, then digits, letters, punctuation and space
_CHARSET_SET = frozenset(CHARSET)
_SKIP_DIRS = {"test", "tests", "idle_test", "idlelib", "lib2to3", "turtledemo", "site-packages", "__pycache__"}
_ROLE = re.compile(r":[\w:.-]+:`~?!?([^`<]*?)(?:\s*<[^>]*>)?`")  # :func:`~os.path.join` -> os.path.join
_LITERAL = re.compile(r"``([^`]*)``")
SHAKESPEARE_URL = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
T = TypeVar("T", str, Sequence)


def cache_dir() -> Path:
    """Where corpora are cached: $GENAI_CACHE, else ~/.cache/genai-hands-on."""
    return Path(os.environ.get("GENAI_CACHE", Path.home() / ".cache" / "genai-hands-on"))


def load_corpus(*, cache: bool = True) -> str:
    """The book's default corpus (standard-library docs), built once and cached on disk."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    path = cache_dir() / f"stdlib-docs-py{version}-v1.txt"
    if cache and path.exists():
        return path.read_text(encoding="ascii")
    text = build_stdlib_corpus()
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="ascii")
        tmp.replace(path)  # atomic: a half-written cache is never read
    return text


def build_stdlib_corpus() -> str:
    """Collect, clean and de-duplicate the prose paragraphs of the standard library's docs."""
    from pydoc_data.topics import topics

    docs = [topics[name] for name in sorted(topics)]
    root = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(root.rglob("*.py")):
        if _SKIP_DIRS & set(path.relative_to(root).parts):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node)
                if doc:
                    docs.append(doc)
    seen: set[str] = set()
    paragraphs = []
    for doc in docs:
        for paragraph in prose_paragraphs(doc):
            if paragraph not in seen:
                seen.add(paragraph)
                paragraphs.append(paragraph)
    return "\n".join(paragraphs) + "\n"


def prose_paragraphs(doc: str) -> list[str]:
    """The paragraphs of a docstring that read as prose, each on one line in `CHARSET`.

    >>> prose_paragraphs("Return the sum of both numbers, rounded down.\\n\\n    >>> add(1, 2)\\n    3")
    ['Return the sum of both numbers, rounded down.']
    """
    _check_str(doc, "doc")
    out = []
    for block in re.split(r"\n\s*\n", doc):
        lines = block.split("\n")
        if any(line.lstrip().startswith((">>>", "...", "$ ", "%")) for line in lines):
            continue  # interactive examples
        if sum(line.startswith((" ", "\t")) for line in lines) > len(lines) / 2:
            continue  # indented code or grammar
        text = " ".join(line.strip() for line in lines)
        text = _LITERAL.sub(r"\1", _ROLE.sub(r"\1", text))
        text = to_charset(text)
        letters = sum(c.isalpha() or c == " " for c in text)
        if len(text) >= 40 and letters > 0.8 * len(text) and text[-1] in ".:!?)" and text[0].isupper():
            out.append(text)
    return out


def to_charset(text: str) -> str:
    """Map text onto `CHARSET`: accents dropped, other characters removed, spaces collapsed."""
    _check_str(text, "text")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if c in _CHARSET_SET and c != "\n")
    return re.sub(r" {2,}", " ", text).strip()


def load_tiny_shakespeare(*, path: str | Path | None = None, url: str = SHAKESPEARE_URL, timeout: float = 10) -> str:
    """Tiny Shakespeare (about 1 MB): from `path`, the disk cache, or the internet.

    Offline, it falls back to the book's default corpus and says so in one line.
    """
    check_number(timeout, "timeout", low=0, low_open=True)
    if path is not None:
        return Path(path).read_text(encoding="utf-8")
    cached = cache_dir() / "tinyshakespeare.txt"
    if cached.exists():
        return cached.read_text(encoding="utf-8")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # online only; offline fallback below
            text = response.read().decode("utf-8")
    except OSError as err:
        warnings.warn(f"Tiny Shakespeare is not available offline ({err}); using the book's default corpus instead.",
                      stacklevel=2)  # fmt: skip
        return load_corpus()
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(text, encoding="utf-8")
    return text


def train_val_split(data: T, val_fraction: float = 0.1) -> tuple[T, T]:
    """Split text (or a sequence of token ids) into a leading train part and a trailing validation part.

    A contiguous split, not a shuffle: neighbouring characters are too alike to be
    spread over both parts.
    """
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, numbers.Real) or not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, got {val_fraction!r}.")
    if not hasattr(data, "__len__") or not hasattr(data, "__getitem__"):
        raise TypeError(f"data must be text or a sequence of token ids, got {type(data).__name__}.")
    if len(data) < 2:
        raise ValueError("Need at least two items to split into training and validation data.")
    cut = min(max(1, round(len(data) * (1 - val_fraction))), len(data) - 1)
    return data[:cut], data[cut:]


def window_batches(ids: torch.Tensor, block_size: int, batch_size: int):
    """A function generator -> (x, y): `batch_size` random windows of `block_size` ids and the same shifted by one.

    The usual batches for training a language model on one long stream of token ids.
    """
    check_tensor(ids, "ids", dims=1, kind="int")
    if int(ids.min()) < 0:
        raise ValueError(f"ids holds the token id {int(ids.min())}; token ids start at 0.")
    check_count(block_size, "block_size")
    check_count(batch_size, "batch_size")
    if len(ids) <= block_size:
        raise ValueError(f"Need more than block_size={block_size} tokens, got {len(ids)}.")

    def draw(generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        starts = torch.randint(0, len(ids) - block_size, (batch_size,), generator=generator)
        offsets = torch.arange(block_size)
        x = ids[starts[:, None] + offsets]  # (B, T)
        return x, ids[starts[:, None] + offsets + 1]

    return draw


def fingerprint(text: str) -> str:
    """A short SHA-256 of a corpus, to record in checkpoint manifests."""
    _check_str(text, "text")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _check_str(text: object, name: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a string, got {type(text).__name__}.")
