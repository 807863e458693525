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
from .gan import Discriminator, GANConfig, GANTrainConfig, Generator, train_gan
from .gpt import GPT, GPTConfig
from .metrics import FruitClassifier, ring_of_gaussians
from .tokenizers import CharTokenizer
from .train import TrainConfig, train

CHECKPOINTS = Path(__file__).resolve().parents[1] / "assets" / "checkpoints"


def _shipped(name: str, script: str, device: torch.device | str | None) -> tuple[dict[str, torch.Tensor], dict]:
    """(state, manifest) of the shipped checkpoint `name`, or a CheckpointError naming the script that makes it."""
    path = CHECKPOINTS / f"{name}.safetensors"
    if not path.with_suffix(".json").exists():
        raise CheckpointError(f"No checkpoint {path.name} in {CHECKPOINTS} (a pip-installed copy of the book has no "
                              f"assets); train it with: python {script}")  # fmt: skip
    return load_checkpoint(path, device=device)


def load_gpt(name: str = "gpt_chars", device: torch.device | str | None = None) -> tuple[GPT, CharTokenizer, dict]:
    """The character-level GPT trained on the book's corpus (scripts/train_gpt.py): (model, tokenizer, manifest)."""
    state, manifest = _shipped(name, "scripts/train_gpt.py", device)
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
    state, manifest = _shipped(name, f"scripts/train_autoencoders.py {name}", device)
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


GAN_RECIPES = {  # name -> (model config, training settings)
    "gan_ring": (GANConfig(latent=8, hidden=128, pack=2),
                 GANTrainConfig(steps=12000, batch_size=256, lr=5e-4, final_lr=2e-5, log_every=500)),
    "gan_fruits": (GANConfig(data="images", latent=64, hidden=128),
                   GANTrainConfig(steps=3000, batch_size=64, lr=2e-4, log_every=100)),
}  # fmt: skip


def gan_data(name: str) -> torch.Tensor:
    """The real samples a recipe trains on: 20,000 ring points, or the VAE's 5,000 training fruits."""
    return ring_of_gaussians(20000, std=0.05, seed=0)[0] if name == "gan_ring" else autoencoder_data("fruits")[0]


def train_gan_recipe(
    name: str, *, progress: bool = True, device: torch.device | str | None = None,
    on_log: Callable[[int], None] | None = None,
) -> tuple[Generator, Discriminator, pd.DataFrame]:  # fmt: skip
    """Train one of GAN_RECIPES from scratch: (generator, discriminator, history)."""
    if name not in GAN_RECIPES:
        raise ValueError(f"Unknown model {name!r}; choose from {', '.join(GAN_RECIPES)}.")
    config, schedule = GAN_RECIPES[name]
    torch.manual_seed(0)
    generator, discriminator = Generator(config).to(device), Discriminator(config).to(device)
    history = train_gan(generator, discriminator, gan_data(name), schedule, progress=progress, on_log=on_log, desc=name)
    return generator, discriminator, history


def load_gan(name: str, device: torch.device | str | None = None) -> tuple[Generator, dict]:
    """A shipped GAN generator (scripts/train_gans.py): (generator in eval mode, manifest)."""
    state, manifest = _shipped(name, f"scripts/train_gans.py {name}", device)
    generator = Generator(GANConfig(**manifest["config"])).to(device)
    generator.load_state_dict(state)
    return generator.eval(), manifest


def train_fruit_classifier(*, progress: bool = True, device: torch.device | str | None = None
                           ) -> tuple[FruitClassifier, pd.DataFrame]:  # fmt: skip
    """The feature network of the book's Fréchet distance: trained on 3,000 fruits of seed 1, checked on seed 0's."""
    fruits = make_fruits(3000, seed=1)
    held_out = make_fruits(6000, seed=0)
    x, y = fruits.to_tensor(), torch.from_numpy(fruits.labels)
    val = (held_out.to_tensor()[5000:], torch.from_numpy(held_out.labels[5000:]))
    torch.manual_seed(0)
    model = FruitClassifier()
    loss = lambda m, batch: torch.nn.functional.cross_entropy(m(batch[0]), batch[1])  # noqa: E731
    history = train(model, loss, (x, y), val_data=val, config=TrainConfig(steps=800, batch_size=64, eval_every=200),
                    device=device, progress=progress, desc="fruit classifier")  # fmt: skip
    return model.eval(), history


def load_fruit_classifier(device: torch.device | str | None = None) -> tuple[FruitClassifier, dict]:
    """The shipped fruit classifier whose features the Fréchet distance compares: (model, manifest)."""
    state, manifest = _shipped("fruit_classifier", "scripts/train_gans.py fruit_classifier", device)
    model = FruitClassifier().to(device)
    model.load_state_dict(state)
    return model.eval(), manifest
