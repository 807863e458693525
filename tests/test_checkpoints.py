"""Checkpoints round-trip exactly; damage to a file or its manifest is reported with the command that fixes it."""

import json
from dataclasses import dataclass

import pandas as pd
import pytest
import torch

from utils.checkpoints import (
    FIELDS,
    CheckpointError,
    history_of,
    load_checkpoint,
    manifest_path,
    read_manifest,
    save_checkpoint,
    sha256_of,
)

SCRIPT = "python scripts/train.py tiny"
HISTORY = pd.DataFrame({"step": [5, 10], "train_loss": [0.5, 0.25], "val_loss": [0.6, 0.3], "seconds": [0.1, 0.2]})


@dataclass
class TinyConfig:
    hidden: int = 4
    dropout: float = 0.1


def _save(model, path, config=None, **kwargs):
    options = {"recipe": "tiny", "config": config or {"hidden": 4}, "train_config": {"steps": 10},
               "history": HISTORY, "script": SCRIPT, **kwargs}  # fmt: skip
    return save_checkpoint(model, path, **options)


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    return model, _save(model, tmp_path / "tiny.safetensors", metadata={"data": "lines"})


def test_round_trip_is_exact_and_manifest_is_complete(saved):
    model, path = saved
    state, manifest = load_checkpoint(path)
    for name, tensor in model.state_dict().items():
        assert torch.equal(state[name], tensor)
    assert set(manifest) == set(FIELDS)
    assert manifest["sha256"] == sha256_of(path) and manifest["file"] == "tiny.safetensors"
    assert manifest["kind"] == "Sequential" and manifest["recipe"] == "tiny" and manifest["script"] == SCRIPT
    assert manifest["config"] == {"hidden": 4} and manifest["metadata"] == {"data": "lines"}
    assert manifest["train_seconds"] == 0.2  # the last row of the history
    pd.testing.assert_frame_equal(history_of(manifest), HISTORY)
    assert path.read_bytes()[:8] != b"\x80\x04\x95"  # not a pickle
    json.loads(manifest_path(path).read_text())  # the manifest is plain JSON


def test_dataclass_configs_are_stored_as_dicts_and_rebuild(tmp_path):
    path = _save(torch.nn.Linear(2, 2), tmp_path / "c.safetensors", config=TinyConfig(8))
    saved = load_checkpoint(path)[1]["config"]
    assert saved == {"hidden": 8, "dropout": 0.1} and TinyConfig(**saved) == TinyConfig(8)


def test_missing_file_names_the_file_and_the_script(saved):
    _, path = saved
    path.unlink()
    with pytest.raises(CheckpointError, match=rf"tiny.safetensors is missing.*{SCRIPT}"):
        load_checkpoint(path)


def test_truncated_file_is_caught(saved):
    _, path = saved
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(CheckpointError, match=rf"truncated.*{SCRIPT}"):
        load_checkpoint(path)


def test_tampered_file_is_caught(saved):
    _, path = saved
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # same size, different bytes
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=rf"SHA-256.*{SCRIPT}"):
        load_checkpoint(path)


def test_missing_manifest_is_caught(saved):
    _, path = saved
    manifest_path(path).unlink()
    with pytest.raises(CheckpointError, match="manifest .* is missing.*python scripts/train.py tiny"):
        load_checkpoint(path)


def _damage(path, change):
    mpath = manifest_path(path)
    manifest = json.loads(mpath.read_text())
    mpath.write_text(change(manifest) if callable(change) else change)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "must hold a JSON object"),
        (lambda m: json.dumps({k: v for k, v in m.items() if k != "history"}), "lacks the field\\(s\\) history"),
        (lambda m: json.dumps({**m, "config": "hidden=4"}), "wrong type: config"),
        (lambda m: json.dumps({**m, "manifest_version": 1}), "has version 1"),
        (lambda m: json.dumps({**m, "history": {"step": [1, 2], "seconds": [1]}}), "not a table"),
        (lambda m: json.dumps({**m, "aliases": {"x": "nowhere"}}), "ties x to nowhere"),
        (lambda m: json.dumps({**m, "aliases": {"x": ["y"]}}), "aliases that are not names"),
        (lambda m: json.dumps({**m, "history": {"step": "12"}}), "not a table"),
        (lambda m: json.dumps({**m, "file": "other.safetensors"}), "describes other.safetensors"),
    ],
)
def test_a_damaged_manifest_is_a_checkpoint_error_naming_file_and_command(saved, change, message):
    _, path = saved
    _damage(path, change)
    with pytest.raises(CheckpointError, match=message) as err:
        load_checkpoint(path)
    assert "tiny.json" in str(err.value) or "tiny.safetensors" in str(err.value)
    assert SCRIPT in str(err.value)
    read = read_manifest if "ties" not in message else load_checkpoint
    with pytest.raises(CheckpointError):
        read(path)


def test_an_empty_script_still_names_the_rebuild_command(saved):
    _, path = saved
    _damage(path, lambda m: json.dumps({**m, "script": ""}))
    with pytest.raises(CheckpointError, match="names no command.*python scripts/train.py tiny") as err:
        load_checkpoint(path)
    assert err.value.fix == "python scripts/train.py tiny" and "names no command" in err.value.problem


def test_empty_tensors_are_not_mistaken_for_tied_ones(tmp_path):
    model = torch.nn.Module()
    model.a, model.b = torch.nn.Parameter(torch.zeros(0)), torch.nn.Parameter(torch.zeros(0, 5))
    state, manifest = load_checkpoint(_save(model, tmp_path / "empty.safetensors"))
    assert manifest["aliases"] == {} and state["b"].shape == (0, 5)


def test_bad_arguments_when_saving(tmp_path):
    model = torch.nn.Linear(1, 1)
    with pytest.raises(ValueError, match="end in .safetensors"):
        _save(model, tmp_path / "x.pt")
    with pytest.raises(ValueError, match="script"):
        _save(model, tmp_path / "x.safetensors", script="")
    with pytest.raises(ValueError, match="history"):
        _save(model, tmp_path / "x.safetensors", history=HISTORY.iloc[:0])
    with pytest.raises(TypeError, match="torch.nn.Module"):
        _save({"w": torch.ones(1)}, tmp_path / "x.safetensors")


def test_tied_weights_are_stored_once_and_come_back_tied(tmp_path):
    from utils.gpt import GPT, GPTConfig

    torch.manual_seed(0)
    model = GPT(GPTConfig.tiny(vocab_size=11))
    path = _save(model, tmp_path / "gpt.safetensors", config=model.config)
    state, manifest = load_checkpoint(path)
    assert manifest["aliases"] == {"head.weight": "tokens.weight"}
    fresh = GPT(GPTConfig(**manifest["config"]))
    fresh.load_state_dict(state)  # strict
    idx = torch.randint(0, 11, (2, 8))
    assert torch.equal(fresh(idx)[0], model(idx)[0])
    assert fresh.head.weight.data_ptr() == fresh.tokens.weight.data_ptr()
