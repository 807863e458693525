"""The book's one training loop: seeded, device-agnostic, with a progress bar and a history.

The loop knows nothing about any model. You give it a model, a ``loss_fn(model, batch)``
that returns a scalar loss, and data, either tensors that share their first dimension
(sampled in shuffled mini-batches) or a function ``get_batch(generator)`` that returns a
batch (handy for random windows of text). It returns a pandas DataFrame with one row per
evaluation. The adversarial loop of Chapter 10 (`utils.adversarial`) is built from the
same parts: the schedule of `TrainConfig`, the seeding, the progress bar, the check
that the loss stays a finite number, and the history table.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

import pandas as pd
import torch
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm.auto import tqdm

from .checks import check_choice, check_count, check_device, check_number, check_tensor
from .device import seeded

Batch = torch.Tensor | Sequence[torch.Tensor]
Data = torch.Tensor | Sequence[torch.Tensor] | Callable[[torch.Generator], Batch]
LossFn = Callable[[torch.nn.Module, Batch], torch.Tensor]


@dataclass
class TrainConfig:
    steps: int = 500  # optimiser steps
    batch_size: int = 64  # examples per step
    lr: float = 1e-3  # AdamW learning rate (the peak, with a schedule)
    weight_decay: float = 0.0  # AdamW weight decay, applied to matrices only (not biases or norms)
    betas: tuple[float, float] = (0.9, 0.999)  # AdamW momentum terms
    warmup_steps: int = 0  # raise the learning rate linearly from 0 over this many steps
    min_lr: float | None = None  # if set, decay the learning rate to this value by the last step
    decay: str = "cosine"  # how it decays to min_lr: "cosine" or "linear"
    grad_clip: float | None = 1.0  # clip the gradient norm to this (None: no clipping)
    eval_every: int = 100  # evaluate every this many steps, and always at the last step
    eval_batches: int = 20  # batches per evaluation when validation data is a function
    ema: float | None = None  # if set, end with an exponential moving average of the weights with this decay
    seed: int = 0  # seeds batch order, dropout and any other randomness in the loop

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "eval_every", "eval_batches"):
            check_count(getattr(self, name), name)
        check_count(self.seed, "seed", minimum=0)
        check_number(self.lr, "lr (the learning rate)", low=0, low_open=True)
        check_number(self.weight_decay, "weight_decay", low=0)
        if self.min_lr is not None:
            check_number(self.min_lr, "min_lr", low=0, high=self.lr)
        if self.grad_clip is not None:
            check_number(self.grad_clip, "grad_clip", low=0, low_open=True)
        if len(self.betas) != 2:
            raise ValueError(f"betas must be two numbers in [0, 1), got {self.betas!r}.")
        for beta in self.betas:
            check_number(beta, "each of betas", low=0, high=1, high_open=True)
        check_count(self.warmup_steps, "warmup_steps", minimum=0, maximum=self.steps - 1)
        check_choice(self.decay, "decay", ("cosine", "linear"))
        if self.ema is not None:
            check_number(self.ema, "ema (the decay of the weights' moving average)", low=0, high=1, low_open=True,
                         high_open=True)  # fmt: skip

    def lr_at(self, step: int) -> float:
        """The learning rate for optimiser step `step` (1..steps): warm-up, then constant, cosine or linear decay."""
        check_count(step, "step", maximum=self.steps)
        if step <= self.warmup_steps:
            return self.lr * step / self.warmup_steps
        if self.min_lr is None:
            return self.lr
        progress = (step - self.warmup_steps) / max(1, self.steps - self.warmup_steps)
        shape = 0.5 * (1 + math.cos(math.pi * progress)) if self.decay == "cosine" else 1 - progress
        return self.min_lr + shape * (self.lr - self.min_lr)

    def shortened(self, steps: int) -> TrainConfig:
        """The same settings over `steps` steps (warm-up and evaluation interval shrink to fit): for quick tests."""
        check_count(steps, "steps")
        return replace(self, steps=steps, warmup_steps=min(self.warmup_steps, steps - 1),
                       eval_every=min(self.eval_every, steps))  # fmt: skip


def train(
    model: torch.nn.Module,
    loss_fn: LossFn,
    train_data: Data,
    *,
    config: TrainConfig | None = None,
    val_data: Data | None = None,
    device: torch.device | str | None = None,
    progress: bool = True,
    on_evaluate: Callable[[pd.DataFrame], None] | None = None,
    desc: str = "training",
) -> pd.DataFrame:
    """Train `model` in place and return its history (step, train_loss, val_loss, seconds).

    The progress bar picks the notebook or terminal style by itself; `progress=False`
    silences it. `on_evaluate` is called with the history so far after every
    evaluation, e.g. to redraw a loss curve; `desc` labels the progress bar.
    """
    config = config or TrainConfig()
    _check_model(model)
    device = check_device(device) if device is not None else _device_of(model)
    model.to(device)
    next_batch = _batch_source(train_data, config.batch_size, "train_data")
    if val_data is not None:
        _batch_source(val_data, config.batch_size, "val_data")  # checked now, not after the first interval
    history = History(on_evaluate)
    with seeded_loop(config) as generator:
        optimizer = make_optimizer(model, config)
        average = moving_average(model, config)
        running, count = 0.0, 0
        bar = progress_bar(config, progress, desc)
        for step in bar:
            model.train()
            set_lr(optimizer, config.lr_at(step))
            loss = checked_loss(loss_fn(model, _to(next_batch(generator), device)), step)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            if average is not None:
                average.update_parameters(model)
            running, count = running + loss.item(), count + 1
            if step % config.eval_every == 0 or step == config.steps:
                val = evaluate(model, loss_fn, val_data, config, device) if val_data is not None else math.nan
                history.record(step, train_loss=running / count, val_loss=val)
                bar.set_postfix(train=f"{running / count:.3f}", **({} if math.isnan(val) else {"val": f"{val:.3f}"}))
                running, count = 0.0, 0
        bar.close()
    if average is not None:  # the history's losses are those of the raw weights; the model keeps the average
        model.load_state_dict(average.module.state_dict())
    return history.frame()


# ----------------------------------------------------------------------------- parts every loop shares


class History:
    """One row per evaluation (step, the losses, seconds since the start), handed to `on_evaluate` as it grows."""

    def __init__(self, on_evaluate: Callable[[pd.DataFrame], None] | None = None):
        if on_evaluate is not None and not callable(on_evaluate):
            raise TypeError(f"on_evaluate must be a function of the history, got {type(on_evaluate).__name__}.")
        self.rows: list[dict[str, float]] = []
        self.on_evaluate = on_evaluate
        self.start = time.perf_counter()

    def record(self, step: int, **losses: float) -> None:
        """Add a row for `step` and tell `on_evaluate`."""
        check_count(step, "step")
        self.rows.append({"step": step, **losses, "seconds": time.perf_counter() - self.start})
        if self.on_evaluate is not None:
            self.on_evaluate(self.frame())

    def frame(self) -> pd.DataFrame:
        """The rows so far as a table."""
        return pd.DataFrame(self.rows)


@contextmanager
def seeded_loop(config: TrainConfig) -> Iterator[torch.Generator]:
    """Seed dropout and other randomness from `config.seed` without touching the caller's RNG; yields the
    generator that orders the batches."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}.")
    with seeded(config.seed):
        yield torch.Generator().manual_seed(config.seed)


