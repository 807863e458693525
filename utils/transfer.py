"""Putting a pretrained encoder to work on new tasks (Chapter 3).

A foundation model is trained once and adapted many times. With the MiniLM sentence
encoder of `utils.bert` frozen, this file adapts it in three ways, from most labels to
none: a linear probe (logistic regression on the embeddings), few-shot nearest-centroid
classification (one mean vector per class from k examples), and zero-shot classification
(compare each sentence with a short description of each label). `nearest` is semantic
search. `bag_of_words_classifier` is the baseline that starts from nothing: it learns
from the labelled sentences alone.

Embeddings are (N, D) tensors whose rows are unit vectors, as `SentenceEncoder.encode`
returns them, so a dot product is a cosine similarity.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from .checks import check_count, check_number, check_tensor
from .embeddings import cosine_similarity

TOPICS_CSV = Path(__file__).resolve().parent / "data" / "topics.csv"  # package data: installs with utils


def load_topics(path: str | Path = TOPICS_CSV) -> pd.DataFrame:
    """The book's labelled sentences: a DataFrame with columns `text` and `topic`."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; it ships inside the book's package (utils/data).")
    return pd.read_csv(path)


def nearest(queries: torch.Tensor, corpus: torch.Tensor, k: int = 5) -> tuple[torch.Tensor, torch.Tensor]:
    """The k rows of `corpus` (N, D) most similar to each query (Q, D): (scores, indices), each (Q, k).

    >>> nearest(torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0], [1.0, 0.1]]), k=1)[1]
    tensor([[1]])
    """
    check_tensor(queries, "queries", dims=(1, 2))
    check_tensor(corpus, "corpus", dims=2)
    queries = queries[None] if queries.dim() == 1 else queries
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(corpus):
        raise ValueError(f"k must be a whole number from 1 to the corpus size ({len(corpus)}), got {k!r}.")
    return cosine_similarity(queries, corpus).topk(k, dim=1)


def per_class_sample(labels: Sequence[str], k: int, seed: int = 0) -> np.ndarray:
    """Indices of k examples of every class, drawn at random without replacement (sorted by class)."""
    check_count(seed, "seed", minimum=0)
    labels = np.asarray(_check_labels(labels, "labels", empty_ok=True))
    if len(labels) == 0:
        raise ValueError("There are no labelled examples to sample from.")
    classes, counts = np.unique(labels, return_counts=True)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1 or k > counts.min():
        raise ValueError(f"k must be a whole number from 1 to {int(counts.min())} (the smallest class, "
                         f"{str(classes[counts.argmin()])!r}), got {k!r}.")  # fmt: skip
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.choice(np.flatnonzero(labels == c), size=k, replace=False) for c in classes])


class NearestCentroid:
    """Few-shot classifier: the mean embedding of each class; a new point gets the class of the closest mean."""

    def fit(self, x: torch.Tensor, labels: Sequence[str]) -> NearestCentroid:
        """Learn one centroid per class from embeddings (N, D) and their labels."""
        labels = _check_pairs(x, labels)
        self.classes = sorted(set(labels))
        index = torch.tensor([self.classes.index(label) for label in labels])
        self.centroids = torch.stack([x[index == i].mean(0) for i in range(len(self.classes))])  # (classes, D)
        return self

    def predict(self, x: torch.Tensor) -> list[str]:
        """The class of the nearest centroid for each embedding (N, D)."""
        if not hasattr(self, "centroids"):
            raise ValueError("This NearestCentroid has not been fitted yet: call fit(x, labels) before predict.")
        check_tensor(x, "x", shape=(None, self.centroids.shape[1]))
        best = cosine_similarity(x, self.centroids).argmax(1)
        return [self.classes[i] for i in best.tolist()]


def linear_probe(x: torch.Tensor, labels: Sequence[str], *, c: float = 10.0) -> LogisticRegression:
    """Logistic regression on frozen embeddings (N, D): the classic test of what a representation knows."""
    labels = _check_pairs(x, labels)
    check_number(c, "c", low=0, low_open=True)
    return LogisticRegression(C=c, max_iter=2000).fit(x.detach().cpu().numpy(), list(labels))


