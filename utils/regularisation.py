"""A small classifier with optional normalisation and dropout, and early stopping (Chapter 2).

`MLP` stacks Linear layers; after each hidden one it can add batch norm (Ioffe and Szegedy,
2015) or layer norm (Ba et al., 2016), then a ReLU, then dropout (Srivastava et al., 2014).
`KeepBest` is early stopping as a callback of `utils.train.train`: it remembers the weights at
the evaluation with the lowest validation loss and puts them back when asked. It lets training
run to the end, so that the curves show what happens after the best step; a patient loop would
stop a while after it. Weight decay needs no code here: it is `TrainConfig.weight_decay`.

    >>> model = MLP(MLPConfig(inputs=4, classes=3, hidden=8, depth=2, norm="layer", dropout=0.1))
    >>> model(torch.zeros(5, 4)).shape
    torch.Size([5, 3])
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pandas as pd
import torch
from torch import nn

from .checks import check_choice, check_count, check_ids, check_number, check_tensor


@dataclass
class MLPConfig:
    inputs: int  # numbers per example
    classes: int = 3  # output scores (logits), one per class
    hidden: int = 64  # width of every hidden layer
    depth: int = 2  # number of hidden layers
    norm: str = "none"  # after each hidden Linear: "none", "batch" (BatchNorm1d) or "layer" (LayerNorm)
    dropout: float = 0.0  # chance that training zeroes each hidden unit (0: no dropout)

    def __post_init__(self) -> None:
        for name in ("inputs", "classes", "hidden", "depth"):
            check_count(getattr(self, name), name)
        check_choice(self.norm, "norm", ("none", "batch", "layer"))
        check_number(self.dropout, "dropout", low=0.0, high=1.0, high_open=True)


class MLP(nn.Module):
    """x (B, inputs) -> logits (B, classes) through `depth` hidden layers of (Linear, norm, ReLU, dropout)."""

    def __init__(self, config: MLPConfig) -> None:
        super().__init__()
        if not isinstance(config, MLPConfig):
            raise TypeError(f"config must be an MLPConfig, got {type(config).__name__}.")
        self.config = config
        norms = {"none": nn.Identity, "batch": nn.BatchNorm1d, "layer": nn.LayerNorm}
        layers, width = [], config.inputs
        for _ in range(config.depth):
            layers += [nn.Linear(width, config.hidden), norms[config.norm](config.hidden), nn.ReLU()]
            if config.dropout:
                layers.append(nn.Dropout(config.dropout))
            width = config.hidden
        self.net = nn.Sequential(*layers, nn.Linear(width, config.classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor(x, "x", dims=2, shape=(None, self.config.inputs))
        if self.training and self.config.norm == "batch" and len(x) < 2:
            raise ValueError("batch norm needs at least two examples per batch in training mode (it normalises "
                             "each feature over the batch); use a larger batch or call model.eval().")  # fmt: skip
        return self.net(x)  # (B, classes)


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """The share of rows of x (B, C) whose highest score is their label y (B,), computed in eval mode."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    check_tensor(x, "x", dims=2)
    was_training = model.training
    model.eval()
    try:
        scores = check_tensor(model(x), "the model's output", dims=2)  # (B, classes)
    finally:
        model.train(was_training)
    check_ids(y, scores.shape[1], "y", dims=1)
    if len(y) != len(x):
        raise ValueError(f"y must hold one label per row of x ({len(x)}), got {len(y)}.")
    return (scores.argmax(dim=1) == y).float().mean().item()


class KeepBest:
    """Early stopping for `train(..., on_evaluate=KeepBest(model))`: keeps the weights with the lowest val_loss."""

    def __init__(self, model: nn.Module) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
        self.model = model
        self.best_loss = float("inf")
        self.best_step: int | None = None
        self.weights: dict[str, torch.Tensor] | None = None

    def __call__(self, history: pd.DataFrame) -> None:
        if not isinstance(history, pd.DataFrame) or not {"step", "val_loss"} <= set(history.columns) or history.empty:
            raise ValueError("KeepBest reads train()'s history: a table with step and val_loss columns; "
                             "pass val_data to train().")  # fmt: skip
        step, loss = int(history["step"].iloc[-1]), float(history["val_loss"].iloc[-1])
        if loss < self.best_loss:
            self.best_loss, self.best_step = loss, step
            self.weights = copy.deepcopy(self.model.state_dict())

    def restore(self) -> nn.Module:
        """Put the best weights seen back into the model, and return it."""
        if self.weights is None:
            raise ValueError("No evaluation has been seen yet: pass on_evaluate=keep_best to train() with val_data.")
        self.model.load_state_dict(self.weights)
        return self.model
