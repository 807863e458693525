"""Word embeddings: similarity, neighbours, analogies, PCA, and a skip-gram model (Chapter 5).

`SkipGram` is word2vec's skip-gram with negative sampling (Mikolov et al., 2013): each
word gets a vector, trained so that a word's vector scores high against the words seen
near it and low against random words. `skipgram_batches` draws training examples from a
stream of word ids; training itself goes through `utils.train`.

`minilm_token_embeddings` reads the input embedding matrix of the real MiniLM encoder
(30,522 WordPiece tokens x 384 numbers) through `utils.minilm`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from .checks import check_count, check_ids, check_tensor
from .minilm import minilm_vocab, minilm_weights

WORD = re.compile(r"[a-z]+")


def cosine_similarity(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Cosine of the angle between every row of `a` (N, D) and every row of `b` (M, D): (N, M).

    A row of zeros has no direction; its cosine with anything is 0.
    """
    check_tensor(a, "a", dims=2)
    check_tensor(b, "b", dims=2)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"Expected two matrices with the same number of columns, got {tuple(a.shape)} and "
                         f"{tuple(b.shape)}.")  # fmt: skip
    if a.dtype != b.dtype:  # e.g. float64 and float32: compute in the wider one
        wider = torch.promote_types(a.dtype, b.dtype)
        a, b = a.to(wider), b.to(wider)
    return F.normalize(a, dim=1) @ F.normalize(b, dim=1).T


class Embeddings:
    """A matrix of word vectors with the words they belong to."""

    def __init__(self, vectors: torch.Tensor, words: Sequence[str]):
        check_tensor(vectors, "vectors", dims=2, kind=None)
        if vectors.dtype == torch.bool or vectors.is_complex():
            raise ValueError(f"vectors must hold real numbers, got {vectors.dtype}.")
        if isinstance(words, str) or not isinstance(words, Iterable):
            raise TypeError(f"words must be a list of strings, got {type(words).__name__}.")
        words = list(words)
        if not all(isinstance(w, str) for w in words):
            raise TypeError(f"words must hold strings only, got {next(w for w in words if not isinstance(w, str))!r}.")
        if len(words) != vectors.shape[0]:
            raise ValueError(f"Need one row per word: {len(words)} words but vectors of shape {tuple(vectors.shape)}.")
        if len(set(words)) != len(words):
            twice = next(w for w in words if words.count(w) > 1)
            raise ValueError(f"Each word needs its own row; {twice!r} appears twice.")
        self.vectors = vectors.detach().float()
        self.words = list(words)
        self.index = {w: i for i, w in enumerate(self.words)}
        self._unit = F.normalize(self.vectors, dim=1)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def __getitem__(self, word: str) -> torch.Tensor:
        if not isinstance(word, str):
            raise TypeError(f"Look words up by their text, got {type(word).__name__}: {word!r:.40}.")
        if word not in self.index:
            raise ValueError(f"{word!r} is not in the vocabulary of these embeddings.")
        return self.vectors[self.index[word]]

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words."""
        return float(F.normalize(self[a], dim=0) @ F.normalize(self[b], dim=0))

    def nearest(
        self, query: str | torch.Tensor, k: int = 10, *, exclude: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        """The `k` words most similar to a word or a vector, with their cosine similarity.

        The query word and the words in `exclude` are never among them.
        """
        exclude = [exclude] if isinstance(exclude, str) else list(exclude)  # one word, not its letters
        if isinstance(query, str):
            exclude = [*exclude, query]
            query = self[query]
        else:
            check_tensor(query, "query", shape=(self.vectors.shape[1],), kind=None)
            if query.dtype == torch.bool or query.is_complex():
                raise ValueError(f"query must hold real numbers, got {query.dtype}.")
        left = len(self.words) - len({w for w in exclude if isinstance(w, str) and w in self.index})
        check_count(k, "k", maximum=left)
        scores = self._unit @ F.normalize(query.float(), dim=0)
        for word in exclude:
            if word in self.index:
                scores[self.index[word]] = -2.0
        best = scores.topk(k)
        return [(self.words[i], round(float(s), 4)) for s, i in zip(best.values, best.indices, strict=True)]

    def analogy(self, a: str, b: str, c: str, k: int = 1) -> list[str]:
        """Words d with a : b = c : d, found nearest to b - a + c (e.g. man : king = woman : queen)."""
        target = F.normalize(self[b], dim=0) - F.normalize(self[a], dim=0) + F.normalize(self[c], dim=0)
        return [w for w, _ in self.nearest(target, k, exclude=[a, b, c])]


def minilm_token_embeddings() -> Embeddings:
    """MiniLM's input token embeddings (30,522 x 384) with its WordPiece vocabulary."""
    name = "embeddings.word_embeddings.weight"
    return Embeddings(minilm_weights([name])[name], minilm_vocab())