def bag_of_words_classifier(texts: Sequence[str], labels: Sequence[str], *, c: float = 10.0) -> Pipeline:
    """The from-scratch baseline: word counts and logistic regression, learned from these examples only."""
    texts, labels = _check_labels(texts, "texts", empty_ok=True), _check_labels(labels, "labels", empty_ok=True)
    if not all(isinstance(t, str) for t in texts):
        raise TypeError("texts must hold strings only.")
    check_number(c, "c", low=0, low_open=True)
    if len(texts) != len(labels) or len(set(labels)) < 2:
        raise ValueError(f"Need one label per text and at least two classes; got {len(texts)} texts, "
                         f"{len(labels)} labels, {len(set(labels))} classes.")  # fmt: skip
    counter = CountVectorizer()
    if not counter.build_analyzer()(" ".join(texts)):
        raise ValueError("The texts hold no words (of two or more letters) to count.")
    return make_pipeline(counter, LogisticRegression(C=c, max_iter=2000)).fit(list(texts), list(labels))


def zero_shot(x: torch.Tensor, label_vectors: torch.Tensor, labels: Sequence[str]) -> list[str]:
    """For each embedding (N, D), the label whose description embedding (L, D) is most similar."""
    check_tensor(x, "x", dims=2)
    check_tensor(label_vectors, "label_vectors", dims=2)
    labels = _check_labels(labels, "labels", empty_ok=True)
    if len(label_vectors) != len(labels) or not len(labels):
        raise ValueError(f"Need one description vector per label: {len(label_vectors)} vectors, {len(labels)} labels.")
    return [labels[i] for i in cosine_similarity(x, label_vectors).argmax(1).tolist()]


def accuracy(predicted: Sequence[str], true: Sequence[str]) -> float:
    """The fraction of predictions that equal the true labels."""
    predicted, true = _check_labels(predicted, "predicted", empty_ok=True), _check_labels(true, "true", empty_ok=True)
    if len(predicted) != len(true) or not len(true):
        raise ValueError(f"Need as many predictions as true labels (and at least one): {len(predicted)} vs "
                         f"{len(true)}.")  # fmt: skip
    return float(np.mean(np.asarray(predicted) == np.asarray(true)))


def confusion(true: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> pd.DataFrame:
    """Counts of (true label, predicted label): rows are the truth, columns the predictions."""
    true, predicted = _check_labels(true, "true", empty_ok=True), _check_labels(predicted, "predicted", empty_ok=True)
    labels = _check_labels(labels, "labels")
    if len(true) != len(predicted) or not len(true):
        raise ValueError(f"Need as many predictions as true labels (and at least one): {len(predicted)} vs "
                         f"{len(true)}.")  # fmt: skip
    if len(set(labels)) != len(labels):
        raise ValueError(f"Each label may appear once in labels, got {labels}.")
    unknown = (set(true) | set(predicted)) - set(labels)
    if unknown:
        raise ValueError(f"Unknown labels {sorted(unknown)}; the labels are {list(labels)}.")
    table = pd.crosstab(pd.Categorical(true, labels), pd.Categorical(predicted, labels), dropna=False)
    table.index.name, table.columns.name = "true", "predicted"
    return table


def read_glossary(path: str | Path) -> dict[str, str]:
    """Terms and definitions from a MyST glossary block (a term line, then its indented definition)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not a text file ({err}).") from None
    block = re.search(r"```\{glossary\}\n(.*?)```", text, re.S)
    if block is None:
        raise ValueError(f"{path} has no ```{{glossary}} block.")
    entries: dict[str, str] = {}
    for chunk in re.split(r"\n(?=\S)", block.group(1).strip()):
        term, _, definition = chunk.partition("\n")
        entries[term.strip()] = " ".join(definition.split())
    return entries


def _check_labels(labels: Sequence[str], name: str, *, empty_ok: bool = False) -> list:
    """`labels` as a list of strings or whole numbers; one string is refused (it would be read letter by letter)."""
    if isinstance(labels, str) or not hasattr(labels, "__len__"):
        raise TypeError(f"{name} must be a list of labels, got {type(labels).__name__}: {labels!r:.40}")
    labels = list(labels.tolist() if hasattr(labels, "tolist") else labels)
    if not empty_ok and not labels:
        raise ValueError(f"{name} is empty; give at least one label.")
    wrong = [x for x in labels if isinstance(x, bool) or not isinstance(x, (str, int, np.integer))]
    if wrong:
        raise TypeError(f"{name} must hold strings (or whole numbers), got {wrong[0]!r:.40}.")
    return labels


def _check_pairs(x: torch.Tensor, labels: Sequence[str]) -> list:
    check_tensor(x, "x", dims=2)
    labels = _check_labels(labels, "labels", empty_ok=True)
    if x.dim() != 2 or len(x) != len(labels) or not len(labels):
        raise ValueError(f"Need embeddings (N, D) with one label per row: got {tuple(x.shape)} and "
                         f"{len(labels)} labels.")  # fmt: skip
    if len(set(labels)) < 2:
        raise ValueError("Need examples of at least two classes to tell them apart.")
    return labels
