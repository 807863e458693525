"""Why did a classifier say "apple"? Gradient attributions for pictures (Chapter 15).

A *saliency map* (Simonyan et al., 2014) is the gradient of the class score with respect to the
input pixels: which pixels, nudged, would change the score most. It is cheap but noisy, and it
says nothing about how far the picture is from one without the evidence.

*Integrated gradients* (Sundararajan et al., 2017) fix a *baseline* picture x' with no evidence
(here a blank background) and average the gradient along the straight path from x' to x:

    IG_i(x) = (x_i - x'_i) * integral_0^1 dF(x' + a (x - x')) / dx_i  da.

The attributions satisfy *completeness*: they add up to F(x) - F(x'), the whole change in the
score, so a picture's score is shared out over its pixels. The integral is estimated with
`steps` midpoints; `completeness_gap` measures how far the sum is from F(x) - F(x').

LIME and SHAP treat parts of the input as *players*: here the patches of a grid over the picture.
Both score the picture with some patches painted over (`coalition_scores`). SHAP gives each
patch its Shapley value (Lundberg and Lee, 2017), computed here exactly from all 2^players
coalitions (`shapley_values`); LIME fits a weighted straight line to the scores of random
coalitions (Ribeiro et al., 2016; `lime_weights`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch

from .checks import check_count, check_images, check_number, check_tensor

if TYPE_CHECKING:
    from .bert import SentenceEncoder


def _scores(model: torch.nn.Module, images: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    try:
        logits = model(images)
    except RuntimeError as err:  # pictures the model cannot read, e.g. of another size: the caller's input
        raise ValueError(f"The model cannot score pictures of shape {tuple(images.shape)}: {err}") from err
    if logits.dim() != 2:
        raise ValueError(f"model must map pictures (N, C, H, W) to class scores (N, classes), got shape "
                         f"{tuple(logits.shape)}.")  # fmt: skip
    if target.max() >= logits.shape[1]:
        raise ValueError(f"target names class {int(target.max())}, but the model has {logits.shape[1]} classes.")
    return logits.gather(1, target[:, None])[:, 0]


def _check(model: torch.nn.Module, images: torch.Tensor, target: torch.Tensor | int) -> tuple[torch.Tensor, ...]:
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch module, got {type(model).__name__}.")
    check_images(images, "images")
    if isinstance(target, int) and not isinstance(target, bool):
        target = torch.full((len(images),), target)
    check_tensor(target, "target", dims=1, kind="int")
    if len(target) != len(images) or target.min() < 0:
        raise ValueError(f"target must hold one class id (0 or more) per picture ({len(images)}), got "
                         f"{target.tolist()}.")  # fmt: skip
    return images, target.to(images.device)


def _baseline(images: torch.Tensor, baseline: torch.Tensor | None) -> torch.Tensor:
    """The baseline as one picture per image: zeros by default, or one picture (C, H, W) repeated."""
    if baseline is None:
        return torch.zeros_like(images)
    check_tensor(baseline, "baseline")
    if tuple(baseline.shape) == tuple(images.shape[1:]):
        baseline = baseline.expand_as(images)
    if baseline.shape != images.shape:
        raise ValueError(f"baseline must be one picture {tuple(images.shape[1:])} or one per picture "
                         f"{tuple(images.shape)}, got {tuple(baseline.shape)}.")  # fmt: skip
    return baseline.to(images)


def class_scores(model: torch.nn.Module, images: torch.Tensor, target: torch.Tensor | int) -> torch.Tensor:
    """The model's score (logit) for class `target` of each picture: F(x), shape (N,)."""
    images, target = _check(model, images, target)
    with torch.no_grad():
        return _scores(model.eval(), images, target)


def saliency(model: torch.nn.Module, images: torch.Tensor, target: torch.Tensor | int) -> torch.Tensor:
    """The gradient of the class score with respect to each pixel: (N, C, H, W)."""
    images, target = _check(model, images, target)
    model.eval()
    x = images.detach().clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(_scores(model, x, target).sum(), x)
    return gradient


