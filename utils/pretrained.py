"""The book's shipped checkpoints: where they live and how to load them.

Each checkpoint in ``assets/checkpoints/`` was written by a script in ``scripts/`` (its
manifest names the command); `utils.checkpoints` checks the SHA-256 before loading.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import torch
from sklearn.datasets import load_digits

from .autoencoders import Autoencoder, AutoencoderConfig
from .checkpoints import CheckpointError, load_checkpoint
from .corpus import CHARSET, load_corpus, train_val_split, window_batches
from .fruits import make_fruits
from .gpt import GPT, GPTConfig
from .tokenizers import CharTokenizer
from .train import TrainConfig, train

CHECKPOINTS = Path(__file__).resolve().parents[1] / "assets" / "checkpoints"


def load_gpt(name: str = "gpt_chars", device: torch.device | str | None = None) -> tuple[GPT, CharTokenizer, dict]:
    """The character-level GPT trained on the book's corpus (scripts/train_gpt.py): (model, tokenizer, manifest)."""
    path = CHECKPOINTS / f"{name}.safetensors"
    if not path.with_suffix(".json").exists():
        raise CheckpointError(f"No checkpoint {path.name} in {CHECKPOINTS} (a pip-installed copy of the book has no "
                              "assets); train it with: python scripts/train_gpt.py")  # fmt: skip
    state, manifest = load_checkpoint(path, device=device)
    model = GPT(GPTConfig(**manifest["config"])).to(device)
    model.load_state_dict(state)
    return model.eval(), CharTokenizer(manifest["metadata"]["chars"]), manifest


def chapter_tokenizer() -> CharTokenizer:
    """The character tokenizer of the book's GPT: the corpus's fixed 96-character alphabet."""
    return CharTokenizer(CHARSET)


def gpt_recipe(steps: int, batch_size: int = 16) -> TrainConfig:
    """The book's training settings for character GPTs (nanoGPT's, scaled to `steps`)."""
    return TrainConfig(steps=steps, batch_size=batch_size, lr=1e-3, weight_decay=0.1, betas=(0.9, 0.99),
                       warmup_steps=min(100, steps // 10), min_lr=1e-4, grad_clip=1.0,
                       eval_every=max(1, steps // 10), eval_batches=50)  # fmt: skip


def train_gpt_chars(
    config: GPTConfig, schedule: TrainConfig, *, device: torch.device | str | None = None, progress: bool = True,
    on_evaluate: Callable[[pd.DataFrame], None] | None = None, seed: int = 0,
) -> tuple[GPT, pd.DataFrame]:  # fmt: skip
    """Train a character GPT on the book's corpus (90/10 split): returns (model, history)."""
    tokenizer = chapter_tokenizer()
    if config.vocab_size != tokenizer.vocab_size:
        raise ValueError(f"The corpus has {tokenizer.vocab_size} characters; build the config with that vocab_size.")
    train_ids, val_ids = train_val_split(torch.tensor(tokenizer.encode(load_corpus())))
    torch.manual_seed(seed)
    model = GPT(config)
    history = train(model, lambda m, batch: m(*batch)[1], window_batches(train_ids, config.block_size,
                    schedule.batch_size), val_data=window_batches(val_ids, config.block_size, schedule.batch_size),
                    config=schedule, device=device, progress=progress, on_evaluate=on_evaluate)  # fmt: skip
    return model.eval(), history


def load_autoencoder(name: str, device: torch.device | str | None = None) -> tuple[Autoencoder, dict]:
    """A shipped autoencoder or VAE (scripts/train_autoencoders.py): (model, manifest)."""
    path = CHECKPOINTS / f"{name}.safetensors"
    if not path.with_suffix(".json").exists():
        raise CheckpointError(f"No checkpoint {path.name} in {CHECKPOINTS}; train it with: "
                              f"python scripts/train_autoencoders.py {name}")  # fmt: skip
    state, manifest = load_checkpoint(path, device=device)
    model = Autoencoder(AutoencoderConfig(**manifest["config"])).to(device)
    model.load_state_dict(state)
    return model.eval(), manifest


FRUIT_VAE = AutoencoderConfig(latent=16, hidden=64, conv=True, variational=True)
AUTOENCODER_RECIPES = {  # name -> (data, model config, denoising noise, steps)
    "fruit_ae": ("fruits", AutoencoderConfig(latent=16, hidden=64, conv=True), 0.0, 1500),
    "fruit_dae": ("fruits", AutoencoderConfig(latent=16, hidden=64, conv=True), 0.2, 1500),
    "fruit_vae": ("fruits", FRUIT_VAE, 0.0, 1500),
    "fruit_vae_beta4": ("fruits", AutoencoderConfig(**{**asdict(FRUIT_VAE), "beta": 4.0}), 0.0, 1500),
    "digits_vae": ("digits", AutoencoderConfig(image_size=8, channels=1, latent=8, hidden=64, conv=True,
                                               variational=True), 0.0, 1500),
}  # fmt: skip


def autoencoder_data(name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(train, held-out) images for "fruits" or "digits"."""
    if name == "fruits":
        x = make_fruits(6000, seed=0).to_tensor()
        return x[:5000], x[5000:]
    digits = torch.tensor(load_digits().images, dtype=torch.float32)[:, None] / 16.0  # (1797, 1, 8, 8)
    return digits[:1500], digits[1500:]


def autoencoder_schedule(steps: int) -> TrainConfig:
    """The training settings of the book's autoencoders."""
    return TrainConfig(steps=steps, batch_size=64, lr=2e-3, eval_every=steps // 5)


def train_autoencoder(name: str, *, progress: bool = True, device: torch.device | str | None = None
                      ) -> tuple[Autoencoder, pd.DataFrame]:  # fmt: skip
    """Train one of AUTOENCODER_RECIPES from scratch: (model, history)."""
    if name not in AUTOENCODER_RECIPES:
        raise ValueError(f"Unknown model {name!r}; choose from {', '.join(AUTOENCODER_RECIPES)}.")
    data, config, noise, steps = AUTOENCODER_RECIPES[name]
    train_x, held_out = autoencoder_data(data)
    torch.manual_seed(0)
    model = Autoencoder(config)
    schedule = autoencoder_schedule(steps)
    history = train(model, lambda m, batch: m.loss(batch, noise=noise), train_x, val_data=held_out, config=schedule,
                    device=device, progress=progress, desc=name)  # fmt: skip
    return model.eval(), history
