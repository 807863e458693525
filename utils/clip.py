"""A CLIP-style model of fruit pictures and their captions (Chapter 14).

CLIP (Radford et al., 2021) trains an image encoder and a text encoder so that a picture and
its caption land close together in one shared space, with the symmetric contrastive loss of
`utils.contrastive`. Here the image encoder is a small CNN trained from scratch, and the text
side is the book's MiniLM sentence encoder, frozen, followed by one learned linear map: MiniLM
already knows that "yellow" and "banana" are words with meanings, and a frozen encoder turns
every caption into a fixed vector once, so training touches only the small image network and
one matrix. A learned temperature scales the similarities, as in CLIP. After training, text
can classify pictures it never saw labelled (zero-shot: the class whose prompt is nearest) and
find pictures from a description (retrieval).
"""

from __future__ import annotations

import math
from functools import lru_cache

import pandas as pd
import torch
import torch.nn.functional as F

from .checks import check_count, check_images, check_tensor
from .contrastive import symmetric_cross_entropy
from .train import TrainConfig, train

TEXT_WIDTH = 384  # MiniLM's sentence vectors


class ImageEncoder(torch.nn.Module):
    """A small CNN: pictures (B, 3, 32, 32) in [0, 1] -> vectors (B, dim)."""

    def __init__(self, dim: int = 64, width: int = 32):
        check_count(dim, "dim")
        check_count(width, "width")
        super().__init__()
        self.dim = dim
        self.body = torch.nn.Sequential(
            torch.nn.Conv2d(3, width, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),  # (B, w, 16, 16)
            torch.nn.Conv2d(width, 2 * width, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),  # (B, 2w, 8, 8)
            torch.nn.Conv2d(2 * width, 4 * width, 3, padding=1), torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),  # (B, 4w)
            torch.nn.Linear(4 * width, dim),
        )  # fmt: skip

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        check_images(images, "images", channels=3, size=32)
        return self.body(images.to(self.body[0].weight.device))  # pictures on the CPU, the model on a GPU


class ClipModel(torch.nn.Module):
    """An image encoder and a linear map of frozen sentence vectors into one shared space of `dim` numbers."""

    def __init__(self, dim: int = 64, width: int = 32):
        super().__init__()
        self.images = ImageEncoder(dim, width)
        self.text = torch.nn.Linear(TEXT_WIDTH, dim)
        self.log_scale = torch.nn.Parameter(torch.tensor(math.log(1 / 0.07)))  # CLIP's starting temperature

    @property
    def temperature(self) -> float:
        return float(1 / self.log_scale.detach().clamp(max=math.log(100)).exp())

    def embed_images(self, images: torch.Tensor) -> torch.Tensor:
        """Pictures (B, 3, 32, 32) -> unit vectors (B, dim)."""
        return F.normalize(self.images(images), dim=1)

    def embed_text(self, sentence_vectors: torch.Tensor) -> torch.Tensor:
        """MiniLM sentence vectors (B, 384) (from `sentence_vectors`) -> unit vectors (B, dim)."""
        check_tensor(sentence_vectors, "sentence_vectors", dims=2)
        if sentence_vectors.shape[1] != TEXT_WIDTH:
            raise ValueError(f"sentence_vectors must have {TEXT_WIDTH} numbers per caption (MiniLM's), got "
                             f"shape {tuple(sentence_vectors.shape)}.")  # fmt: skip
        return F.normalize(self.text(sentence_vectors.to(self.text.weight.device)), dim=1)

    def loss(self, images: torch.Tensor, sentence_vectors: torch.Tensor) -> torch.Tensor:
        """The symmetric contrastive loss of a batch of matching (picture, caption) pairs."""
        scale = self.log_scale.clamp(max=math.log(100)).exp()  # 1 / temperature, learned; CLIP caps it at 100
        return symmetric_cross_entropy(scale * self.embed_images(images) @ self.embed_text(sentence_vectors).T)

    @torch.no_grad()
    def similarity(self, images: torch.Tensor, sentence_vectors: torch.Tensor) -> torch.Tensor:
        """Cosine similarities (pictures x captions), on the model's device whatever the inputs' device."""
        self.eval()
        return self.embed_images(images) @ self.embed_text(sentence_vectors).T


@lru_cache(maxsize=4)
def _encoder():
    from .bert import SentenceEncoder

    return SentenceEncoder()


def sentence_vectors(texts: list[str] | tuple[str, ...], batch_size: int = 64) -> torch.Tensor:
    """MiniLM's unit sentence vectors (N, 384) for captions or prompts (the frozen text encoder). A caption
    that repeats is encoded once."""
    if isinstance(texts, str) or not len(texts) or not all(isinstance(t, str) and t.strip() for t in texts):
        raise ValueError("Give a non-empty list of non-empty captions (a single string is a list of one).")
    unique = sorted(set(texts))
    where = {text: i for i, text in enumerate(unique)}
    return _encoder().encode(unique, batch_size=batch_size)[[where[t] for t in texts]]


def fit_clip(
    model: ClipModel,
    images: torch.Tensor,
    vectors: torch.Tensor,
    config: TrainConfig,
    *,
    progress: bool = True,
    desc: str = "CLIP",
) -> pd.DataFrame:
    """Train `model` on matching (picture, caption vector) pairs with the symmetric contrastive loss; returns the
    history. Every batch's other pairs are its negatives."""
    if not isinstance(model, ClipModel):
        raise TypeError(f"model must be a ClipModel, got {type(model).__name__}.")
    check_images(images, "images", channels=3, size=32)
    check_tensor(vectors, "vectors", dims=2)
    if len(images) != len(vectors):
        raise ValueError(f"Give one caption vector per picture, got {len(images)} pictures and {len(vectors)} "
                         "vectors.")  # fmt: skip
    return train(model, lambda m, batch: m.loss(*batch), (images, vectors), config=config, progress=progress,
                 desc=desc)  # fmt: skip


def precision_at_k(ranked: torch.Tensor, relevant: torch.Tensor) -> float:
    """The share of the retrieved items (indices, best first, e.g. the top k) that are relevant (a boolean mask
    over all items)."""
    check_tensor(ranked, "ranked", dims=1, kind="int")
    check_tensor(relevant, "relevant", dims=1, kind="bool")
    if ranked.min() < 0 or ranked.max() >= len(relevant):
        raise ValueError(f"ranked must hold indices of items 0..{len(relevant) - 1} (one mask entry per item), "
                         f"got {ranked.min().item()}..{ranked.max().item()}.")  # fmt: skip
    return float(relevant[ranked].float().mean())


@torch.no_grad()
def zero_shot(model: ClipModel, images: torch.Tensor, prompt_vectors: torch.Tensor) -> torch.Tensor:
    """For each picture, the index of the nearest prompt (one prompt per class): zero-shot classification."""
    check_tensor(prompt_vectors, "prompt_vectors", dims=2)
    return model.similarity(images, prompt_vectors).argmax(dim=1)


@torch.no_grad()
def retrieve(model: ClipModel, query_vector: torch.Tensor, images: torch.Tensor, k: int = 10) -> torch.Tensor:
    """The indices of the k pictures nearest to one query (a (1, 384) or (384,) sentence vector), best first."""
    check_count(k, "k", maximum=len(images))
    check_tensor(query_vector, "query_vector")
    if query_vector.dim() == 1:
        query_vector = query_vector[None]
    return model.similarity(images, query_vector)[:, 0].topk(k).indices
