"""Losses written out: mean squared error, softmax, cross-entropy, entropy and KL divergence (Chapter 2).

Each is a line or two of tensor arithmetic, checked in tests/test_losses.py against
`torch.nn.functional`. Logarithms are natural, so information is measured in nats.

    >>> cross_entropy(torch.tensor([[2.0, 0.0, 0.0]]), torch.tensor([0]))   # -log(e^2 / (e^2 + 2))
    tensor(0.2395)
"""

from __future__ import annotations

import torch

from .checks import check_ids, check_tensor


def mse(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error: the average of (prediction - target)^2 over every number."""
    check_tensor(prediction, "prediction")
    check_tensor(target, "target", shape=tuple(prediction.shape))
    return ((prediction - target) ** 2).mean()


def log_softmax(logits: torch.Tensor) -> torch.Tensor:
    """log of softmax over the last dimension, computed stably: z - max - log(sum(exp(z - max)))."""
    check_tensor(logits, "logits")
    shifted = logits - logits.max(dim=-1, keepdim=True).values  # the largest logit becomes 0: no overflow
    return shifted - shifted.exp().sum(dim=-1, keepdim=True).log()


def softmax(logits: torch.Tensor) -> torch.Tensor:
    """Probabilities from logits over the last dimension: exp(z_i) / sum_j exp(z_j)."""
    return log_softmax(logits).exp()


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Average of -log p(right class): logits (B, V) and targets (B,) class ids; in nats."""
    check_tensor(logits, "logits", dims=2)
    check_ids(targets, logits.shape[-1], "targets", dims=1)
    if targets.shape[0] != logits.shape[0]:
        raise ValueError(
            f"targets must have one class id per row of logits ({logits.shape[0]}), got {targets.shape[0]}."
        )
    return -log_softmax(logits)[torch.arange(len(targets)), targets].mean()


def _check_distribution(p: torch.Tensor, name: str) -> torch.Tensor:
    check_tensor(p, name)
    if bool((p < 0).any()):
        raise ValueError(f"{name} holds a negative probability; probabilities are 0 or more.")
    total = p.sum(dim=-1)
    if not torch.allclose(total, torch.ones_like(total), atol=1e-4):
        raise ValueError(
            f"{name} must add up to 1 along its last dimension (a distribution), got sums {total.tolist()}."
        )
    return p


def entropy(p: torch.Tensor) -> torch.Tensor:
    """H(p) = -sum p log p over the last dimension, in nats (0 log 0 counts as 0)."""
    _check_distribution(p, "p")
    return -torch.where(p > 0, p * p.log(), torch.zeros_like(p)).sum(dim=-1)


def kl_divergence(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """KL(p || q) = sum p log(p / q) over the last dimension, in nats; infinite where q = 0 < p."""
    _check_distribution(p, "p")
    _check_distribution(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {tuple(p.shape)} and {tuple(q.shape)}.")
    return torch.where(p > 0, p * (p.log() - q.log()), torch.zeros_like(p)).sum(dim=-1)
