"""n-gram counts, add-k smoothing in closed form, and the loss on real text."""

import math

import numpy as np
import pytest

from utils.ngram import NGramModel, uniform_loss


def test_bigram_probabilities_by_hand():
    # text "abab" over vocabulary {a, b, c}: bigrams ab, ba, ab
    model = NGramModel(2, 3, k=1.0).fit([0, 1, 0, 1])
    # p(b | a) = (2 + 1) / (2 + 3); p(a | a) = (0 + 1) / 5
    assert model.probabilities([0]) == pytest.approx([1 / 5, 3 / 5, 1 / 5])
    # p(x | c) with an unseen context is uniform
    assert model.probabilities([2]) == pytest.approx([1 / 3] * 3)
    loss = model.loss([0, 1, 0])  # -(log 3/5 + log p(a|b) = (1+1)/(1+3))/2
    assert loss == pytest.approx(-(math.log(3 / 5) + math.log(2 / 4)) / 2)


def test_unigram_and_uniform():
    model = NGramModel(1, 4, k=0.5).fit([0, 0, 1, 2])
    assert model.probabilities([]) == pytest.approx(np.array([2.5, 1.5, 1.5, 0.5]) / 6)
    assert uniform_loss(65) == pytest.approx(math.log(65))


def test_longer_contexts_fit_training_text_better():
    rng = np.random.default_rng(0)
    ids = np.array(list(rng.integers(0, 5, 200)) * 20)
    losses = [NGramModel(n, 5, k=0.01).fit(ids).loss(ids) for n in (1, 2, 3)]
    assert losses[0] > losses[1] > losses[2]
    sample = NGramModel(3, 5).fit(ids).sample([1, 2], 10, np.random.default_rng(1))
    assert len(sample) == 10 and max(sample) < 5


def test_bad_arguments():
    with pytest.raises(ValueError, match="k must be positive"):
        NGramModel(2, 3, k=0)
    with pytest.raises(ValueError, match="at least 3 tokens"):
        NGramModel(3, 3).fit([0, 1])
    with pytest.raises(ValueError, match=r"0\.\.2"):
        NGramModel(2, 3).fit([0, 3])


def test_unfitted_models_and_float_ids_are_refused():
    with pytest.raises(ValueError, match="call fit\\(ids\\) first"):
        NGramModel(2, 3).probabilities([0])
    with pytest.raises(ValueError, match="call fit\\(ids\\) first"):
        NGramModel(2, 3).loss([0, 1])
    with pytest.raises(ValueError, match="whole numbers"):
        NGramModel(2, 3).fit([0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="vocab_size must be at least 1"):
        NGramModel(2, 0)
    model = NGramModel(2, 3).fit([0, 1, 2, 0])
    with pytest.raises(ValueError, match="length must be"):
        model.sample([0], -1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="holds 5"):
        model.sample([5], 3, np.random.default_rng(0))
