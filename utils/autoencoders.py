"""Autoencoders and variational autoencoders for small images (Chapter 9).

An autoencoder squeezes an image through a short code z and rebuilds it; a denoising
autoencoder learns to rebuild the clean image from a noisy one (Vincent et al., 2008).
A variational autoencoder (Kingma and Welling, 2014) makes the code random: the encoder
outputs a Gaussian q(z|x) = N(mu, diag(sigma^2)), a sample z = mu + sigma * eps (the
reparameterisation trick) is decoded, and training maximises the evidence lower bound

    ELBO(x) = E_q[log p(x|z)] - beta * KL(q(z|x) || N(0, I)),

with beta = 1 for the true bound (beta-VAE: Higgins et al., 2017). Pixels are modelled as
Bernoulli probabilities, so -log p(x|z) is the binary cross-entropy summed over pixels
and every loss is in nats per image. For pixel shades between 0 and 1 (not only 0 or 1)
the Bernoulli formula is not a normalised density, so the ELBO and the importance-weighted
bound here are scores that rank images under one model, not log-likelihoods to compare
across models; the continuous Bernoulli (Loaiza-Ganem and Cunningham, 2019) adds the
missing normalising constant. The book keeps the plain Bernoulli loss. Encoders and decoders come as MLPs or small
convolutional networks. Images are (B, C, H, W) tensors with values in [0, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .checks import check_count, check_images, check_number, check_tensor
from .device import randn


@dataclass
class AutoencoderConfig:
    image_size: int = 32  # height and width of the (square) images
    channels: int = 3  # 3 for colour, 1 for grey
    latent: int = 16  # length of the code z
    hidden: int = 256  # width of the MLP's hidden layer, or channels of the last conv layer
    conv: bool = True  # convolutional (True) or fully connected (False) encoder and decoder
    variational: bool = False  # a VAE instead of a plain autoencoder
    beta: float = 1.0  # VAE: weight of the KL term

    def __post_init__(self) -> None:
        for name in ("image_size", "channels", "latent", "hidden"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}.")
        if self.conv and self.image_size % 4:
            raise ValueError(f"A convolutional autoencoder needs an image size divisible by 4, got {self.image_size}.")
        if self.conv and self.hidden < 2:
            raise ValueError(f"A convolutional autoencoder needs hidden of at least 2, got {self.hidden}.")
        if isinstance(self.beta, bool) or not isinstance(self.beta, (int, float)) or not 0 <= self.beta < math.inf:
            raise ValueError(f"beta must be 0 or more (and finite), got {self.beta!r}.")


def kl_gaussian(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) in nats, summed over the last dimension: (B, Z) -> (B,)."""
    _check_gaussian(mu, logvar)
    if mu.dim() == 0:
        raise ValueError("mu and logvar need a last dimension to sum over (the code's Z numbers), got single numbers.")
    return _kl_gaussian(mu, logvar)


