"""Contrastive learning: losses that pull matching pairs together and push the rest apart (Chapter 14).

Given a batch of N pairs of embeddings (a_i, b_i), such as two augmented views of one picture
(SimCLR, Chen et al., 2020) or a picture and its caption (CLIP, Radford et al., 2021), the
InfoNCE loss (van den Oord et al., 2018) treats each row of the similarity matrix
cos(a_i, b_j) / temperature as logits over the N candidates and asks for the matching one:

    L = -(1/N) sum_i log( exp(s_ii) / sum_j exp(s_ij) ).

The other N - 1 items of the batch serve as negatives, so a batch needs at least 2 pairs. An
encoder that gives every input the same vector makes all logits equal and the loss log N.
`symmetric_info_nce` averages both directions (a to b and b to a), as CLIP does; `nt_xent` is
SimCLR's form, where each of the 2N views has the other 2N - 1 as candidates. `augment` makes
the random views: a crop, a flip and a colour change, keeping shapes and the range [0, 1].
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .checks import check_images, check_number, check_tensor


def _check_pairs(a: torch.Tensor, b: torch.Tensor, temperature: float) -> None:
    check_tensor(a, "a", dims=2)
    check_tensor(b, "b", dims=2)
    if a.shape != b.shape:
        raise ValueError(f"a and b must hold one embedding per pair, of equal size; got shapes {tuple(a.shape)} "
                         f"and {tuple(b.shape)}.")  # fmt: skip
    if len(a) < 2:
        raise ValueError("A contrastive loss needs a batch of at least 2 pairs: the other pairs are the negatives.")
    check_number(temperature, "temperature", low=0, low_open=True)


def similarities(a: torch.Tensor, b: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """The (N, N) matrix of cosine similarities cos(a_i, b_j) divided by the temperature."""
    _check_pairs(a, b, temperature)
    return F.normalize(a, dim=1) @ F.normalize(b, dim=1).T / temperature


def info_nce(a: torch.Tensor, b: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """InfoNCE from a to b: the cross-entropy of picking b_i among all b for each a_i."""
    logits = similarities(a, b, temperature)
    return F.cross_entropy(logits, torch.arange(len(a), device=a.device))


def symmetric_info_nce(a: torch.Tensor, b: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """CLIP's loss: the mean of InfoNCE from a to b and from b to a."""
    return symmetric_cross_entropy(similarities(a, b, temperature))


def symmetric_cross_entropy(logits: torch.Tensor) -> torch.Tensor:
    """The mean of the cross-entropies of picking the diagonal along the rows and along the columns of square
    logits (N, N): `symmetric_info_nce` from a similarity matrix already scaled (e.g. by a learned temperature)."""
    check_tensor(logits, "logits", dims=2)
    if logits.shape[0] != logits.shape[1] or len(logits) < 2:
        raise ValueError(f"logits must be a square matrix of at least 2 x 2 pairs (the other pairs are the "
                         f"negatives), got shape {tuple(logits.shape)}.")  # fmt: skip
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """SimCLR's loss: each of the 2N views must pick its partner among the other 2N - 1 views."""
    _check_pairs(z1, z2, temperature)
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = z @ z.T / temperature
    logits = logits.masked_fill(torch.eye(len(z), dtype=torch.bool, device=z.device), -math.inf)  # not itself
    n = len(z1)
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(z.device)
    return F.cross_entropy(logits, partner)


def augment(
    images: torch.Tensor,
    *,
    generator: torch.Generator | None = None,
    scale: tuple[float, float] = (0.6, 1.0),
    jitter: float = 0.3,
    flip: bool = True,
) -> torch.Tensor:
    """A random view of each picture (N, 3, H, W) in [0, 1]: a crop covering a fraction `scale` of each side,
    resized back; a left-right flip with probability 1/2; brightness and saturation each scaled by a factor in
    [1 - jitter, 1 + jitter]. Same shape, values kept in [0, 1]."""
    check_images(images, "images", channels=3)
    if not isinstance(scale, (tuple, list)) or len(scale) != 2:
        raise ValueError(f"scale must be a pair (smallest, largest) of fractions of the side, got {scale!r}.")
    low, high = (check_number(s, "each of scale", low=0, high=1, low_open=True) for s in scale)
    if low > high:
        raise ValueError(f"scale must be (smallest, largest) fraction of the side, got {scale}.")
    check_number(jitter, "jitter", low=0, high=1, high_open=True)
    n = len(images)

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(n, generator=generator)

    side = uniform(low, high)  # the crop's side as a fraction of the picture's
    shift_x, shift_y = (uniform(-1, 1) * (1 - side) for _ in range(2))  # keep the crop inside the picture
    mirror = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0) if flip else torch.ones(n)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 1, 1] = side * mirror, side
    theta[:, 0, 2], theta[:, 1, 2] = shift_x, shift_y
    grid = F.affine_grid(theta.to(images), list(images.shape), align_corners=False)
    views = F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)
    bright = uniform(1 - jitter, 1 + jitter).to(images)[:, None, None, None]
    saturate = uniform(1 - jitter, 1 + jitter).to(images)[:, None, None, None]
    gray = views.mean(dim=1, keepdim=True)
    views = gray + saturate * (views - gray)
    return (views * bright).clamp(0, 1)
