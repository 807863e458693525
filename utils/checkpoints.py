"""Saving and loading model weights: safetensors files with a JSON manifest beside them.

A checkpoint ``name.safetensors`` comes with ``name.json``, its manifest, which holds:
the file's SHA-256 and size; the kind of model (its class name) and the model's config
(so the model can be rebuilt with ``Config(**config)``); the recipe it was trained by
and that recipe's training settings; the training history (one row per evaluation, as
columns); the training time in seconds; free-form metadata; and the command that
recreates the file. `save_checkpoint` is the one function that writes manifests;
`read_manifest` checks every field before anything is loaded, and `load_checkpoint`
checks the hash, so a truncated file, an edited file or a damaged manifest is caught
with a message that names the file and the command that rebuilds it. There is no
pickle anywhere: safetensors stores plain tensors and JSON stores everything else.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .checks import check_device

MANIFEST_VERSION = 2
FIELDS = {  # every manifest field and the JSON type it must have
    "manifest_version": int, "file": str, "sha256": str, "bytes": int, "aliases": dict, "kind": str,
    "recipe": str, "config": dict, "train_config": dict, "history": dict, "train_seconds": (int, float),
    "metadata": dict, "script": str,
}  # fmt: skip


class CheckpointError(RuntimeError):
    """A checkpoint is missing, damaged or does not match its manifest.

    `problem` says what is wrong and `fix` the command that rebuilds the file; the message is both.
    """

    def __init__(self, problem: str, fix: str):
        super().__init__(f"{problem} Re-create it with: {fix}")
        self.problem, self.fix = problem, fix


def rebuild_command(name: str) -> str:
    """The command that recreates the book's checkpoint `name` (see utils.recipes)."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"A checkpoint's name is a word like 'fruit_vae', got {name!r}.")
    return f"python scripts/train.py {name}"


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
    model: torch.nn.Module,
    path: str | Path,
    *,
    recipe: str,
    config: Any,
    train_config: Any,
    history: pd.DataFrame,
    script: str,
    metadata: dict[str, Any] | None = None,
) -> Path:
    """Write `model`'s weights to `path` (.safetensors) and its manifest beside it; returns `path`.

    `config` and `train_config` are dataclasses or dicts; `history` is the table the training
    loop returned (its last "seconds" is the training time); `script` is the shell command that
    recreates the file, e.g. ``"python scripts/train.py gpt_chars"``.
    """
    path = Path(path)
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"save_checkpoint saves a torch.nn.Module, got {type(model).__name__}.")
    if path.suffix != ".safetensors":
        raise ValueError(f"Checkpoint files end in .safetensors, got {path.name!r}.")
    if not isinstance(script, str) or not script:
        raise ValueError("Name the command that recreates this checkpoint in `script`.")
    if not isinstance(recipe, str) or not recipe:
        raise ValueError("Name the recipe this checkpoint was trained by in `recipe`.")
    if not isinstance(history, pd.DataFrame) or history.empty or "seconds" not in history or "step" not in history:
        raise ValueError("history must be the non-empty table a training loop returns (with step and seconds).")
    tensors, aliases, seen = {}, {}, {}
    for name, t in model.state_dict().items():
        key = (t.data_ptr(), t.shape, t.stride()) if t.numel() else None
        if key is not None and key in seen:  # a tied weight (a GPT's output layer = its token embeddings): store once
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
        "kind": type(model).__name__,
        "recipe": recipe,
        "config": _as_dict(config),
        "train_config": _as_dict(train_config),
        "history": {column: history[column].round(4).tolist() for column in history.columns},
        "train_seconds": round(float(history["seconds"].iloc[-1]), 1),
        "metadata": metadata or {},
        "script": script,
    }
    manifest_path(path).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return path


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest of checkpoint `path` as a dict, with every field checked."""
    mpath = manifest_path(path)
    fix = rebuild_command(Path(path).stem)
    if not mpath.exists():
        raise CheckpointError(f"The manifest {mpath} is missing, so {Path(path).name} cannot be checked.", fix)
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(f"The manifest {mpath} is not valid JSON ({err}).", fix) from None
    if not isinstance(manifest, dict):
        raise CheckpointError(f"The manifest {mpath} must hold a JSON object, got {type(manifest).__name__}.", fix)
    if isinstance(manifest.get("script"), str) and manifest["script"]:
        fix = manifest["script"]
    missing = sorted(set(FIELDS) - set(manifest))
    if missing:
        raise CheckpointError(f"The manifest {mpath} lacks the field(s) {', '.join(missing)}.", fix)
    wrong = [k for k, kind in FIELDS.items() if not isinstance(manifest[k], kind) or isinstance(manifest[k], bool)]
    if wrong:
        raise CheckpointError(f"The manifest {mpath} has fields of the wrong type: {', '.join(wrong)}.", fix)
    if manifest["manifest_version"] != MANIFEST_VERSION:
        raise CheckpointError(f"The manifest {mpath} has version {manifest['manifest_version']}; this code reads "
                              f"version {MANIFEST_VERSION}.", fix)  # fmt: skip
    columns = manifest["history"]
    if ("step" not in columns or not all(isinstance(v, list) for v in columns.values())
            or len({len(v) for v in columns.values()}) != 1):  # fmt: skip
        raise CheckpointError(f"The manifest {mpath} has a history that is not a table of equal columns.", fix)
    if not all(isinstance(v, str) for v in manifest["aliases"].values()):
        raise CheckpointError(f"The manifest {mpath} has aliases that are not names of tensors.", fix)
    if not manifest["script"]:
        raise CheckpointError(f"The manifest {mpath} names no command that recreates it.", fix)
    if manifest["file"] != Path(path).name:
        raise CheckpointError(f"The manifest {mpath} describes {manifest['file']}, not {Path(path).name}.", fix)
    return manifest


def history_of(manifest: dict[str, Any]) -> pd.DataFrame:
    """The training history stored in a manifest, as the table the training loop returned."""
    if not isinstance(manifest, dict) or not isinstance(manifest.get("history"), dict):
        raise ValueError("history_of needs a checkpoint manifest (from read_manifest or load_checkpoint).")
    table = pd.DataFrame(manifest["history"])
    middle = [c for c in table.columns if c not in ("step", "seconds")]  # JSON keeps them sorted by name
    return table[["step", *middle, *(["seconds"] if "seconds" in table else [])]]


def load_checkpoint(
    path: str | Path, *, device: torch.device | str | None = None
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Check `path` against its manifest, then return (state_dict, manifest).

    Tensors that were tied when saved (stored once, listed under "aliases") come back tied.
    """
    path = Path(path)
    manifest = read_manifest(path)
    fix = manifest["script"]
    if not path.exists():
        raise CheckpointError(f"Checkpoint {path} is missing.", fix)
    if path.stat().st_size != manifest["bytes"]:
        raise CheckpointError(f"Checkpoint {path} has {path.stat().st_size} bytes but its manifest expects "
                              f"{manifest['bytes']}: the file is truncated or was replaced.", fix)  # fmt: skip
    if sha256_of(path) != manifest["sha256"]:
        raise CheckpointError(f"Checkpoint {path} does not match the SHA-256 in {manifest_path(path).name}: "
                              "the file was changed after it was saved.", fix)  # fmt: skip
    try:
        state = load_file(str(path), device=str(check_device(device)))
    except SafetensorError as err:  # pragma: no cover - the hash check catches this first
        raise CheckpointError(f"Checkpoint {path} cannot be read ({err}).", fix) from err
    for name, original in manifest["aliases"].items():
        if original not in state:
            raise CheckpointError(f"The manifest of {path} ties {name} to {original}, which the file lacks.", fix)
        state[name] = state[original]
    return state, manifest


def _as_dict(config: Any) -> dict[str, Any]:
    if is_dataclass(config) and not isinstance(config, type):
        return asdict(config)
    if config is None or isinstance(config, dict):
        return dict(config or {})
    raise TypeError(f"A config must be a dataclass, a dict or None, got {type(config).__name__}.")
