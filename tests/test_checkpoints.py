"""Checkpoints round-trip exactly, and damage is reported with the command that fixes it."""

import json
from dataclasses import dataclass

import pytest
import torch

from utils.checkpoints import CheckpointError, load_checkpoint, manifest_path, save_checkpoint, sha256_of

SCRIPT = "python scripts/train_tiny.py"


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    path = save_checkpoint(model, tmp_path / "tiny.safetensors", config={"hidden": 4},
                           metadata={"steps": 10}, script=SCRIPT)  # fmt: skip
    return model, path


def test_round_trip_is_exact_and_manifest_is_complete(saved):
    model, path = saved
    state, manifest = load_checkpoint(path)
    for name, tensor in model.state_dict().items():
        assert torch.equal(state[name], tensor)
    assert manifest["sha256"] == sha256_of(path)
    assert manifest["config"] == {"hidden": 4} and manifest["metadata"] == {"steps": 10}
    assert manifest["script"] == SCRIPT and manifest["file"] == "tiny.safetensors"
    assert path.read_bytes()[:8] != b"\x80\x04\x95"  # not a pickle
    json.loads(manifest_path(path).read_text())  # the manifest is plain JSON


@dataclass
class TinyConfig:
    hidden: int = 4
    dropout: float = 0.1


def test_dataclass_configs_are_stored_as_dicts_and_rebuild(tmp_path):
    path = save_checkpoint({"w": torch.ones(2)}, tmp_path / "c.safetensors", config=TinyConfig(8), script=SCRIPT)
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
    with pytest.raises(CheckpointError, match="manifest"):
        load_checkpoint(path)


def test_bad_save_arguments(tmp_path):
    with pytest.raises(ValueError, match=r"\.safetensors"):
        save_checkpoint({"w": torch.ones(1)}, tmp_path / "x.pt", script=SCRIPT)
    with pytest.raises(ValueError, match="script"):
        save_checkpoint({"w": torch.ones(1)}, tmp_path / "x.safetensors", script="")


def test_tied_weights_are_stored_once_and_come_back_tied(tmp_path):
    from utils.gpt import GPT, GPTConfig

    torch.manual_seed(0)
    model = GPT(GPTConfig.tiny(vocab_size=11))
    path = save_checkpoint(model, tmp_path / "gpt.safetensors", config=model.config, script=SCRIPT)
    state, manifest = load_checkpoint(path)
    assert manifest["aliases"] == {"head.weight": "tokens.weight"}
    fresh = GPT(GPTConfig(**manifest["config"]))
    fresh.load_state_dict(state)  # strict
    idx = torch.randint(0, 11, (2, 8))
    assert torch.equal(fresh(idx)[0], model(idx)[0])
    assert fresh.head.weight.data_ptr() == fresh.tokens.weight.data_ptr()
