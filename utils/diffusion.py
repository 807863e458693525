"""Diffusion models (Chapter 12): drown data in noise step by step, then learn to walk back.

The forward process adds a little Gaussian noise at each of T steps,
x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps, until nothing of the data is left. Because
Gaussians add up to a Gaussian, any step can be reached in one jump (Ho, Jain and Abbeel,
2020): x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, with abar_t the product of
(1 - beta_s) for s <= t. Steps are numbered 1..T as in the paper; t = 0 is the data itself.

A network learns to predict the noise eps in x_t (a small MLP for 2D points, a small U-Net
for the 32x32 fruit pictures; or v, a mix of noise and data that is better behaved at the noisy
end, Salimans and Ho, 2022), and a sampler walks from pure noise back to data:
DDPM (one random step per t) or DDIM (Song, Meng and Ermon, 2021: any subset of the steps,
with `eta` = 0 for a deterministic walk). A model trained with labels, some of them hidden,
draws a chosen class with classifier-free guidance (Ho and Salimans, 2022).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .attention import MultiHeadAttention
from .checks import check_choice, check_count, check_images, check_number, check_tensor
from .device import randn

SCHEDULES = ("linear", "cosine")


class NoiseSchedule:
    """How much noise each of the T steps adds: beta_t, alpha_t = 1 - beta_t and abar_t for t = 0..T.

    "linear": beta rises evenly from 1e-4 to 0.02 over 1,000 steps (Ho et al., 2020; scaled
    for other T). "cosine": abar_t follows a squared cosine, so that the middle steps keep more
    of the signal (Nichol and Dhariwal, 2021). Index 0 holds the clean data: beta_0 = 0, abar_0 = 1.
    """

    def __init__(self, name: str = "cosine", steps: int = 1000):
        check_choice(name, "noise schedule", SCHEDULES)
        check_count(steps, "steps (T, the number of noising steps)", minimum=2)
        self.name, self.T = name, steps
        if name == "linear":
            betas = torch.linspace(1e-4 * 1000 / steps, 0.02 * 1000 / steps, steps, dtype=torch.float64).clamp(
                max=0.999
            )
        else:
            s = 0.008  # keeps beta_1 from being too small
            f = torch.cos((torch.arange(steps + 1, dtype=torch.float64) / steps + s) / (1 + s) * math.pi / 2) ** 2
            betas = (1 - f[1:] / f[:-1]).clamp(max=0.999)
        self.betas = torch.cat([torch.zeros(1, dtype=torch.float64), betas])  # (T + 1,)
        self.alphas = 1 - self.betas
        self.alpha_bars = torch.cumprod(self.alphas, dim=0)
        # Worked out once in float64: 1 - abar_t in float32 loses most of its digits when abar_t is near 1.
        self.signal, self.noise = self.alpha_bars.sqrt(), (1 - self.alpha_bars).sqrt()  # sqrt(abar), sqrt(1 - abar)
        previous = torch.cat([torch.ones(1, dtype=torch.float64), self.alpha_bars[:-1]])  # abar_{t-1}
        spread = torch.cat([torch.ones(1, dtype=torch.float64), 1 - self.alpha_bars[1:]])  # 1 - abar_t (1 at t = 0)
        self.posterior_x0 = previous.sqrt() * self.betas / spread  # the weights of q(x_{t-1} | x_t, x_0)'s mean
        self.posterior_xt = self.alphas.sqrt() * (1 - previous) / spread
        self.posterior_variance = self.betas * (1 - previous) / spread

    def __repr__(self) -> str:
        return f"NoiseSchedule({self.name!r}, steps={self.T})"

    def check_t(self, t: int | torch.Tensor, *, lowest: int = 0) -> torch.Tensor:
        """`t` as a long tensor, after checking every value is a step in [lowest, T]."""
        if isinstance(t, bool) or not isinstance(t, int | torch.Tensor):
            raise TypeError(f"t must be a whole number or a tensor of them, got {type(t).__name__}.")
        t = torch.as_tensor(t)
        check_tensor(t, "t", kind="int", nonempty=True)
        if int(t.min()) < lowest or int(t.max()) > self.T:
            raise ValueError(f"t must be a step from {lowest} to T = {self.T}, got values from {int(t.min())} to "
                             f"{int(t.max())}.")  # fmt: skip
        return t.long()

    def snr(self, t: int | torch.Tensor) -> torch.Tensor:
        """The signal-to-noise ratio abar_t / (1 - abar_t) at step(s) t >= 1."""
        ab = self.alpha_bars[self.check_t(t, lowest=1)]
        return ab / (1 - ab)


def _coefficient(values: torch.Tensor, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """values[t] shaped to broadcast over a batch `like` (B, ...), in its dtype and on its device."""
    c = values.to(like.device)[t.to(like.device)].to(like.dtype)
    return c.reshape(c.shape + (1,) * (like.dim() - c.dim()))


def _check_data(x: torch.Tensor, name: str) -> torch.Tensor:
    return check_tensor(x, name, kind="float")


def _check_batch_t(t: int | torch.Tensor, x: torch.Tensor, schedule: NoiseSchedule, lowest: int) -> torch.Tensor:
    t = schedule.check_t(t, lowest=lowest)
    if t.dim() == 0:
        return t.expand(len(x))
    if t.shape != (len(x),):
        raise ValueError(f"t must be one step or one per example (shape ({len(x)},)), got shape {tuple(t.shape)}.")
    return t


def noised(
    x0: torch.Tensor,
    t: int | torch.Tensor,
    schedule: NoiseSchedule,
    noise: torch.Tensor | None = None,
    *,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """x_t in one jump: sqrt(abar_t) x0 + sqrt(1 - abar_t) noise, for a batch x0 (B, ...) and step(s) t in [0, T]."""
    _check_data(x0, "x0")
    t = _check_batch_t(t, x0, schedule, lowest=0)
    if noise is None:
        noise = randn(tuple(x0.shape), generator=generator, device=x0.device)
    elif _check_data(noise, "noise").shape != x0.shape:
        raise ValueError(f"noise must have the shape of x0 {tuple(x0.shape)}, got {tuple(noise.shape)}.")
    return _coefficient(schedule.signal, t, x0) * x0 + _coefficient(schedule.noise, t, x0) * noise


def noise_step(
    x: torch.Tensor, t: int, schedule: NoiseSchedule, *, generator: torch.Generator | None = None
) -> torch.Tensor:
    """One step of the forward process: x_{t-1} -> x_t = sqrt(alpha_t) x_{t-1} + sqrt(beta_t) eps, for t in [1, T]."""
    _check_data(x, "x")
    t = _check_batch_t(t, x, schedule, lowest=1)
    eps = randn(tuple(x.shape), generator=generator, device=x.device)
    return _coefficient(schedule.alphas, t, x).sqrt() * x + _coefficient(schedule.betas, t, x).sqrt() * eps


def posterior(
    x0: torch.Tensor, xt: torch.Tensor, t: int | torch.Tensor, schedule: NoiseSchedule
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and variance of q(x_{t-1} | x_t, x_0), the step back when the clean data is known (t in [1, T])."""
    _check_data(x0, "x0")
    if _check_data(xt, "xt").shape != x0.shape:
        raise ValueError(f"xt must have the shape of x0 {tuple(x0.shape)}, got {tuple(xt.shape)}.")
    t = _check_batch_t(t, x0, schedule, lowest=1)
    mean = _coefficient(schedule.posterior_x0, t, x0) * x0 + _coefficient(schedule.posterior_xt, t, x0) * xt
    return mean, _coefficient(schedule.posterior_variance, t, x0).expand_as(x0)