def _kl_gaussian(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(dim=-1)


def _check_gaussian(mu: torch.Tensor, logvar: torch.Tensor) -> None:
    """mu and logvar: finite float tensors of one shape."""
    check_tensor(mu, "mu")
    check_tensor(logvar, "logvar")
    if mu.shape != logvar.shape:
        raise ValueError(f"mu and logvar must have the same shape, got {tuple(mu.shape)} and {tuple(logvar.shape)}.")


def _body(config: AutoencoderConfig, outputs: int) -> torch.nn.Module:
    c, s, h = config.channels, config.image_size, config.hidden
    if not config.conv:
        return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(c * s * s, h), torch.nn.GELU(),
                                   torch.nn.Linear(h, outputs))  # fmt: skip
    return torch.nn.Sequential(
        torch.nn.Conv2d(c, h // 2, 4, stride=2, padding=1), torch.nn.GELU(),  # (B, h/2, s/2, s/2)
        torch.nn.Conv2d(h // 2, h, 4, stride=2, padding=1), torch.nn.GELU(),  # (B, h, s/4, s/4)
        torch.nn.Flatten(), torch.nn.Linear(h * (s // 4) ** 2, outputs),
    )  # fmt: skip


class _Decoder(torch.nn.Module):
    def __init__(self, config: AutoencoderConfig):
        super().__init__()
        c, s, h, z = config.channels, config.image_size, config.hidden, config.latent
        self.shape = (c, s, s)
        if config.conv:
            self.net = torch.nn.Sequential(
                torch.nn.Linear(z, h * (s // 4) ** 2), torch.nn.GELU(), torch.nn.Unflatten(1, (h, s // 4, s // 4)),
                torch.nn.ConvTranspose2d(h, h // 2, 4, stride=2, padding=1), torch.nn.GELU(),  # (B, h/2, s/2, s/2)
                torch.nn.ConvTranspose2d(h // 2, c, 4, stride=2, padding=1),  # (B, C, s, s) logits
            )  # fmt: skip
        else:
            self.net = torch.nn.Sequential(torch.nn.Linear(z, h), torch.nn.GELU(), torch.nn.Linear(h, c * s * s),
                                           torch.nn.Unflatten(1, self.shape))  # fmt: skip

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)  # (B, C, H, W) pixel logits


class Autoencoder(torch.nn.Module):
    """A plain autoencoder, or a VAE when `config.variational` is set."""

    def __init__(self, config: AutoencoderConfig):
        if not isinstance(config, AutoencoderConfig):
            raise TypeError(f"config must be an AutoencoderConfig, got {type(config).__name__}.")
        super().__init__()
        self.config = config
        self.encoder = _body(config, 2 * config.latent if config.variational else config.latent)
        self.decoder = _Decoder(config)

    def check_images(self, x: torch.Tensor, name: str = "images") -> torch.Tensor:
        """`x` as a batch (B, C, H, W) of the model's image shape and float type, if its pixels are in [0, 1]."""
        c, s = self.config.channels, self.config.image_size
        check_images(x, name, channels=c, size=s)
        return x.to(self._dtype)  # float64 pictures are fine: the same values in the weights' type

    @property
    def _dtype(self) -> torch.dtype:
        return next(self.parameters()).dtype

    def encode(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Images (B, C, H, W) -> code z (B, Z); for a VAE, (mu, logvar) of q(z|x)."""
        return self._encode(self.check_images(x))

    def _encode(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        return h.chunk(2, dim=-1) if self.config.variational else h

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Codes (B, Z) -> images (B, C, H, W) in [0, 1]."""
        z_size = self.config.latent
        check_tensor(z, "z")
        if z.dim() != 2 or z.shape[1] != z_size:
            raise ValueError(f"z must have shape (batch, {z_size}), one code of {z_size} numbers per image; "
                             f"got {tuple(z.shape)}.")  # fmt: skip
        return self._decode(z.to(self._dtype))

    def _decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(z))

    def forward(self, x: torch.Tensor, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """Rebuilt images; a VAE decodes one random z ~ q(z|x)."""
        x = self.check_images(x)
        if not self.config.variational:
            return self._decode(self._encode(x))
        mu, logvar = self._encode(x)
        return self._decode(_reparameterize(mu, logvar, generator))

    def loss(self, x: torch.Tensor, *, noise: float = 0.0, generator: torch.Generator | None = None) -> torch.Tensor:
        """Mean loss per image in nats: reconstruction (+ beta KL for a VAE). With `noise`, a denoising loss."""
        x = self.check_images(x)
        check_number(noise, "noise", low=0)
        source = x
        if noise > 0:
            source = (x + noise * randn(tuple(x.shape), generator=generator, device=x.device)).clamp(0, 1)
        if not self.config.variational:
            logits = self.decoder(self._encode(source))
            return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1).mean()
        recon, kl = self._elbo_terms(source, x, generator)
        return (recon + self.config.beta * kl).mean()

    def elbo_terms(self, x: torch.Tensor, *, target: torch.Tensor | None = None,
                   generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
        """Per image: (-E_q log p(x|z) estimated with one sample, KL(q || prior)), both (B,) in nats."""
        self._check_variational("an ELBO")
        x = self.check_images(x)
        if target is None:
            target = x
        else:
            target = self.check_images(target, "target")
            if target.shape != x.shape:
                raise ValueError(f"target must have the shape of x, {tuple(x.shape)}, got {tuple(target.shape)}.")
        return self._elbo_terms(x, target, generator)

    def _elbo_terms(self, x: torch.Tensor, target: torch.Tensor,
                    generator: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
        mu, logvar = self._encode(x)
        logits = self.decoder(_reparameterize(mu, logvar, generator))
        recon = F.binary_cross_entropy_with_logits(logits, target, reduction="none").flatten(1).sum(1)
        return recon, _kl_gaussian(mu, logvar)

    def _check_variational(self, what: str) -> None:
        if not self.config.variational:
            raise ValueError(f"Only a VAE has {what}; build the config with variational=True.")

    @torch.no_grad()
    def importance_weighted_bound(self, x: torch.Tensor, k: int = 100,
                                  generator: torch.Generator | None = None) -> torch.Tensor:  # fmt: skip
        """The k-sample importance-weighted bound (Burda et al., 2016): (B,) nats per image.

        It draws z_1..z_k from q(z|x) and returns log((1/k) sum_i w_i), the log of the average importance
        weight w_i = p(z_i) p(x|z_i) / q(z_i|x). On the same draws it is never below the ELBO estimate
        (1/k) sum_i log w_i (Jensen); over draws it is above the ELBO in expectation, not for every
        estimate. With Bernoulli pixels it bounds the Bernoulli score, not a normalised log-likelihood.
        An evaluation, without gradients; the k * B decodings run a few images at a time, so memory stays
        small (about 1,024 decoded images at once).
        """
        self._check_variational("an importance-weighted bound")
        x = self.check_images(x)
        check_count(k, "k (the number of samples per image)")
        mu, logvar = self._encode(x)
        std = (0.5 * logvar).exp()
        eps = randn((k, *mu.shape), generator=generator, device=mu.device)
        z = mu + std * eps  # (k, B, Z)
        step = max(1, 1024 // k)  # images per chunk
        log_px = torch.cat([-F.binary_cross_entropy_with_logits(
            self.decoder(z[:, i : i + step].flatten(0, 1)).view(k, *x[i : i + step].shape),
            x[i : i + step].expand(k, *x[i : i + step].shape), reduction="none").flatten(2).sum(2)
            for i in range(0, len(x), step)], dim=1)  # (k, B)  # fmt: skip
        log_pz = -0.5 * (z.pow(2) + math.log(2 * math.pi)).sum(-1)
        log_qz = -0.5 * (eps.pow(2) + math.log(2 * math.pi) + logvar).sum(-1)
        return torch.logsumexp(log_px + log_pz - log_qz, dim=0) - math.log(k)

    @torch.no_grad()
    def sample(self, n: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """n new images decoded from the prior z ~ N(0, I)."""
        check_count(n, "n (the number of images)")
        device = next(self.parameters()).device
        return self._decode(randn((n, self.config.latent), generator=generator, device=device))


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """z = mu + sigma * eps with eps ~ N(0, I): a sample that gradients can flow through."""
    _check_gaussian(mu, logvar)
    return _reparameterize(mu, logvar, generator)


def _reparameterize(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    eps = randn(tuple(mu.shape), generator=generator, device=mu.device)
    return mu + (0.5 * logvar).exp() * eps


@torch.no_grad()
def reconstruction_error(model: Autoencoder, x: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Mean squared error per image between x and its reconstruction (the mean code for a VAE): (B,)."""
    if not isinstance(model, Autoencoder):
        raise TypeError(f"model must be an Autoencoder, got {type(model).__name__}.")
    x = model.check_images(x)
    check_count(batch_size, "batch_size")
    out = []
    for i in range(0, len(x), batch_size):
        batch = x[i : i + batch_size]
        code = model._encode(batch)
        rebuilt = model._decode(code[0] if model.config.variational else code)
        out.append((rebuilt - batch).pow(2).flatten(1).mean(1))
    return torch.cat(out)
