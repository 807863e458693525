"""Generative adversarial networks (Chapter 10).

A generator G turns random noise z into data; a discriminator D scores how real a sample
looks (a logit). They are trained in turns on opposite goals (Goodfellow et al., 2014):
D to tell real from generated, G to fool D. Two sizes: an MLP pair for 2D points, where
you can watch the game, and a DCGAN-style convolutional pair (Radford, Metz and Chintala,
2016) for the 32x32 fruit pictures.

Losses, on D's logits: "minimax" (the original game, whose generator loss saturates),
"nonsaturating" (the usual fix: G maximises log D(G(z))) and "hinge" (a margin loss that
is often more stable). `pack` > 1 shows the discriminator several samples at once
(PacGAN, Lin et al., 2018), which lets it notice a generator that repeats itself: a
cure for mode collapse. `train_gan` is the loop; it knows only G, D, the data and the
losses.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

LOSSES = ("minimax", "nonsaturating", "hinge")


@dataclass
class GANConfig:
    data: str = "points"  # "points" (2D, MLPs) or "images" (convolutional, square RGB images)
    latent: int = 8  # length of the noise vector z
    hidden: int = 128  # MLP width, or channels of the widest convolutional layer
    image_size: int = 32  # images: height and width (divisible by 8)
    channels: int = 3  # images: colour channels
    pack: int = 1  # samples the discriminator judges together (PacGAN); 1 = one at a time

    def __post_init__(self) -> None:
        if self.data not in ("points", "images"):
            raise ValueError(f"data must be 'points' or 'images', got {self.data!r}.")
        for name in ("latent", "hidden", "image_size", "channels", "pack"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1 (the latent size too), got {value!r}.")
        if self.data == "images" and self.image_size % 8:
            raise ValueError(f"image_size must be divisible by 8, got {self.image_size}.")

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return (2,) if self.data == "points" else (self.channels, self.image_size, self.image_size)


def _mlp(inputs: int, hidden: int, outputs: int) -> torch.nn.Sequential:
    return torch.nn.Sequential(torch.nn.Linear(inputs, hidden), torch.nn.LeakyReLU(0.2),
                               torch.nn.Linear(hidden, hidden), torch.nn.LeakyReLU(0.2),
                               torch.nn.Linear(hidden, hidden), torch.nn.LeakyReLU(0.2),
                               torch.nn.Linear(hidden, outputs))  # fmt: skip


class Generator(torch.nn.Module):
    """Noise z (B, latent) -> a sample: a point (B, 2), or an image (B, C, H, W) in [0, 1]."""

    def __init__(self, config: GANConfig):
        super().__init__()
        self.config = config
        h, s = config.hidden, config.image_size
        if config.data == "points":
            self.net = _mlp(config.latent, h, 2)
        else:
            self.net = torch.nn.Sequential(
                torch.nn.Linear(config.latent, h * (s // 8) ** 2), torch.nn.Unflatten(1, (h, s // 8, s // 8)),
                torch.nn.BatchNorm2d(h), torch.nn.ReLU(),  # (B, h, s/8, s/8)
                torch.nn.ConvTranspose2d(h, h // 2, 4, stride=2, padding=1), torch.nn.BatchNorm2d(h // 2),
                torch.nn.ReLU(),  # (B, h/2, s/4, s/4)
                torch.nn.ConvTranspose2d(h // 2, h // 4, 4, stride=2, padding=1), torch.nn.BatchNorm2d(h // 4),
                torch.nn.ReLU(),  # (B, h/4, s/2, s/2)
                torch.nn.ConvTranspose2d(h // 4, config.channels, 4, stride=2, padding=1), torch.nn.Sigmoid(),
            )  # fmt: skip

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() != 2 or z.shape[1] != self.config.latent:
            raise ValueError(f"Expected noise of shape (batch, {self.config.latent}), got {tuple(z.shape)}.")
        return self.net(z)

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n noise vectors z ~ N(0, I) on the generator's device."""
        device = next(self.parameters()).device
        return torch.randn(n, self.config.latent, generator=generator, device=device)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n new samples, generated in eval mode."""
        was_training = self.training
        self.eval()
        out = self(self.noise(n, generator))
        self.train(was_training)
        return out


class Discriminator(torch.nn.Module):
    """Samples (B, ...) -> one realness logit per group of `pack` samples: (B / pack,)."""

    def __init__(self, config: GANConfig):
        super().__init__()
        self.config = config
        h, s, p = config.hidden, config.image_size, config.pack
        if config.data == "points":
            self.net = _mlp(2 * p, h, 1)
        else:
            self.net = torch.nn.Sequential(
                torch.nn.Conv2d(config.channels * p, h // 4, 4, stride=2, padding=1), torch.nn.LeakyReLU(0.2),
                torch.nn.Conv2d(h // 4, h // 2, 4, stride=2, padding=1), torch.nn.LeakyReLU(0.2),
                torch.nn.Conv2d(h // 2, h, 4, stride=2, padding=1), torch.nn.LeakyReLU(0.2),  # (B, h, s/8, s/8)
                torch.nn.Flatten(), torch.nn.Linear(h * (s // 8) ** 2, 1),
            )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_samples(x, self.config)
        p = self.config.pack
        if len(x) % p:
            raise ValueError(f"The batch size ({len(x)}) must be a multiple of pack={p}.")
        grouped = x.reshape(len(x) // p, p * x.shape[1], *x.shape[2:])  # (B/p, p*2) or (B/p, p*C, H, W)
        return self.net(grouped).squeeze(-1)


def check_samples(x: torch.Tensor, config: GANConfig) -> None:
    """Raise a ValueError saying what is wrong with a batch of points or images."""
    shape = config.sample_shape
    if x.dim() != 1 + len(shape) or tuple(x.shape[1:]) != shape:
        raise ValueError(f"Expected {config.data} of shape (batch, {', '.join(map(str, shape))}), "
                         f"got {tuple(x.shape)}.")  # fmt: skip


def discriminator_loss(real: torch.Tensor, fake: torch.Tensor, loss: str = "nonsaturating") -> torch.Tensor:
    """D's loss from its logits on real and generated samples (lower = better at telling them apart)."""
    _check_loss(loss)
    if loss == "hinge":
        return F.relu(1 - real).mean() + F.relu(1 + fake).mean()
    return F.softplus(-real).mean() + F.softplus(fake).mean()  # -log D(x) - log(1 - D(G(z)))


