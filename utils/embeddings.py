"""Word embeddings: similarity, neighbours, analogies, PCA, and a skip-gram model (Chapter 5).

`SkipGram` is word2vec's skip-gram with negative sampling (Mikolov et al., 2013): each
word gets a vector, trained so that a word's vector scores high against the words seen
near it and low against random words. `skipgram_batches` draws training examples from a
stream of word ids; training itself goes through `utils.train`.

`minilm_token_embeddings` reads the input embedding matrix of the real MiniLM encoder
(30,522 WordPiece tokens x 384 numbers) straight from its safetensors file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from safetensors import safe_open

from .tokenizers import minilm_path

WORD = re.compile(r"[a-z]+")


def cosine_similarity(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Cosine of the angle between every row of `a` (N, D) and every row of `b` (M, D): (N, M)."""
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"Expected two matrices with the same number of columns, got {tuple(a.shape)} and "
                         f"{tuple(b.shape)}.")  # fmt: skip
    return F.normalize(a, dim=1) @ F.normalize(b, dim=1).T


class Embeddings:
    """A matrix of word vectors with the words they belong to."""

    def __init__(self, vectors: torch.Tensor, words: Sequence[str]):
        if vectors.dim() != 2 or len(words) != vectors.shape[0]:
            raise ValueError(f"Need one row per word: {len(words)} words but vectors of shape {tuple(vectors.shape)}.")
        self.vectors = vectors.detach().float()
        self.words = list(words)
        self.index = {w: i for i, w in enumerate(self.words)}
        self._unit = F.normalize(self.vectors, dim=1)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def __getitem__(self, word: str) -> torch.Tensor:
        if word not in self.index:
            raise ValueError(f"{word!r} is not in the vocabulary of these embeddings.")
        return self.vectors[self.index[word]]

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words."""
        return float(F.normalize(self[a], dim=0) @ F.normalize(self[b], dim=0))

    def nearest(
        self, query: str | torch.Tensor, k: int = 10, *, exclude: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        """The `k` words most similar to a word or a vector, with their cosine similarity."""
        if isinstance(query, str):
            exclude = [*exclude, query]
            query = self[query]
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
    folder = minilm_path()
    with safe_open(str(folder / "model.safetensors"), framework="pt") as f:
        vectors = f.get_tensor("embeddings.word_embeddings.weight")
    words = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    return Embeddings(vectors, words)


def pca(x: torch.Tensor, k: int = 2) -> torch.Tensor:
    """Project rows of `x` (N, D) onto their top `k` principal components: (N, k).

    Signs are fixed so that the largest entry of each component is positive.
    """
    if x.dim() != 2 or not 1 <= k <= min(x.shape):
        raise ValueError(f"pca needs a 2D matrix and 1 <= k <= {min(x.shape) if x.dim() == 2 else '?'}, got k={k}.")
    centred = x.double() - x.double().mean(dim=0)
    _, _, vt = torch.linalg.svd(centred, full_matrices=False)
    components = vt[:k]
    signs = torch.sign(components.gather(1, components.abs().argmax(dim=1, keepdim=True)))
    return (centred @ (components * signs).T).float()


def word_ids(text: str, *, min_count: int = 5) -> tuple[torch.Tensor, list[str], torch.Tensor]:
    """Lower-case words of `text` as ids: (ids, vocabulary, counts), rare words dropped.

    Words are runs of letters; the vocabulary is sorted by frequency (ties alphabetically).
    """
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


class SkipGram(torch.nn.Module):
    """Two tables of vectors: one for words as centres, one for words as context."""

    def __init__(self, config: SkipGramConfig):
        super().__init__()
        self.config = config
        self.centre = torch.nn.Embedding(config.vocab_size, config.dim)  # the embeddings we keep
        self.context = torch.nn.Embedding(config.vocab_size, config.dim)
        torch.nn.init.uniform_(self.centre.weight, -0.5 / config.dim, 0.5 / config.dim)
        torch.nn.init.zeros_(self.context.weight)

    def loss(self, batch: tuple[torch.Tensor, torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Negative-sampling loss: -log s(u_o . v_c) - sum_k log s(-u_k . v_c), averaged."""
        centre, context, noise = batch  # (B,), (B,), (B, K)
        v = self.centre(centre)  # (B, C)
        positive = (self.context(context) * v).sum(-1)  # (B,)
        negative = torch.einsum("bkc,bc->bk", self.context(noise), v)  # (B, K)
        return -(F.logsigmoid(positive).mean() + F.logsigmoid(-negative).sum(-1).mean())


def skipgram_batches(ids: torch.Tensor, counts: torch.Tensor, config: SkipGramConfig, batch_size: int = 1024
                     ) -> Callable[[torch.Generator], tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:  # fmt: skip
    """A function generator -> (centres, contexts, noise) sampling random (word, neighbour) pairs.

    Noise words are drawn in proportion to count ** 0.75, as in word2vec.
    """
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
