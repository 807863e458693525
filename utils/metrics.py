"""How good is a generator? Measures for the GAN chapter (Chapter 10).

For 2D points drawn from a ring of Gaussians (the usual GAN test since the unrolled-GAN
paper of Metz et al., 2017), a sample is *high quality* when it lies within 3 standard
deviations of a mode's centre, and a mode is *covered* when at least 1% of the samples
are high-quality samples of that mode.

For images, the Fréchet distance (Heusel et al., 2017) compares two sets of feature
vectors through Gaussians fitted to each:
``|mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))``. The well-known FID uses an
Inception network's features; we use a small fruit classifier trained by the book
(`FruitClassifier`), so the numbers are comparable with each other, not with FIDs in
papers.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .checks import check_array, check_count, check_images, check_number, check_tensor


def ring_centres(modes: int = 8, radius: float = 2.0) -> torch.Tensor:
    """The centres of `modes` Gaussians evenly spaced on a circle: (modes, 2)."""
    check_count(modes, "modes")
    check_number(radius, "radius", low=0, low_open=True)
    angles = torch.arange(modes, dtype=torch.float64) * 2 * math.pi / modes
    return (radius * torch.stack([angles.cos(), angles.sin()], dim=1)).float()


def ring_of_gaussians(
    n: int, *, modes: int = 8, radius: float = 2.0, std: float = 0.05, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """n points from a mixture of `modes` equal Gaussians on a ring: (points (n, 2), mode of each (n,))."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a whole number of at least 1, got {n!r}.")
    check_count(modes, "modes")
    check_number(radius, "radius", low=0, low_open=True)
    check_number(std, "std", low=0, low_open=True)
    check_count(seed, "seed", minimum=0)
    g = torch.Generator().manual_seed(seed)
    which = torch.randint(modes, (n,), generator=g)
    return ring_centres(modes, radius)[which] + std * torch.randn(n, 2, generator=g), which


def mode_coverage(
    samples: torch.Tensor, centres: torch.Tensor, std: float, *, min_share: float = 0.01
) -> dict[str, float | int | list[int]]:
    """modes_covered, high_quality_rate and the high-quality count per mode for points (N, 2)."""
    check_tensor(samples, "samples", kind=None, finite=False, nonempty=False)
    if samples.dim() != 2 or samples.shape[1] != 2 or not len(samples):
        raise ValueError(f"Expected points of shape (N, 2), got {tuple(samples.shape)}.")
    check_tensor(samples, "samples", kind=None)  # finite values
    check_tensor(centres, "centres", shape=(None, 2), kind=None)
    check_number(std, "std", low=0, low_open=True)
    check_number(min_share, "min_share", low=0, high=1)
    distance, nearest = torch.cdist(samples.float(), centres.float().to(samples.device)).min(dim=1)
    good = distance <= 3 * std
    counts = torch.bincount(nearest[good], minlength=len(centres))
    return {"modes_covered": int((counts >= min_share * len(samples)).sum()),
            "high_quality_rate": float(good.float().mean()), "counts": counts.tolist()}  # fmt: skip


def frechet_distance(a: torch.Tensor | np.ndarray, b: torch.Tensor | np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two sets of feature vectors (N, F) and (M, F)."""
    a, b = (np.asarray(check_array(x, name, dims=2), dtype=np.float64) for x, name in ((a, "a"), (b, "b")))
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"Expected two sets of feature vectors of equal width, got {a.shape} and {b.shape}.")
    if min(len(a), len(b)) < 2:
        raise ValueError("Each set needs at least two feature vectors to estimate a covariance.")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    # Tr((S_a S_b)^(1/2)) = Tr((R S_b R)^(1/2)) with R = S_a^(1/2): a symmetric matrix, so eigenvalues are safe
    # even when a feature never varies (a singular covariance).
    root_a = _psd_sqrt(cov_a)
    trace_root = np.sqrt(np.clip(np.linalg.eigvalsh(root_a @ cov_b @ root_a), 0, None)).sum()
    distance = ((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root
    return float(max(distance, 0.0))


def diversity(features: torch.Tensor | np.ndarray) -> float:
    """The mean distance between two different samples' feature vectors (N, F): 0 when every sample is the same."""
    x = torch.as_tensor(np.asarray(check_array(features, "features", dims=2)), dtype=torch.float64)
    if len(x) < 2:
        raise ValueError("diversity needs at least two feature vectors to compare.")
    n = len(x)
    return float(torch.cdist(x, x).sum() / (n * (n - 1)))


def _psd_sqrt(m: np.ndarray) -> np.ndarray:
    """The symmetric square root of a symmetric positive semi-definite matrix."""
    values, vectors = np.linalg.eigh(m)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


class FruitClassifier(torch.nn.Module):
    """A small CNN that tells apples, bananas and oranges apart; its 64 penultimate numbers are the features."""

    def __init__(self, classes: int = 3, width: int = 32, features: int = 64):
        for value, name in ((classes, "classes"), (width, "width"), (features, "features")):
            check_count(value, name)
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.Conv2d(3, width, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),  # (B, w, 16, 16)
            torch.nn.Conv2d(width, 2 * width, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),  # (B, 2w, 8, 8)
            torch.nn.Conv2d(2 * width, 2 * width, 3, padding=1), torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),  # (B, 2w)
            torch.nn.Linear(2 * width, features), torch.nn.ReLU(),  # (B, features)
        )  # fmt: skip
        self.head = torch.nn.Linear(features, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Images (B, 3, H, W) in [0, 1] -> class logits (B, classes)."""
        return self.head(self.body(self._check(x)))

    @torch.no_grad()
    def features(self, x: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
        """Images (B, 3, H, W) -> feature vectors (B, features), computed in eval mode."""
        x = self._check(x)
        check_count(batch_size, "batch_size")
        self.eval()
        return torch.cat([self.body(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])

    def _check(self, x: torch.Tensor) -> torch.Tensor:
        """`x` as a batch of colour images in [0, 1], at least 4 pixels high and wide, in the weights' float type."""
        check_images(x, channels=3)
        if min(x.shape[2:]) < 4:
            raise ValueError(f"images must be at least 4 pixels high and wide, got shape {tuple(x.shape)}.")
        return x.to(self.head.weight.dtype)
