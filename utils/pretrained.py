"""The book's trained models: load the shipped checkpoint, or train the same recipe and cache it.

Every chapter, script and benchmark gets a trained model with one call:

    >>> gpt = load_or_train("gpt_chars").model

It loads the shipped ``NAME.safetensors`` (``assets/checkpoints`` in the repository, ``utils/shipped``
once pip-installed) when it is there and valid (SHA-256,
manifest, kind of model, config and training settings all match the recipe in
`utils.recipes`), else a copy cached by an earlier run, and otherwise trains the recipe
with a progress bar, after a one-line notice of how long that takes, and caches the
result (in ``$GENAI_CACHE/checkpoints``, by default ``~/.cache/genai-hands-on``).
`load_pretrained` is the strict half: it loads a checkpoint or raises a `CheckpointError`
that names the file and the command that rebuilds it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from .checkpoints import CheckpointError, history_of, load_checkpoint, manifest_path, read_manifest, save_checkpoint
from .checks import check_choice
from .corpus import cache_dir
from .device import seeded
from .recipes import Recipe, get_recipe, train_recipe, training_placement


def _shipped_folder() -> Path:
    """assets/checkpoints in a clone of the repository; utils/shipped in an installed package (same files)."""
    in_repository = Path(__file__).resolve().parents[1] / "assets" / "checkpoints"
    return in_repository if in_repository.is_dir() else Path(__file__).resolve().parent / "shipped"


CHECKPOINTS = _shipped_folder()


@dataclass
class Trained:
    """A trained model with the manifest that describes it."""

    model: torch.nn.Module  # in eval mode
    manifest: dict[str, Any]  # see utils.checkpoints
    source: str  # "shipped", "cache" or "trained"

    def __post_init__(self) -> None:
        if not isinstance(self.model, torch.nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(self.model).__name__}.")
        check_choice(self.source, "source", ("shipped", "cache", "trained"))
        history_of(self.manifest)  # a manifest with a history table

    @property
    def history(self) -> pd.DataFrame:
        """The training history: one row per evaluation (step, losses, seconds)."""
        return history_of(self.manifest)

    @property
    def seconds(self) -> float:
        """How long training took, in seconds."""
        return self.manifest["train_seconds"]


def cached_checkpoints() -> Path:
    """Where models trained on this machine are kept: $GENAI_CACHE/checkpoints."""
    return cache_dir() / "checkpoints"


def load_pretrained(
    recipe: str | Recipe, device: torch.device | str | None = None, *, folder: str | Path | None = None
) -> Trained:
    """The checkpoint of a recipe (or its name) from `folder` (default: the shipped ones); a CheckpointError if
    it is missing, damaged or made by another recipe."""
    recipe = get_recipe(recipe)
    folder = Path(folder) if folder is not None else CHECKPOINTS
    path = folder / f"{recipe.name}.safetensors"
    if not manifest_path(path).exists():
        raise CheckpointError(f"No checkpoint {path.name} in {folder}.", recipe.script)
    with seeded(0):  # the weights are replaced below; seeding leaves the caller's random state alone
        model = recipe.build()
    _check_matches_recipe(read_manifest(path), recipe, type(model).__name__, path)  # before hashing the weights
    state, manifest = load_checkpoint(path, device=device)
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        first = str(err).strip().splitlines()[-1].strip()[:200]
        raise CheckpointError(f"The weights in {path} do not fit {manifest['kind']}({manifest['config']}): {first}.",
                              recipe.script) from None  # fmt: skip
    return Trained(model.to(device).eval(), manifest, "shipped" if folder == CHECKPOINTS else "cache")


def load_or_train(
    name: str | Recipe,
    device: torch.device | str | None = None,
    *,
    retrain: bool = False,
    progress: bool = True,
    train_on: str | None = None,
) -> Trained:
    """The model of recipe `name` on `device` (the CPU if None): shipped, else cached, else trained now (with a
    notice and a progress bar).

    With `retrain=True` it always trains; the result goes to the cache, which is used whenever no valid
    shipped checkpoint exists. Training runs on a GPU only when one is here and the model is large enough to
    gain from it (`utils.recipes.training_placement`); `train_on="cpu"` or `"cuda"` decides instead.
    """
    recipe = get_recipe(name)
    if not isinstance(retrain, bool):
        raise ValueError(f"retrain must be True or False, got {retrain!r}.")
    reason = "You asked to retrain it"
    if not retrain:
        problems = []
        for folder in (CHECKPOINTS, cached_checkpoints()):
            try:
                return load_pretrained(recipe, device, folder=folder)
            except CheckpointError as err:
                problems.append(err.problem.rstrip("."))
        shipped = manifest_path(CHECKPOINTS / f"{recipe.name}.safetensors").exists()
        reason = problems[0] if shipped else f"No shipped checkpoint {recipe.name}.safetensors"
    placement = training_placement(recipe, prefer=train_on)  # a GPU only for a model large enough to gain from it
    print(f"{reason}. Training {recipe.summary} now: about {_duration(recipe.seconds)} on 2 CPU cores; "
          f"the result is cached in {cached_checkpoints()}. {placement.reason}")  # fmt: skip
    model, manifest = train_and_save(recipe, cached_checkpoints(), device=placement.device, progress=progress)
    return Trained(model.to(device if device is not None else "cpu"), manifest, "trained")


def train_and_save(
    recipe: str | Recipe, folder: str | Path, *, device: torch.device | str | None = None, progress: bool = True
) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Train a recipe and save its checkpoint in `folder`: (model in eval mode, manifest)."""
    recipe = get_recipe(recipe)
    model, history = train_recipe(recipe, device=device, progress=progress)
    path = save_checkpoint(model, Path(folder) / f"{recipe.name}.safetensors", recipe=recipe.name,
                           config=recipe.config, train_config=recipe.schedule, history=history,
                           script=recipe.script, metadata=recipe.metadata)  # fmt: skip
    return model, read_manifest(path)


def _check_matches_recipe(manifest: dict[str, Any], recipe: Recipe, kind: str, path: Path) -> None:
    """A CheckpointError unless the manifest is of this recipe, its kind of model, config, settings and data."""
    expected = {"recipe": recipe.name, "kind": kind, "config": _plain(recipe.config),
                "train_config": _plain(recipe.schedule), "metadata": _plain(recipe.metadata)}  # fmt: skip
    wrong = [key for key, value in expected.items() if _plain(manifest[key]) != value]
    if wrong:
        raise CheckpointError(f"{path} was made by another recipe than today's {recipe.name!r} (its "
                              f"{', '.join(wrong)} differ).", recipe.script)  # fmt: skip


def _plain(value: Any) -> Any:
    """`value` as JSON would give it back (dataclasses as dicts, tuples as lists)."""
    if hasattr(value, "__dataclass_fields__"):
        value = asdict(value)
    return json.loads(json.dumps(value if value is not None else {}))


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} seconds" if seconds < 90 else f"{seconds / 60:.0f} minutes"
