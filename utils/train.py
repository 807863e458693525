"""The book's one training loop: seeded, device-agnostic, with a progress bar and a history.

The loop knows nothing about any model. You give it a model, a ``loss_fn(model, batch)``
that returns a scalar loss, and data, either tensors that share their first dimension
(sampled in shuffled mini-batches) or a function ``get_batch(generator)`` that returns a
batch (handy for random windows of text). It returns a pandas DataFrame with one row per
evaluation, and can save the trained weights as a checkpoint (see `utils.checkpoints`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from tqdm.auto import tqdm

from .checkpoints import save_checkpoint

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
    min_lr: float | None = None  # if set, decay the learning rate along a cosine to this value
    grad_clip: float | None = 1.0  # clip the gradient norm to this (None: no clipping)
    eval_every: int = 100  # evaluate every this many steps, and always at the last step
    eval_batches: int = 20  # batches per evaluation when validation data is a function
    seed: int = 0  # seeds batch order, dropout and any other randomness in the loop

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "eval_every", "eval_batches"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}.")
        if not self.lr > 0:
            raise ValueError(f"lr (the learning rate) must be positive, got {self.lr!r}.")
        if self.grad_clip is not None and not self.grad_clip > 0:
            raise ValueError(f"grad_clip must be positive or None, got {self.grad_clip!r}.")
        if not 0 <= self.warmup_steps < self.steps:
            raise ValueError(f"warmup_steps must be in 0..steps-1, got {self.warmup_steps!r}.")

    def lr_at(self, step: int) -> float:
        """The learning rate for optimiser step `step` (1-based): warm-up, then constant or cosine decay."""
        if step <= self.warmup_steps:
            return self.lr * step / self.warmup_steps
        if self.min_lr is None:
            return self.lr
        progress = (step - self.warmup_steps) / max(1, self.steps - self.warmup_steps)
        return self.min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (self.lr - self.min_lr)


def train(
    model: torch.nn.Module,
    loss_fn: LossFn,
    train_data: Data,
    *,
    config: TrainConfig | None = None,
    val_data: Data | None = None,
    device: torch.device | str | None = None,
    progress: bool = True,
    save_to: str | Path | None = None,
    model_config: Any = None,
    script: str | None = None,
    on_evaluate: Callable[[pd.DataFrame], None] | None = None,
    desc: str = "training",
) -> pd.DataFrame:
    """Train `model` in place and return its history (step, train_loss, val_loss, seconds).

    The progress bar picks the notebook or terminal style by itself; `progress=False`
    silences it. With `save_to`, the weights are saved there with `model_config` and the
    `script` that recreates them (see `utils.checkpoints.save_checkpoint`). `on_evaluate`
    is called with the history so far after every evaluation, e.g. to redraw a loss curve;
    `desc` labels the progress bar.
    """
    config = config or TrainConfig()
    device = torch.device(device) if device is not None else _device_of(model)
    model.to(device)
    next_batch = _batch_source(train_data, config.batch_size, "train_data")
    devices = [device.index or 0] if device.type == "cuda" else []
    rows: list[dict[str, float]] = []
    with torch.random.fork_rng(devices=devices):  # seed dropout without touching the caller's RNG
        torch.manual_seed(config.seed)
        generator = torch.Generator().manual_seed(config.seed)
        optimizer = make_optimizer(model, config)
        start, running, count = time.perf_counter(), 0.0, 0
        bar = tqdm(range(1, config.steps + 1), disable=not progress, desc=desc, unit="step")
        for step in bar:
            model.train()
            for group in optimizer.param_groups:
                group["lr"] = config.lr_at(step)
            loss = loss_fn(model, _to(next_batch(generator), device))
            if not torch.isfinite(loss):
                raise FloatingPointError(f"The loss became {loss.item()} at step {step}; try a smaller lr.")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            running, count = running + loss.item(), count + 1
            if step % config.eval_every == 0 or step == config.steps:
                val = evaluate(model, loss_fn, val_data, config, device) if val_data is not None else math.nan
                rows.append({"step": step, "train_loss": running / count, "val_loss": val,
                             "seconds": time.perf_counter() - start})  # fmt: skip
                bar.set_postfix(train=f"{running / count:.3f}", val=f"{val:.3f}")
                running, count = 0.0, 0
                if on_evaluate is not None:
                    on_evaluate(pd.DataFrame(rows))
        bar.close()
    history = pd.DataFrame(rows)
    if save_to is not None:
        last = rows[-1]
        metadata = {"train_config": asdict(config), "final_train_loss": last["train_loss"],
                    "final_val_loss": last["val_loss"], "train_seconds": last["seconds"]}  # fmt: skip
        save_checkpoint(model, save_to, config=model_config, metadata=metadata, script=script or "")
    return history


def make_optimizer(model: torch.nn.Module, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices (2D and up) and none on biases and norm scales."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": config.weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]  # fmt: skip
    return torch.optim.AdamW([g for g in groups if g["params"]], lr=config.lr, betas=config.betas)


@torch.no_grad()
def evaluate(
    model: torch.nn.Module, loss_fn: LossFn, data: Data, config: TrainConfig, device: torch.device
) -> float:
    """Mean loss over `data` in eval mode: every example once, or `eval_batches` drawn batches."""
    model.eval()
    if callable(data):
        generator = torch.Generator().manual_seed(config.seed + 1)
        losses = [loss_fn(model, _to(data(generator), device)).item() for _ in range(config.eval_batches)]
        return sum(losses) / len(losses)
    tensors = _as_tuple(data, "val_data")
    n, total = len(tensors[0]), 0.0
    for i in range(0, n, config.batch_size):
        batch = tuple(t[i : i + config.batch_size] for t in tensors)
        size = len(batch[0])
        total += loss_fn(model, _to(_unwrap(batch), device)).item() * size
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
    tensors = (data,) if isinstance(data, torch.Tensor) else tuple(data)
    if not tensors or not all(isinstance(t, torch.Tensor) for t in tensors):
        raise ValueError(f"{name} must be a tensor, a tuple of tensors, or a function of a generator.")
    lengths = {len(t) for t in tensors}
    if len(lengths) != 1 or 0 in lengths:
        raise ValueError(f"The tensors in {name} must be non-empty and share their first size, got {sorted(lengths)}.")
    return tensors


def _unwrap(batch: tuple[torch.Tensor, ...]) -> Batch:
    return batch[0] if len(batch) == 1 else batch


def _to(batch: Batch, device: torch.device) -> Batch:
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    return tuple(t.to(device) for t in batch)


def _device_of(model: torch.nn.Module) -> torch.device:
    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")
