"""Saving and loading model weights: safetensors files with a JSON manifest beside them.

A checkpoint ``name.safetensors`` comes with ``name.json``, which holds the file's
SHA-256, the model's config (so the model can be rebuilt with ``Config(**config)``),
free-form training metadata, and the command that recreates the file. Loading
checks the hash first, so a truncated download or an edited file is caught with a
message that says which command rebuilds it. There is no pickle anywhere: safetensors
stores plain tensors and JSON stores everything else.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

MANIFEST_VERSION = 1


class CheckpointError(RuntimeError):
    """A checkpoint is missing, damaged or does not match its manifest."""


def sha256_of(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_path(path: str | Path) -> Path:
    """Where the manifest of checkpoint `path` lives: the same name ending in .json."""
    return Path(path).with_suffix(".json")


def save_checkpoint(
    model: torch.nn.Module | dict[str, torch.Tensor],
    path: str | Path,
    *,
    config: Any = None,
    metadata: dict[str, Any] | None = None,
    script: str,
) -> Path:
    """Write `model`'s weights to `path` (.safetensors) and its manifest; returns `path`.

    `config` is a dataclass or a dict; `script` is the shell command that recreates
    the file, e.g. ``"python scripts/train_chapter01.py"``.
    """
    path = Path(path)
    if path.suffix != ".safetensors":
        raise ValueError(f"Checkpoint files end in .safetensors, got {path.name!r}.")
    if not script:
        raise ValueError("Name the command that recreates this checkpoint in `script`.")
    state = model.state_dict() if isinstance(model, torch.nn.Module) else model
    tensors, aliases, seen = {}, {}, {}
    for name, t in state.items():
        key = (t.data_ptr(), t.shape, t.stride()) if t.numel() else None
        if key in seen:  # a tied weight (e.g. a GPT's output layer = its token embeddings): store once
            aliases[name] = seen[key]
            continue
        seen[key] = name
        tensors[name] = t.detach().to("cpu").contiguous()
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path))
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "file": path.name,
        "sha256": sha256_of(path),
        "bytes": path.stat().st_size,
        "aliases": aliases,
        "config": asdict(config) if is_dataclass(config) else (config or {}),
        "metadata": metadata or {},
        "script": script,
    }
    manifest_path(path).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return path


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest of checkpoint `path` as a dict."""
    mpath = manifest_path(path)
    if not mpath.exists():
        raise CheckpointError(
            f"The manifest {mpath} is missing, so {Path(path).name} cannot be checked. "
            "Re-create the checkpoint with its training script (see the chapter or scripts/)."
        )
    return json.loads(mpath.read_text())


def load_checkpoint(
    path: str | Path, *, device: torch.device | str | None = None
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Check `path` against its manifest, then return (state_dict, manifest).

    Tensors that were tied when saved (stored once, listed under "aliases") come back tied.
    """
    path = Path(path)
    manifest = read_manifest(path)
    fix = f"Re-create it with: {manifest.get('script', 'its training script')}"
    if not path.exists():
        raise CheckpointError(f"Checkpoint {path} is missing. {fix}")
    if path.stat().st_size != manifest["bytes"]:
        raise CheckpointError(
            f"Checkpoint {path} has {path.stat().st_size} bytes but its manifest expects "
            f"{manifest['bytes']}: the file is truncated or was replaced. {fix}"
        )
    if sha256_of(path) != manifest["sha256"]:
        raise CheckpointError(
            f"Checkpoint {path} does not match the SHA-256 in {manifest_path(path).name}: "
            f"the file was changed after it was saved. {fix}"
        )
    try:
        state = load_file(str(path), device=str(device or "cpu"))
    except SafetensorError as err:  # pragma: no cover - the hash check catches this first
        raise CheckpointError(f"Checkpoint {path} cannot be read ({err}). {fix}") from err
    for name, original in manifest.get("aliases", {}).items():
        state[name] = state[original]
    return state, manifest