def integrated_gradients(
    model: torch.nn.Module,
    images: torch.Tensor,
    target: torch.Tensor | int,
    *,
    baseline: torch.Tensor | None = None,
    steps: int = 64,
) -> torch.Tensor:
    """Integrated gradients (N, C, H, W) of the class score from `baseline` (one picture (C, H, W) or one per
    picture; default: all zeros) to each picture, with `steps` midpoints along the path."""
    images, target = _check(model, images, target)
    check_count(steps, "steps")
    baseline = _baseline(images, baseline)
    model.eval()
    total = torch.zeros_like(images)
    for k in range(steps):
        point = (baseline + (k + 0.5) / steps * (images - baseline)).detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(_scores(model, point, target).sum(), point)
        total += gradient
    return (images - baseline) * total / steps


def completeness_gap(
    model: torch.nn.Module,
    images: torch.Tensor,
    target: torch.Tensor | int,
    attributions: torch.Tensor,
    *,
    baseline: torch.Tensor | None = None,
) -> torch.Tensor:
    """For each picture, |sum of attributions - (F(x) - F(baseline))| / |F(x) - F(baseline)|: 0 for exact
    integrated gradients."""
    images, target = _check(model, images, target)
    check_tensor(attributions, "attributions", shape=tuple(images.shape))
    baseline = _baseline(images, baseline)
    change = class_scores(model, images, target) - class_scores(model, baseline, target)
    return (attributions.sum(dim=(1, 2, 3)) - change).abs() / change.abs().clamp_min(1e-12)


def token_attributions(
    encoder: SentenceEncoder, sentence: str, target: torch.Tensor, *, steps: int = 32
) -> tuple[list[str], torch.Tensor, float]:
    """Integrated gradients for a sentence encoder's zero-shot score: the cosine similarity between the sentence's
    embedding and `target` (a vector (D,), e.g. a topic description's embedding).

    The path runs from a baseline in which every word between [CLS] and [SEP] is replaced by [PAD] to the sentence
    itself, in the space of word embeddings; each token's attribution is its share summed over the embedding's
    numbers. Returns (tokens, attributions (T,), the score's change F(x) - F(baseline)), so that completeness
    reads attributions.sum() == change."""
    from .bert import SentenceEncoder, mean_pool  # bert loads MiniLM's files; imported when needed

    if not isinstance(encoder, SentenceEncoder):
        raise TypeError(f"encoder must be a utils.bert.SentenceEncoder, got {type(encoder).__name__}.")
    check_tensor(target, "target", shape=(encoder.model.config.hidden,))
    check_count(steps, "steps")
    ids, mask = encoder.batch([sentence])  # checks the sentence
    model = encoder.model
    words = model.word(ids).detach()  # (1, T, C)
    baseline = words.clone()
    baseline[0, 1:-1] = model.word.weight[encoder.tokenizer.vocab.index("[PAD]")].detach()
    target = torch.nn.functional.normalize(target.to(words), dim=0)

    def score(vectors: torch.Tensor) -> torch.Tensor:
        hidden, _ = model.from_word_vectors(vectors, mask.expand(len(vectors), -1), need_weights=False)
        return torch.nn.functional.normalize(mean_pool(hidden, mask.expand(len(vectors), -1)), dim=-1) @ target

    alphas = (torch.arange(steps, dtype=words.dtype, device=words.device) + 0.5) / steps
    path = (baseline + alphas[:, None, None] * (words - baseline)).requires_grad_(True)  # (steps, T, C)
    (gradient,) = torch.autograd.grad(score(path).sum(), path)
    attributions = ((words - baseline)[0] * gradient.mean(0)).sum(-1)  # (T,)
    with torch.no_grad():
        change = float(score(words) - score(baseline))
    tokens = [encoder.tokenizer.vocab[i] for i in ids[0].tolist()]
    return tokens, attributions.detach().cpu(), change


# ----------------------------------------------------------------------------- patches as players: LIME and SHAP