def progress_bar(config: TrainConfig, progress: bool, desc: str) -> tqdm:
    """A notebook or terminal progress bar over steps 1..config.steps (silent if not `progress`)."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}.")
    return tqdm(range(1, config.steps + 1), disable=not progress, desc=desc, unit="step")


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Set the learning rate of every parameter group."""
    check_number(lr, "lr (the learning rate)", low=0)
    for group in optimizer.param_groups:
        group["lr"] = lr


def checked_loss(loss: object, step: int) -> torch.Tensor:
    """`loss` itself if it is a finite scalar tensor; otherwise an error that says what to change."""
    check_count(step, "step")
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        shape = tuple(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
        raise ValueError(f"The loss function must return one number (a scalar tensor), got {shape}; "
                         "average the per-example losses with .mean().")  # fmt: skip
    if not torch.isfinite(loss):
        raise FloatingPointError(f"The loss became {loss.item()} at step {step}; try a smaller lr.")
    return loss.reshape(())


def moving_average(model: torch.nn.Module, config: TrainConfig) -> AveragedModel | None:
    """A copy of `model` that keeps an exponential moving average of its weights (None if config.ema is None).

    Averaging the last few hundred steps' weights smooths out the noise of each step, which
    makes a diffusion model's samples much cleaner (Ho et al., 2020, used 0.9999).
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}.")
    if config.ema is None:
        return None
    return AveragedModel(_check_model(model), multi_avg_fn=get_ema_multi_avg_fn(config.ema))


def make_optimizer(model: torch.nn.Module, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices (2D and up) and none on biases and norm scales."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}.")
    params = [p for p in _check_model(model).parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": config.weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]  # fmt: skip
    return torch.optim.AdamW([g for g in groups if g["params"]], lr=config.lr, betas=config.betas)


@torch.no_grad()
def evaluate(model: torch.nn.Module, loss_fn: LossFn, data: Data, config: TrainConfig, device: torch.device) -> float:
    """Mean loss over `data` in eval mode: every example once, or `eval_batches` drawn batches."""
    _check_model(model, trainable=False).eval()
    device = check_device(device)
    if callable(data):
        generator = torch.Generator().manual_seed(config.seed + 1)
        losses = [_scalar(loss_fn(model, _to(data(generator), device))) for _ in range(config.eval_batches)]
        return sum(losses) / len(losses)
    tensors = _as_tuple(data, "val_data")
    n, total = len(tensors[0]), 0.0
    for i in range(0, n, config.batch_size):
        batch = tuple(t[i : i + config.batch_size] for t in tensors)
        size = len(batch[0])
        total += _scalar(loss_fn(model, _to(_unwrap(batch), device))) * size
    return total / n


def _batch_source(data: Data, batch_size: int, name: str) -> Callable[[torch.Generator], Batch]:
    """A function generator -> batch: `data` itself, or shuffled mini-batches of tensors."""
    if callable(data):
        return data
    tensors = _as_tuple(data, name)
    n = len(tensors[0])
    order, position = torch.empty(0, dtype=torch.long), 0

    def next_batch(generator: torch.Generator) -> Batch:
        nonlocal order, position
        if position + batch_size > len(order):  # start a new epoch
            order, position = torch.randperm(n, generator=generator), 0
        index = order[position : position + batch_size]
        position += batch_size
        return _unwrap(tuple(t[index] for t in tensors))

    return next_batch


def _as_tuple(data, name: str) -> tuple[torch.Tensor, ...]:
    """`data` as a tuple of tensors with one shared first size and finite values."""
    tensors = (data,) if isinstance(data, torch.Tensor) else tuple(data) if isinstance(data, (tuple, list)) else ()
    if not tensors or not all(isinstance(t, torch.Tensor) for t in tensors):
        raise ValueError(f"{name} must be a tensor, a tuple of tensors, or a function of a generator.")
    for t in tensors:
        check_tensor(t, name, kind=None, nonempty=False)
    lengths = {len(t) if t.dim() else 0 for t in tensors}
    if len(lengths) != 1 or 0 in lengths:
        raise ValueError(f"The tensors in {name} must be non-empty and share their first size, got {sorted(lengths)}.")
    return tensors


def _scalar(loss: object) -> float:
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        raise ValueError("The loss function must return one number (a scalar tensor); average with .mean().")
    return loss.item()


def _check_model(model: object, *, trainable: bool = True) -> torch.nn.Module:
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    if trainable and not any(p.requires_grad for p in model.parameters()):
        raise ValueError("The model has no trainable parameters, so there is nothing to train.")
    return model


def _unwrap(batch: tuple[torch.Tensor, ...]) -> Batch:
    return batch[0] if len(batch) == 1 else batch


def _to(batch: Batch, device: torch.device) -> Batch:
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    return tuple(t.to(device) for t in batch)


def _device_of(model: torch.nn.Module) -> torch.device:
    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")