def pca(x: torch.Tensor, k: int = 2) -> torch.Tensor:
    """Project rows of `x` (N, D) onto their top `k` principal components: (N, k).

    Signs are fixed so that the largest entry of each component is positive.
    """
    check_tensor(x, "x", dims=2, kind=None)
    if x.dtype == torch.bool or x.is_complex():
        raise ValueError(f"x must hold real numbers, got {x.dtype}.")
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= min(x.shape):
        raise ValueError(f"pca needs 1 <= k <= {min(x.shape)} (the smaller side of x), got k={k!r}.")
    centred = x.double() - x.double().mean(dim=0)
    _, _, vt = torch.linalg.svd(centred, full_matrices=False)
    components = vt[:k]
    signs = torch.sign(components.gather(1, components.abs().argmax(dim=1, keepdim=True)))
    return (centred @ (components * signs).T).float()


def word_ids(text: str, *, min_count: int = 5) -> tuple[torch.Tensor, list[str], torch.Tensor]:
    """Lower-case words of `text` as ids: (ids, vocabulary, counts), rare words dropped.

    Words are runs of letters; the vocabulary is sorted by frequency (ties alphabetically).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}.")
    check_count(min_count, "min_count")
    words = WORD.findall(text.lower())
    counts = Counter(words)
    vocab = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    if not vocab:
        raise ValueError(f"No word occurs {min_count} times; lower min_count or give more text.")
    index = {w: i for i, w in enumerate(vocab)}
    ids = torch.tensor([index[w] for w in words if w in index])
    return ids, vocab, torch.tensor([counts[w] for w in vocab], dtype=torch.float)


@dataclass
class SkipGramConfig:
    vocab_size: int  # number of distinct words
    dim: int = 64  # length of each word vector
    window: int = 4  # context: up to this many words on each side
    negatives: int = 5  # random "noise" words per real context word

    def __post_init__(self) -> None:
        for name in ("vocab_size", "dim", "window", "negatives"):
            check_count(getattr(self, name), name)


def _check_config(config: Any) -> SkipGramConfig:
    if not isinstance(config, SkipGramConfig):
        raise TypeError(f"config must be a SkipGramConfig, got {type(config).__name__}.")
    return config


class SkipGram(torch.nn.Module):
    """Two tables of vectors: one for words as centres, one for words as context."""

    def __init__(self, config: SkipGramConfig):
        super().__init__()
        self.config = _check_config(config)
        self.centre = torch.nn.Embedding(config.vocab_size, config.dim)  # the embeddings we keep
        self.context = torch.nn.Embedding(config.vocab_size, config.dim)
        torch.nn.init.uniform_(self.centre.weight, -0.5 / config.dim, 0.5 / config.dim)
        torch.nn.init.zeros_(self.context.weight)

    def loss(self, batch: tuple[torch.Tensor, torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Negative-sampling loss: -log s(u_o . v_c) - sum_k log s(-u_k . v_c), averaged."""
        if not isinstance(batch, (tuple, list)) or len(batch) != 3:
            raise ValueError("batch must be three tensors (centres, contexts, noise), as skipgram_batches draws them.")
        centre, context, noise = batch  # (B,), (B,), (B, K)
        V = self.config.vocab_size
        B = len(check_ids(centre, V, "centres", dims=1))
        check_ids(context, V, "contexts", dims=1)
        check_ids(noise, V, "noise", dims=2)
        if len(context) != B or len(noise) != B:
            raise ValueError(f"centres, contexts and noise need one row per example: got {B}, {len(context)} and "
                             f"{len(noise)}.")  # fmt: skip
        v = self.centre(centre)  # (B, C)
        positive = (self.context(context) * v).sum(-1)  # (B,)
        negative = torch.einsum("bkc,bc->bk", self.context(noise), v)  # (B, K)
        return -(F.logsigmoid(positive).mean() + F.logsigmoid(-negative).sum(-1).mean())


def skipgram_batches(ids: torch.Tensor, counts: torch.Tensor, config: SkipGramConfig, batch_size: int = 1024
                     ) -> Callable[[torch.Generator], tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:  # fmt: skip
    """A function generator -> (centres, contexts, noise) sampling random (word, neighbour) pairs.

    Noise words are drawn in proportion to count ** 0.75, as in word2vec.
    """
    config = _check_config(config)
    check_ids(ids, config.vocab_size, "ids", dims=1)
    check_tensor(counts, "counts", shape=(config.vocab_size,), kind=None)
    if counts.dtype == torch.bool or counts.is_complex() or bool((counts < 0).any()) or not bool((counts > 0).any()):
        raise ValueError("counts must be one number of at least 0 per word, not all zero (how often each word occurs).")
    check_count(batch_size, "batch_size")
    if len(ids) <= 2 * config.window:
        raise ValueError("The text is too short for this window size.")
    noise_weights = counts**0.75

    def draw(generator: torch.Generator):
        pos = torch.randint(config.window, len(ids) - config.window, (batch_size,), generator=generator)
        offset = torch.randint(1, config.window + 1, (batch_size,), generator=generator)
        sign = torch.randint(0, 2, (batch_size,), generator=generator) * 2 - 1
        noise = torch.multinomial(noise_weights, batch_size * config.negatives, replacement=True, generator=generator)
        return ids[pos], ids[pos + sign * offset], noise.view(batch_size, config.negatives)

    return draw