# ----------------------------------------------------------------------------- denoisers


def _check_steps(t: torch.Tensor, n: int) -> None:
    check_tensor(t, "t", shape=(n,), kind="int")
    if int(t.min()) < 0:
        raise ValueError(f"Steps t count from 0 (the data) upwards, got {int(t.min())}.")


def time_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sines and cosines of the step t (B,) at `dim` // 2 frequencies (as the transformer's positions): (B, dim)."""
    check_tensor(t, "t", dims=1, kind=None)
    check_count(dim, "dim")
    if dim % 2:
        raise ValueError(f"dim must be even (a sine and a cosine per frequency), got {dim}.")
    half = dim // 2
    frequencies = torch.exp(-math.log(10000) * torch.arange(half, device=t.device) / half)
    angles = t.float()[:, None] * frequencies[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class MLPDenoiser(torch.nn.Module):
    """Predicts the noise in 2D points: (x_t (B, 2), t (B,)) -> eps (B, 2)."""

    def __init__(self, hidden: int = 128, time_dim: int = 32, layers: int = 3):
        for value, name in ((hidden, "hidden"), (time_dim, "time_dim"), (layers, "layers")):
            check_count(value, name)
        if time_dim % 2:
            raise ValueError(f"time_dim must be even (a sine and a cosine per frequency), got {time_dim}.")
        super().__init__()
        self.time_dim = time_dim
        sizes = [2 + time_dim] + [hidden] * layers
        body = []
        for a, b in zip(sizes, sizes[1:], strict=False):
            body += [torch.nn.Linear(a, b), torch.nn.SiLU()]
        self.net = torch.nn.Sequential(*body, torch.nn.Linear(hidden, 2))

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        check_tensor(x, "x", shape=(None, 2))
        _check_steps(t, len(x))
        if labels is not None:
            raise ValueError("The 2D denoiser takes no labels.")
        return self.net(torch.cat([x, time_embedding(t, self.time_dim)], dim=1))


class _ResBlock(torch.nn.Module):
    """Two 3x3 convolutions with the step's embedding added in between, and a shortcut around them."""

    def __init__(self, cin: int, cout: int, emb: int):
        super().__init__()
        self.norm1, self.conv1 = torch.nn.GroupNorm(8, cin), torch.nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = torch.nn.Linear(emb, cout)
        self.norm2, self.conv2 = torch.nn.GroupNorm(8, cout), torch.nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = torch.nn.Conv2d(cin, cout, 1) if cin != cout else torch.nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x))) + self.emb(emb)[:, :, None, None]
        return self.skip(x) + self.conv2(F.silu(self.norm2(h)))


