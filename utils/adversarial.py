"""The adversarial training loop of Chapter 10: a generator and a discriminator trained in turns.

It is `utils.train`'s loop with two optimisers instead of one, built from the same parts:
the learning-rate schedule of `TrainConfig` (here usually a linear decay), seeding that
leaves the caller's random state alone, the progress bar, the check that every loss is a
finite number, and a history table with one row every `eval_every` steps. The losses
themselves (minimax, non-saturating, hinge) live with the models in `utils.gan`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import torch

from .checks import check_count
from .gan import Discriminator, Generator, check_loss_name, check_samples, discriminator_loss, generator_loss
from .train import (
    Data,
    History,
    TrainConfig,
    _batch_source,
    checked_loss,
    make_optimizer,
    progress_bar,
    seeded_loop,
    set_lr,
)


@dataclass
class GANTrainConfig(TrainConfig):
    """`TrainConfig` with DCGAN's defaults and the two settings only a GAN has (`eval_batches` is unused)."""

    lr: float = 2e-4  # Adam learning rate, for both networks
    betas: tuple[float, float] = (0.5, 0.999)  # DCGAN's Adam settings
    grad_clip: float | None = None  # GANs are usually trained without clipping
    eval_every: int = 50  # record the losses (and call on_evaluate) every this many generator steps
    d_steps: int = 1  # discriminator updates per generator update
    loss: str = "nonsaturating"  # "minimax", "nonsaturating" or "hinge" (see utils.gan)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_count(self.d_steps, "d_steps")
        check_loss_name(self.loss)


def train_gan(
    generator: Generator,
    discriminator: Discriminator,
    data: Data,
    config: GANTrainConfig | None = None,
    *,
    progress: bool = True,
    on_evaluate: Callable[[pd.DataFrame], None] | None = None,
    desc: str = "GAN",
) -> pd.DataFrame:
    """Train G and D in turns on real samples `data` (N, ...); returns the history (step, d_loss, g_loss, seconds).

    Each step: `d_steps` discriminator updates on a batch of real and a batch of generated
    samples, then one generator update. Each row of the history holds the mean losses since
    the row before (the last discriminator update of each step). Both networks stay on the
    generator's device.
    """
    config = config or GANTrainConfig()
    if not isinstance(generator, Generator) or not isinstance(discriminator, Discriminator):
        raise TypeError("train_gan needs a utils.gan Generator and Discriminator.")
    if generator.config.sample_shape != discriminator.config.sample_shape:
        raise ValueError("The generator and the discriminator must work on samples of the same shape.")
    if isinstance(data, torch.Tensor):
        check_samples(data, generator.config)
    pack = discriminator.config.pack
    if config.batch_size % pack:
        raise ValueError(f"batch_size ({config.batch_size}) must be a multiple of pack={pack}.")
    device = next(generator.parameters()).device
    discriminator.to(device)
    next_batch = _batch_source(data, config.batch_size, "data")
    history = History(on_evaluate)
    with seeded_loop(config) as rng:
        g_opt, d_opt = make_optimizer(generator, config), make_optimizer(discriminator, config)
        bar = progress_bar(config, progress, desc)
        generator.train()
        discriminator.train()
        d_sum, g_sum, count = 0.0, 0.0, 0  # losses since the last record, averaged as utils.train does
        for step in bar:
            set_lr(g_opt, config.lr_at(step))
            set_lr(d_opt, config.lr_at(step))
            for _ in range(config.d_steps):
                real = next_batch(rng).to(device)
                with torch.no_grad():
                    fake = generator(generator.noise(config.batch_size, rng))
                d_loss = discriminator_loss(_judged(discriminator, real, step), _judged(discriminator, fake, step),
                                            config.loss)  # fmt: skip
                d_opt.zero_grad(set_to_none=True)
                checked_loss(d_loss, step).backward()
                _clip(discriminator, config)
                d_opt.step()
            fake = generator(generator.noise(config.batch_size, rng))
            g_loss = generator_loss(_judged(discriminator, fake, step), config.loss)
            g_opt.zero_grad(set_to_none=True)
            checked_loss(g_loss, step).backward()
            _clip(generator, config)
            g_opt.step()
            d_sum, g_sum, count = d_sum + d_loss.item(), g_sum + g_loss.item(), count + 1
            if step % config.eval_every == 0 or step == config.steps:
                history.record(step, d_loss=d_sum / count, g_loss=g_sum / count)
                bar.set_postfix(d=f"{d_sum / count:.3f}", g=f"{g_sum / count:.3f}")
                d_sum, g_sum, count = 0.0, 0.0, 0
        bar.close()
    generator.eval()
    discriminator.eval()
    return history.frame()


def _clip(model: torch.nn.Module, config: GANTrainConfig) -> None:
    if config.grad_clip is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)


def _judged(discriminator: Discriminator, samples: torch.Tensor, step: int) -> torch.Tensor:
    """The discriminator's logits on `samples`, or a FloatingPointError if training has diverged."""
    if not bool(torch.isfinite(samples).all()):
        raise FloatingPointError(f"The generator's samples became NaN or infinite at step {step}; try a smaller lr.")
    logits = discriminator(samples)
    if not bool(torch.isfinite(logits).all()):
        raise FloatingPointError(f"The discriminator's scores became NaN or infinite at step {step}; "
                                 "try a smaller lr.")  # fmt: skip
    return logits
