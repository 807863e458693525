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
cure for mode collapse. The training loop is `utils.adversarial.train_gan`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .checks import check_choice, check_count, check_tensor
from .device import randn

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
        check_choice(self.data, "kind of data", ("points", "images"))
        for name in ("latent", "hidden", "image_size", "channels", "pack"):
            check_count(getattr(self, name), name)
        if self.data == "images" and self.image_size % 8:
            raise ValueError(f"image_size must be divisible by 8, got {self.image_size}.")
        if self.data == "images" and self.hidden < 4:
            raise ValueError(f"hidden must be at least 4 for images (one layer has hidden/4), got {self.hidden}.")

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
        _check_config(config)
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
        check_tensor(z, "the noise z", shape=(None, self.config.latent))
        return self.net(z)

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n noise vectors z ~ N(0, I) on the generator's device, drawn on the random generator's device."""
        check_count(n, "the number of samples")
        return randn((n, self.config.latent), generator=generator, device=next(self.parameters()).device)

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
        _check_config(config)
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


def check_samples(x: torch.Tensor, config: GANConfig) -> torch.Tensor:
    """`x` itself if it is a batch of finite points or images of the config's shape; else a ValueError."""
    return check_tensor(x, config.data, shape=(None, *config.sample_shape))


def discriminator_loss(real: torch.Tensor, fake: torch.Tensor, loss: str = "nonsaturating") -> torch.Tensor:
    """D's loss from its logits on real and generated samples (lower = better at telling them apart)."""
    check_loss_name(loss)
    _check_logits(real, "real")
    _check_logits(fake, "fake")
    if loss == "hinge":
        return F.relu(1 - real).mean() + F.relu(1 + fake).mean()
    return F.softplus(-real).mean() + F.softplus(fake).mean()  # -log D(x) - log(1 - D(G(z)))


def generator_loss(fake: torch.Tensor, loss: str = "nonsaturating") -> torch.Tensor:
    """G's loss from D's logits on generated samples (lower = D is more fooled)."""
    check_loss_name(loss)
    _check_logits(fake, "fake")
    if loss == "minimax":
        return -F.softplus(fake).mean()  # log(1 - D(G(z))): flat where D is sure, so G learns slowly
    if loss == "hinge":
        return -fake.mean()
    return F.softplus(-fake).mean()  # -log D(G(z))


def check_loss_name(loss: str) -> str:
    """`loss` itself if it names one of the GAN losses."""
    return check_choice(loss, "GAN loss", LOSSES)


def _check_config(config: object) -> None:
    if not isinstance(config, GANConfig):
        raise TypeError(f"A GAN network is built from a GANConfig, got {type(config).__name__}.")


def _check_logits(logits: torch.Tensor, name: str) -> None:
    check_tensor(logits, f"the discriminator's logits on {name} samples", dims=1)