class _SelfAttention2d(torch.nn.Module):
    """Every pixel of a small feature map attends to every other (Chapter 7's multi-head attention)."""

    def __init__(self, channels: int, heads: int = 4):
        super().__init__()
        self.norm, self.attention = torch.nn.GroupNorm(8, channels), MultiHeadAttention(channels, heads)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, C, H, W = x.shape
        tokens = self.norm(x).flatten(2).transpose(1, 2)  # (B, H*W, C): one token per pixel
        return x + self.attention(tokens, fused=True).transpose(1, 2).reshape(B, C, H, W)


class UNet(torch.nn.Module):
    """Predicts the noise in images: (x_t (B, C, S, S), t (B,), labels (B,) or None) -> (B, C, S, S).

    Each 2x2 square of pixels is first folded into one position with 4C channels (four times
    cheaper, and unfolded at the end). Then three resolutions (S/2, S/4, S/8) with `width`,
    2 `width` and 2 `width` channels: down through residual blocks, self-attention at the
    lowest resolution, and up again, each level joined to its twin on the way down (the U).
    The step t, and the class when there are labels, enter every residual block as one
    embedding. Label `classes` means "no class". The output is the noise, or v (see Diffusion).
    """

    def __init__(self, channels: int = 3, width: int = 32, classes: int = 0):
        check_count(channels, "channels")
        check_count(width, "width")
        check_count(classes, "classes", minimum=0)
        if width % 8:
            raise ValueError(f"width must be divisible by 8 (the layers normalise groups of channels), got {width}.")
        super().__init__()
        w, emb = width, 4 * width
        self.width, self.classes = width, classes
        self.time = torch.nn.Sequential(torch.nn.Linear(w, emb), torch.nn.SiLU(), torch.nn.Linear(emb, emb))
        self.label = torch.nn.Embedding(classes + 1, emb) if classes else None
        self.stem = torch.nn.Conv2d(4 * channels, w, 3, padding=1)  # after folding 2x2 pixels into channels
        self.down1 = _ResBlock(w, w, emb)  # S/2
        self.down2 = _ResBlock(w, 2 * w, emb)  # S/4
        self.mid1, self.attend, self.mid2 = (
            _ResBlock(2 * w, 2 * w, emb),
            _SelfAttention2d(2 * w),
            _ResBlock(2 * w, 2 * w, emb),
        )
        self.up2 = _ResBlock(4 * w, 2 * w, emb)  # S/4, with the skip from down2
        self.up1 = _ResBlock(3 * w, w, emb)  # S/2, with the skip from down1
        self.out = torch.nn.Sequential(
            torch.nn.GroupNorm(8, w), torch.nn.SiLU(), torch.nn.Conv2d(w, 4 * channels, 3, padding=1)
        )

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        check_images(x, "x", channels=self.out[-1].out_channels // 4, low=-math.inf, high=math.inf)
        if x.shape[2] % 8 or x.shape[3] % 8:
            raise ValueError(f"The U-Net needs images whose height and width divide by 8, got {tuple(x.shape[2:])}.")
        _check_steps(t, len(x))
        if labels is not None:
            check_tensor(labels, "labels", shape=(len(x),), kind="int")
            if self.label is None or int(labels.min()) < 0 or int(labels.max()) > self.classes:
                raise ValueError(f"labels must be classes 0..{self.classes} ({self.classes} = no class) for this "
                                 f"U-Net, got values from {int(labels.min())} to {int(labels.max())}.")  # fmt: skip
        emb = self.time(time_embedding(t, self.width))
        if self.label is not None:
            emb = emb + self.label(labels if labels is not None else torch.full_like(t, self.classes))
        h1 = self.down1(self.stem(F.pixel_unshuffle(x, 2)), emb)  # (B, w, S/2, S/2)
        h2 = self.down2(F.avg_pool2d(h1, 2), emb)  # (B, 2w, S/4, S/4)
        h = self.mid1(F.avg_pool2d(h2, 2), emb)  # (B, 2w, S/8, S/8)
        h = self.mid2(self.attend(h), emb)  # every position of the S/8 map attends to every other
        h = self.up2(torch.cat([F.interpolate(h, scale_factor=2.0), h2], dim=1), emb)
        h = self.up1(torch.cat([F.interpolate(h, scale_factor=2.0), h1], dim=1), emb)
        return F.pixel_shuffle(self.out(h), 2)


# ----------------------------------------------------------------------------- the model and its samplers


@dataclass
class DiffusionConfig:
    data: str = "points"  # "points" (2D, an MLP denoiser) or "images" (square RGB pictures in [0, 1], a U-Net)
    schedule: str = "cosine"  # the noise schedule: "linear" or "cosine"
    steps: int = 1000  # T, the number of noising steps
    hidden: int = 128  # the MLP's width, or the U-Net's channels at its highest resolution
    image_size: int = 32  # images: height and width (divisible by 8)
    channels: int = 3  # images: colour channels
    classes: int = 0  # > 0: the model also learns from labels 0..classes-1 (for guidance)
    p_uncond: float = 0.1  # with labels: how often a label is hidden in training, so it also learns "no class"
    prediction: str = "eps"  # what the network outputs: "eps" (the noise) or "v" (sqrt(abar) eps - sqrt(1 - abar) x0)

    def __post_init__(self) -> None:
        check_choice(self.data, "kind of data", ("points", "images"))
        check_choice(self.schedule, "noise schedule", SCHEDULES)
        check_count(self.steps, "steps", minimum=2)
        for name in ("hidden", "image_size", "channels"):
            check_count(getattr(self, name), name)
        check_count(self.classes, "classes", minimum=0)
        check_number(self.p_uncond, "p_uncond", low=0, high=1)
        check_choice(self.prediction, "prediction", ("eps", "v"))
        if self.data == "images" and (self.image_size % 8 or self.hidden % 8):
            raise ValueError(f"For images, image_size and hidden must be divisible by 8, got {self.image_size} and "
                             f"{self.hidden}.")  # fmt: skip

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return (2,) if self.data == "points" else (self.channels, self.image_size, self.image_size)


def timesteps(T: int, steps: int) -> list[int]:
    """The steps a sampler visits, from T down to 1: all T of them, or `steps` of them evenly spread (DDIM)."""
    check_count(T, "T", minimum=2)
    check_count(steps, "steps (sampling steps)", maximum=T)
    return sorted({int(round(s)) for s in np.linspace(T, 1, steps)}, reverse=True)  # one step: [T]


class Diffusion(torch.nn.Module):
    """A denoising diffusion model: its noise schedule and a network that predicts the noise in x_t (or v).

    Points are used as they are; images in [0, 1] are mapped to [-1, 1] inside, where
    the noise lives, and back when sampled.
    """

    def __init__(self, config: DiffusionConfig):
        if not isinstance(config, DiffusionConfig):
            raise TypeError(f"config must be a DiffusionConfig, got {type(config).__name__}.")
        super().__init__()
        self.config = config
        self.schedule = NoiseSchedule(config.schedule, config.steps)
        self.register_buffer("_where", torch.zeros(0), persistent=False)  # moves with the model: its device
        if config.data == "points":
            if config.classes:
                raise ValueError("Labels (classes > 0) are only supported for images.")
            self.net = MLPDenoiser(config.hidden)
        else:
            self.net = UNet(config.channels, config.hidden, config.classes)

    @property
    def device(self) -> torch.device:
        return self._where.device

    # -- data in and out --------------------------------------------------------------
    def _to_model(self, x: torch.Tensor, name: str = "x") -> torch.Tensor:
        """Data -> the space the noise is added in (points as they are; images from [0, 1] to [-1, 1])."""
        if self.config.data == "points":
            return check_tensor(x, name, shape=(None, 2)).to(self.device)
        check_images(x, name, channels=self.config.channels, size=self.config.image_size)
        return x.to(self.device) * 2 - 1

    def _from_model(self, x: torch.Tensor) -> torch.Tensor:
        return x if self.config.data == "points" else ((x + 1) / 2).clamp(0, 1)

    def _check_labels(self, labels: torch.Tensor | None, n: int) -> torch.Tensor | None:
        if labels is None:
            return None
        if not self.config.classes:
            raise ValueError("This model was trained without labels; leave labels=None.")
        check_tensor(labels, "labels", shape=(n,), kind="int")
        if int(labels.min()) < 0 or int(labels.max()) >= self.config.classes:
            raise ValueError(f"labels must be classes 0..{self.config.classes - 1}, got values from "
                             f"{int(labels.min())} to {int(labels.max())}.")  # fmt: skip
        return labels.long().to(self.device)

    # -- training ---------------------------------------------------------------------
    def loss(self, x0: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """The simplified loss of Ho et al.: mean squared error between the noise added and the noise predicted
        (or v and its prediction, with prediction="v"), at a random step t for each example (drawn with torch's
        global random state)."""
        x0 = self._to_model(x0, "x0")
        labels = self._check_labels(labels, len(x0))
        t = torch.randint(1, self.config.steps + 1, (len(x0),), device=self.device)
        noise = torch.randn_like(x0)
        if labels is not None and self.config.p_uncond > 0:  # hide some labels: "no class" is label `classes`
            hidden = torch.rand(len(x0), device=self.device) < self.config.p_uncond
            labels = torch.where(hidden, torch.full_like(labels, self.config.classes), labels)
        xt = noised(x0, t, self.schedule, noise)
        target = noise
        if self.config.prediction == "v":
            signal, spread = _coefficient(self.schedule.signal, t, x0), _coefficient(self.schedule.noise, t, x0)
            target = signal * noise - spread * x0
        return F.mse_loss(self.net(xt, t, labels), target)

    def _eps(self, xt: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """The network's output as a noise prediction (a "v" is converted: eps = sqrt(abar) v + sqrt(1 - abar) x_t)."""
        out = self.net(xt, t, labels)
        if self.config.prediction == "eps":
            return out
        return _coefficient(self.schedule.signal, t, xt) * out + _coefficient(self.schedule.noise, t, xt) * xt

    # -- sampling ---------------------------------------------------------------------
    def predict_noise(
        self, xt: torch.Tensor, t: int | torch.Tensor, labels: torch.Tensor | None = None, guidance: float = 1.0
    ) -> torch.Tensor:
        """The network's guess of the noise in x_t (model space). With labels, classifier-free guidance:
        eps = eps(no class) + guidance * (eps(class) - eps(no class)); guidance 1 is plain conditioning, 0 ignores
        the labels."""
        t = _check_batch_t(t, xt, self.schedule, lowest=1).to(self.device)
        if labels is None or guidance == 1.0:
            return self._eps(xt, t, labels)
        if guidance == 0.0:
            return self._eps(xt, t, None)
        both = self._eps(torch.cat([xt, xt]), torch.cat([t, t]),
                        torch.cat([labels, torch.full_like(labels, self.config.classes)]))  # fmt: skip
        conditional, unconditional = both.chunk(2)
        return unconditional + guidance * (conditional - unconditional)

    @torch.no_grad()
    def sample(
        self,
        n: int,
        *,
        steps: int = 50,
        eta: float = 0.0,
        labels: torch.Tensor | None = None,
        guidance: float = 1.0,
        generator: torch.Generator | None = None,
        noise: torch.Tensor | None = None,
        trajectory: bool = False,
    ) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        """n samples by DDIM over `steps` of the T steps (eta = 0: deterministic; eta = 1 with steps = T: DDPM).

        `labels` (n,) and `guidance` >= 0 steer an image model to classes; `noise` fixes the
        starting x_T. With `trajectory=True` also returns the walk itself: x_T and then x_t after
        every step, in data space (a list of `steps` + 1 tensors on the CPU; images clipped to [0, 1]).
        """
        check_count(n, "n")
        check_number(eta, "eta", low=0, high=1)
        check_number(guidance, "guidance", low=0)
        labels = self._check_labels(labels, n)
        if guidance != 1.0 and labels is None:
            raise ValueError("guidance only applies with labels: give labels=... (the class of each sample).")
        shape = (n, *self.config.sample_shape)
        if noise is None:
            x = randn(shape, generator=generator, device=self.device)
        else:
            x = check_tensor(noise, "noise", shape=shape).to(self.device)
        self.eval()
        path = [self._from_model(x).cpu()] if trajectory else []
        ts = timesteps(self.config.steps, steps)
        for t, t_prev in zip(ts, ts[1:] + [0], strict=True):
            eps = self.predict_noise(x, t, labels, guidance)
            x, _ = ddim_step(x, eps, t, t_prev, self.schedule, eta=eta, generator=generator,
                              clip=self.config.data == "images")  # fmt: skip
            if trajectory:
                path.append(self._from_model(x).cpu())
        out = self._from_model(x)
        return (out, path) if trajectory else out

    @torch.no_grad()
    def sample_ddpm(self, n: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """n samples by the original DDPM sampler: all T steps, each drawn from the estimated posterior
        q(x_{t-1} | x_t, x_0 = the network's guess)."""
        check_count(n, "n")
        self.eval()
        x = randn((n, *self.config.sample_shape), generator=generator, device=self.device)
        for t in range(self.config.steps, 0, -1):
            x0 = predict_x0(x, self.predict_noise(x, t), t, self.schedule, clip=self.config.data == "images")
            mean, variance = posterior(x0, x, t, self.schedule)
            x = mean + variance.sqrt() * randn(tuple(x.shape), generator=generator, device=x.device)
        return self._from_model(x)


def predict_x0(
    xt: torch.Tensor, eps: torch.Tensor, t: int | torch.Tensor, schedule: NoiseSchedule, *, clip: bool = False
) -> torch.Tensor:
    """The clean data implied by x_t and a guess of its noise: (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)."""
    _check_data(xt, "xt")
    if _check_data(eps, "eps").shape != xt.shape:
        raise ValueError(f"eps must have the shape of xt {tuple(xt.shape)}, got {tuple(eps.shape)}.")
    t = _check_batch_t(t, xt, schedule, lowest=1)
    x0 = (xt - _coefficient(schedule.noise, t, xt) * eps) / _coefficient(schedule.signal, t, xt)
    return x0.clamp(-1, 1) if clip else x0


def ddim_step(
    xt: torch.Tensor,
    eps: torch.Tensor,
    t: int,
    t_prev: int,
    schedule: NoiseSchedule,
    *,
    eta: float = 0.0,
    generator: torch.Generator | None = None,
    clip: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One DDIM step from x_t to x_{t_prev} (t_prev < t) given the predicted noise: (x_{t_prev}, predicted x_0).

    x_prev = sqrt(abar_prev) x0 + sqrt(1 - abar_prev - sigma^2) eps + sigma z, with
    sigma = eta sqrt((1 - abar_prev) / (1 - abar_t)) sqrt(1 - abar_t / abar_prev): no fresh noise when eta = 0.
    """
    check_number(eta, "eta", low=0, high=1)
    if not (isinstance(t_prev, int) and isinstance(t, int) and 0 <= t_prev < t):
        raise ValueError(
            f"A DDIM step goes from step t to an earlier step t_prev >= 0, got t={t!r}, t_prev={t_prev!r}."
        )
    x0 = predict_x0(xt, eps, t, schedule, clip=clip)
    if clip:  # the noise that, with the clipped x0, gives back x_t
        ab = float(schedule.alpha_bars[t])
        eps = (xt - math.sqrt(ab) * x0) / math.sqrt(1 - ab)
    ab, ab_prev = float(schedule.alpha_bars[t]), float(schedule.alpha_bars[t_prev])
    sigma = eta * math.sqrt((1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev))
    x = math.sqrt(ab_prev) * x0 + math.sqrt(max(1 - ab_prev - sigma**2, 0.0)) * eps
    if sigma > 0:
        x = x + sigma * randn(tuple(xt.shape), generator=generator, device=xt.device)
    return x, x0


class GaussianDenoiser(torch.nn.Module):
    """The exact best noise prediction E[eps | x_t] when the data is N(mean, std^2) in every coordinate.

    x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps is then Gaussian too, and
    E[eps | x_t] = sqrt(1 - abar_t) (x_t - sqrt(abar_t) mean) / (abar_t std^2 + 1 - abar_t): a closed form
    that can stand in for a trained network (`model.net = GaussianDenoiser(...)`) to test the samplers.
    """

    def __init__(self, mean: float, std: float, schedule: NoiseSchedule):
        check_number(mean, "mean")
        check_number(std, "std", low=0, low_open=True)
        if not isinstance(schedule, NoiseSchedule):
            raise TypeError(f"schedule must be a NoiseSchedule, got {type(schedule).__name__}.")
        super().__init__()
        self.mean, self.std, self.schedule = mean, std, schedule

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        check_tensor(x, "x")
        t = _check_batch_t(t, x, self.schedule, lowest=1)
        signal, spread = _coefficient(self.schedule.signal, t, x), _coefficient(self.schedule.noise, t, x)
        return spread * (x - signal * self.mean) / (signal**2 * self.std**2 + spread**2)