def patch_masks(coalitions: torch.Tensor, grid: int, size: int) -> torch.Tensor:
    """Pixel masks (M, 1, size, size) from coalitions (M, grid * grid) of 0/1: patch k (row-major in a grid x grid
    layout) is kept where coalitions[:, k] is 1 and covered where it is 0."""
    check_count(grid, "grid")
    check_count(size, "size", minimum=grid)
    check_tensor(coalitions, "coalitions", dims=2, shape=(None, grid * grid), kind=None)
    if not bool(((coalitions == 0) | (coalitions == 1)).all()):
        raise ValueError("coalitions must hold only 0 (patch covered) and 1 (patch kept).")
    cells = coalitions.float().reshape(-1, 1, grid, grid)
    rows = torch.div(torch.arange(size) * grid, size, rounding_mode="floor")  # which patch row each pixel row is in
    return cells[:, :, rows][:, :, :, rows]


def coalition_scores(
    model: torch.nn.Module, image: torch.Tensor, target: int, coalitions: torch.Tensor, *, grid: int,
    fill: torch.Tensor | float = 1.0, batch_size: int = 256,
) -> torch.Tensor:  # fmt: skip
    """The class score of `image` (C, H, W) with the patches each coalition leaves out painted `fill` (the
    background): (M,). Both LIME and SHAP explain a prediction through such scores."""
    check_tensor(image, "image", dims=3)
    check_images(image[None], "image", size=image.shape[-1])  # square: the grid cuts both sides alike
    check_count(batch_size, "batch_size")
    masks = patch_masks(coalitions, grid, image.shape[-1]).to(image)
    fill = torch.as_tensor(fill, dtype=image.dtype, device=image.device)
    scores = []
    for i in range(0, len(masks), batch_size):
        m = masks[i : i + batch_size]
        scores.append(class_scores(model, m * image + (1 - m) * fill, int(target)))
    return torch.cat(scores)


def all_coalitions(players: int) -> torch.Tensor:
    """Every subset of `players` as rows of 0/1: (2 ** players, players); row r holds the binary digits of r."""
    check_count(players, "players", maximum=20)
    return (torch.arange(2**players)[:, None] >> torch.arange(players)) & 1


def shapley_values(scores: torch.Tensor, players: int) -> torch.Tensor:
    """Exact Shapley values (players,) from the scores (2 ** players,) of every coalition, ordered as
    `all_coalitions` orders them: each player's marginal contribution, averaged over all orders of joining."""
    check_count(players, "players", maximum=20)
    check_tensor(scores, "scores", shape=(2**players,))
    scores = scores.double().cpu()  # scores may come from a model on a GPU; the bookkeeping is on the CPU
    members = all_coalitions(players).bool()
    sizes = members.sum(1)
    n = players
    weight = torch.tensor([math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)],
                          dtype=torch.float64)  # fmt: skip
    values = torch.zeros(n, dtype=torch.float64)
    index = torch.arange(2**n)
    for k in range(n):
        without = ~members[:, k]
        values[k] = (weight[sizes[without]] * (scores[index[without] | (1 << k)] - scores[without])).sum()
    return values


def lime_weights(coalitions: torch.Tensor, scores: torch.Tensor, *, kernel_width: float = 0.25) -> torch.Tensor:
    """LIME's explanation: the slopes (players,) of a straight-line model of `scores` (M,) on the coalitions
    (M, players), fitted by least squares with each coalition weighted exp(-d^2 / width^2), d the share of
    players it leaves out (so coalitions near the whole picture count most)."""
    check_tensor(coalitions, "coalitions", dims=2, kind=None)
    if not bool(((coalitions == 0) | (coalitions == 1)).all()):
        raise ValueError("coalitions must hold only 0 (player out) and 1 (player in).")
    check_tensor(scores, "scores", shape=(len(coalitions),))
    check_number(kernel_width, "kernel_width", low=0, low_open=True)
    if len(coalitions) <= coalitions.shape[1]:
        raise ValueError(f"LIME needs more coalitions ({len(coalitions)}) than players ({coalitions.shape[1]}).")
    x = torch.cat([torch.ones(len(coalitions), 1), coalitions.double().cpu()], dim=1)
    distance = 1 - coalitions.double().cpu().mean(1)
    w = torch.exp(-(distance**2) / kernel_width**2).sqrt()[:, None]
    solution = torch.linalg.lstsq(w * x, w[:, 0] * scores.double().cpu()).solution
    return solution[1:]
