"""Self-supervised pictures (Chapter 14): SimCLR on fruit, and linear probes with few labels.

SimCLR (Chen et al., 2020) learns an encoder without labels: two random views of each picture
(`utils.contrastive.augment`: a crop, a flip, brightness and saturation changed, the hue kept) go
through the encoder and a small projection head, and the NT-Xent loss asks each view to pick its
partner among all the other views in the batch. To do that the encoder must keep what survives
the changes (the outline, the hue) and may drop what does not (position, size, brightness).
The head is thrown away after training; the encoder's features are what later tasks use.

A *linear probe* measures how useful those features are: a logistic regression trained on the
features of only a few labelled pictures per class, scored on held-out pictures. The same
probe on raw pixels is the baseline the features have to beat.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .checks import check_array, check_count, check_images
from .clip import ImageEncoder
from .contrastive import augment, nt_xent
from .train import TrainConfig, train


class SimCLR(torch.nn.Module):
    """The fruit image encoder (the CLIP chapter's CNN) and a projection head (ReLU, linear) on top of it."""

    def __init__(self, dim: int = 64, width: int = 32, projection: int = 64):
        check_count(projection, "projection")
        super().__init__()
        self.encoder = ImageEncoder(dim, width)
        self.head = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(dim, projection))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Pictures (B, 3, 32, 32) -> projections (B, projection), the vectors the loss compares."""
        return self.head(self.encoder(images))

    def loss(self, images: torch.Tensor, temperature: float = 0.2) -> torch.Tensor:
        """NT-Xent between two random views of each picture of the batch."""
        return nt_xent(self(augment(images)), self(augment(images)), temperature)


def fit_simclr(
    model: SimCLR, images: torch.Tensor, config: TrainConfig, *, progress: bool = True, desc: str = "SimCLR"
) -> pd.DataFrame:
    """Train `model` on unlabelled pictures (N, 3, 32, 32); returns the history. The views are drawn from torch's
    random numbers, which the training loop seeds from `config.seed`."""
    if not isinstance(model, SimCLR):
        raise TypeError(f"model must be a SimCLR, got {type(model).__name__}.")
    check_images(images, "images", channels=3, size=32)
    return train(model, lambda m, batch: m.loss(batch), images, config=config, progress=progress, desc=desc)


@torch.no_grad()
def encode(encoder: torch.nn.Module, images: torch.Tensor, batch_size: int = 500) -> np.ndarray:
    """The encoder's features of pictures, as a NumPy array (N, features), computed in batches."""
    check_images(images, "images", channels=3)
    check_count(batch_size, "batch_size")
    encoder.eval()
    device = next(encoder.parameters()).device
    return torch.cat(
        [encoder(images[i : i + batch_size].to(device)).cpu() for i in range(0, len(images), batch_size)]
    ).numpy()


def few_labels(labels: np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    """Indices of `per_class` examples of every class, drawn without replacement."""
    labels = check_array(labels, "labels", dims=1)
    check_count(per_class, "per_class")
    check_count(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    chosen = []
    for label in np.unique(labels):
        where = np.flatnonzero(labels == label)
        if len(where) < per_class:
            raise ValueError(f"Class {label} has only {len(where)} examples; cannot take {per_class} of each.")
        chosen.append(rng.choice(where, per_class, replace=False))
    return np.concatenate(chosen)


def probe_accuracy(
    features: np.ndarray,
    labels: np.ndarray,
    test_features: np.ndarray,
    test_labels: np.ndarray,
    *,
    per_class: int,
    repeats: int = 5,
    seed: int = 0,
) -> float:
    """The held-out accuracy of a linear probe (standardised features, logistic regression) trained on
    `per_class` labelled examples per class, averaged over `repeats` draws of those examples."""
    features, test_features = check_array(features, "features", dims=2), check_array(test_features, "test_features",
                                                                                     dims=2)  # fmt: skip
    labels, test_labels = check_array(labels, "labels", dims=1), check_array(test_labels, "test_labels", dims=1)
    if len(features) != len(labels) or len(test_features) != len(test_labels):
        raise ValueError("Give one label per row of features, for the training and the test set.")
    if features.shape[1] != test_features.shape[1]:
        raise ValueError(f"features and test_features must have the same width, got {features.shape[1]} and "
                         f"{test_features.shape[1]}.")  # fmt: skip
    check_count(repeats, "repeats")
    scores = []
    for r in range(repeats):
        chosen = few_labels(labels, per_class, seed + r)
        probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        scores.append(probe.fit(features[chosen], labels[chosen]).score(test_features, test_labels))
    return float(np.mean(scores))