def generator_loss(fake: torch.Tensor, loss: str = "nonsaturating") -> torch.Tensor:
    """G's loss from D's logits on generated samples (lower = D is more fooled)."""
    _check_loss(loss)
    if loss == "minimax":
        return -F.softplus(fake).mean()  # log(1 - D(G(z))): flat where D is sure, so G learns slowly
    if loss == "hinge":
        return -fake.mean()
    return F.softplus(-fake).mean()  # -log D(G(z))


def _check_loss(loss: str) -> None:
    if loss not in LOSSES:
        raise ValueError(f"Unknown GAN loss {loss!r}; choose one of {', '.join(LOSSES)}.")


@dataclass
class GANTrainConfig:
    steps: int = 2000  # generator updates
    batch_size: int = 64
    lr: float = 2e-4  # Adam learning rate, for both networks
    final_lr: float | None = None  # if set, the learning rate falls linearly to this by the last step
    betas: tuple[float, float] = (0.5, 0.999)  # DCGAN's Adam settings
    d_steps: int = 1  # discriminator updates per generator update
    loss: str = "nonsaturating"
    seed: int = 0
    log_every: int = 50  # record losses (and call on_log) every this many steps

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "d_steps", "log_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}.")
        for name in ("lr", "final_lr"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"{name} (a learning rate) must be positive, got {value!r}.")
        _check_loss(self.loss)

    def lr_at(self, step: int) -> float:
        """The learning rate at generator step `step` (1-based)."""
        if self.final_lr is None:
            return self.lr
        return self.lr + (self.final_lr - self.lr) * (step - 1) / max(1, self.steps - 1)


def train_gan(
    generator: Generator,
    discriminator: Discriminator,
    data: torch.Tensor,
    config: GANTrainConfig | None = None,
    *,
    progress: bool = True,
    on_log: Callable[[int], None] | None = None,
    desc: str = "GAN",
) -> pd.DataFrame:
    """Train G and D in turns on real samples `data` (N, ...); returns the losses every `log_every` steps.

    Each step: `d_steps` discriminator updates on a real and a generated batch, then one
    generator update. `on_log(step)` runs after each logged step (e.g. to save a frame).
    """
    config = config or GANTrainConfig()
    check_samples(data, generator.config)
    if config.batch_size % discriminator.config.pack:
        raise ValueError(f"batch_size ({config.batch_size}) must be a multiple of pack={discriminator.config.pack}.")
    device = next(generator.parameters()).device
    data = data.to(device)
    rng = torch.Generator(device="cpu").manual_seed(config.seed)
    g_opt = torch.optim.Adam(generator.parameters(), lr=config.lr, betas=config.betas)
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=config.lr, betas=config.betas)
    rows, start = [], time.perf_counter()

    def noise() -> torch.Tensor:
        return torch.randn(config.batch_size, generator.config.latent, generator=rng).to(device)

    generator.train()
    discriminator.train()
    for step in tqdm(range(1, config.steps + 1), disable=not progress, desc=desc, unit="step"):
        for group in (*g_opt.param_groups, *d_opt.param_groups):
            group["lr"] = config.lr_at(step)
        for _ in range(config.d_steps):
            real = data[torch.randint(len(data), (config.batch_size,), generator=rng).to(device)]
            with torch.no_grad():
                fake = generator(noise())
            d_loss = discriminator_loss(discriminator(real), discriminator(fake), config.loss)
            d_opt.zero_grad(set_to_none=True)
            d_loss.backward()
            d_opt.step()
        g_loss = generator_loss(discriminator(generator(noise())), config.loss)
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        if step % config.log_every == 0 or step == config.steps:
            rows.append({"step": step, "d_loss": d_loss.item(), "g_loss": g_loss.item(),
                         "seconds": time.perf_counter() - start})  # fmt: skip
            if on_log is not None:
                on_log(step)
    generator.eval()
    discriminator.eval()
    return pd.DataFrame(rows)
