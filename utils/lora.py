"""LoRA: fine-tune a model through small low-rank adapters (Hu et al., 2022), for Chapter 13.

A frozen linear layer with weight W (out x in) gets a trainable update B A, with A (r x in)
and B (out x r) for a small rank r, scaled by alpha / r:

    y = W x + b + (alpha / r) B A x.

B starts at zero, so an adapted model starts out exactly as the original; A starts random
(as nn.Linear's own weights do). Only A and B learn: r (in + out) numbers per layer instead
of in x out. After training, `merge_lora` folds (alpha / r) B A into W, so the adapted model
runs as fast as the original. Left out: dropout on the adapter's input, and adapters on
embeddings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from .checks import check_count, check_nonempty, check_number, check_tensor

TARGETS = ("query", "key", "value", "out", "fc", "proj")  # the book GPT's attention and MLP matrices


class LoRALinear(torch.nn.Module):
    """A frozen nn.Linear plus a trainable low-rank update: y = base(x) + (alpha / rank) B A x."""

    def __init__(self, base: torch.nn.Linear, rank: int = 4, alpha: float = 8.0):
        if not isinstance(base, torch.nn.Linear):
            raise TypeError(f"LoRA adapts an nn.Linear layer, got {type(base).__name__}.")
        check_count(rank, "rank", maximum=min(base.in_features, base.out_features))
        check_number(alpha, "alpha", low=0, low_open=True)
        super().__init__()
        self.base, self.rank, self.alpha = base, rank, float(alpha)
        for p in self.base.parameters():
            p.requires_grad_(False)
        weight = base.weight
        self.A = torch.nn.Parameter(torch.empty(rank, base.in_features, device=weight.device, dtype=weight.dtype))
        self.B = torch.nn.Parameter(torch.zeros(base.out_features, rank, device=weight.device, dtype=weight.dtype))
        torch.nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))  # nn.Linear's own initialisation

    @property
    def in_features(self) -> int:
        return self.base.in_features

    @property
    def out_features(self) -> int:
        return self.base.out_features

    @property
    def scale(self) -> float:
        return self.alpha / self.rank

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(..., in) -> (..., out)."""
        check_tensor(x, "x")
        if x.shape[-1] != self.in_features:
            raise ValueError(f"x must end in {self.in_features} features, got shape {tuple(x.shape)}.")
        return self.base(x) + self.scale * F.linear(F.linear(x, self.A), self.B)

    def merged(self) -> torch.nn.Linear:
        """A plain nn.Linear computing the same function, with W + (alpha / rank) B A as its weight."""
        layer = torch.nn.Linear(self.in_features, self.out_features, bias=self.base.bias is not None,
                                device=self.A.device, dtype=self.A.dtype)  # fmt: skip
        with torch.no_grad():
            layer.weight.copy_(self.base.weight + self.scale * self.B @ self.A)
            if self.base.bias is not None:
                layer.bias.copy_(self.base.bias)
        return layer


def add_lora(
    model: torch.nn.Module, rank: int = 4, alpha: float = 8.0, targets: Sequence[str] = TARGETS
) -> torch.nn.Module:
    """Freeze every weight of `model` and wrap each nn.Linear whose name is in `targets` in a LoRALinear
    (in place); returns the model, whose only trainable numbers are now the adapters."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    check_nonempty(targets, "targets")
    check_count(rank, "rank")
    check_number(alpha, "alpha", low=0, low_open=True)
    if any(isinstance(m, LoRALinear) for m in model.modules()):
        raise ValueError("This model already has LoRA adapters; merge them (merge_lora) before adding new ones.")
    chosen = [(parent, name, child) for parent in model.modules() for name, child in parent.named_children()
              if name in targets and isinstance(child, torch.nn.Linear)]  # fmt: skip
    if not chosen:
        raise ValueError(f"No nn.Linear layer of the model is named one of {list(targets)}.")
    for p in model.parameters():
        p.requires_grad_(False)
    for parent, name, child in chosen:
        setattr(parent, name, LoRALinear(child, rank, alpha))
    return model


def merge_lora(model: torch.nn.Module) -> torch.nn.Module:
    """Replace every LoRALinear of `model` by the plain nn.Linear it computes (in place); returns the model."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    adapted = [(parent, name, child) for parent in model.modules() for name, child in parent.named_children()
               if isinstance(child, LoRALinear)]  # fmt: skip
    if not adapted:
        raise ValueError("This model has no LoRA adapters to merge (add them with add_lora).")
    for parent, name, child in adapted:
        setattr(parent, name, child.merged())
    return model


def trainable_fraction(model: torch.nn.Module) -> tuple[int, int]:
    """(trainable numbers, all numbers) of a model; tied weights are counted once."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    params = list(model.parameters())  # each shared tensor appears once
    return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)
