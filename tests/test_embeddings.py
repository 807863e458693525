"""Embeddings: similarity against torch, PCA against scikit-learn, skip-gram learns, MiniLM loads."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.decomposition import PCA

from utils.embeddings import (
    Embeddings,
    SkipGram,
    SkipGramConfig,
    cosine_similarity,
    minilm_token_embeddings,
    pca,
    skipgram_batches,
    word_ids,
)
from utils.train import TrainConfig, train


def test_cosine_similarity_matches_torch():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(6, 5, generator=g), torch.randn(3, 5, generator=g)
    expected = F.cosine_similarity(a[:, None], b[None], dim=-1)
    assert torch.allclose(cosine_similarity(a, b), expected, atol=1e-6)
    with pytest.raises(ValueError, match="same number of columns"):
        cosine_similarity(a, torch.randn(3, 4))


def test_pca_matches_sklearn_up_to_sign():
    x = torch.randn(50, 8, generator=torch.Generator().manual_seed(1)) * torch.arange(1, 9)
    ours = pca(x, 3).numpy()
    ref = PCA(3).fit_transform(x.numpy())
    for k in range(3):
        assert min(np.abs(ours[:, k] - ref[:, k]).max(), np.abs(ours[:, k] + ref[:, k]).max()) < 1e-4
    with pytest.raises(ValueError, match="k"):
        pca(x, 9)


def test_nearest_and_analogy_on_hand_made_vectors():
    words = ["man", "woman", "king", "queen", "apple"]
    vectors = torch.tensor([[1.0, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1], [-1, 0, 0]])
    emb = Embeddings(vectors, words)
    assert emb.nearest("king", 1)[0][0] == "queen"  # cos 0.82, ahead of man's 0.71
    sims = dict(emb.nearest("king", 4))
    assert sims["queen"] == pytest.approx(2 / np.sqrt(6), abs=1e-4) and sims["apple"] < 0
    assert emb.analogy("man", "king", "woman") == ["queen"]
    assert emb.similarity("man", "apple") == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        emb["pear"]
    with pytest.raises(ValueError, match="one row per word"):
        Embeddings(vectors, words[:3])


def test_word_ids_counts_and_orders_by_frequency():
    ids, vocab, counts = word_ids("b a b c b a. B!", min_count=2)
    assert vocab == ["b", "a"] and counts.tolist() == [4, 2]
    assert ids.tolist() == [0, 1, 0, 0, 1, 0]
    with pytest.raises(ValueError, match="No word occurs"):
        word_ids("one two", min_count=3)


def test_skipgram_loss_matches_the_formula():
    torch.manual_seed(0)
    model = SkipGram(SkipGramConfig(vocab_size=5, dim=3))
    torch.nn.init.normal_(model.context.weight)
    centre, context, noise = torch.tensor([0, 1]), torch.tensor([2, 3]), torch.tensor([[4, 2], [0, 0]])
    v, u = model.centre.weight, model.context.weight
    expected = 0.0
    for i in range(2):
        c = v[centre[i]]
        expected += -F.logsigmoid(u[context[i]] @ c) - sum(F.logsigmoid(-u[n] @ c) for n in noise[i])
    assert torch.allclose(model.loss((centre, context, noise)), expected / 2, atol=1e-6)


def test_skipgram_learns_which_words_share_contexts():
    rng = np.random.default_rng(0)
    groups = [["cat", "dog", "cow"], ["red", "blue", "green"]]
    text = " ".join(" ".join(rng.choice(groups[rng.integers(2)], 6)) for _ in range(800))
    ids, vocab, counts = word_ids(text, min_count=1)
    config = SkipGramConfig(vocab_size=len(vocab), dim=8, window=2, negatives=3)
    torch.manual_seed(0)
    model = SkipGram(config)
    batches = skipgram_batches(ids, counts, config, batch_size=256)
    centre, context, noise = batches(torch.Generator().manual_seed(0))
    assert centre.shape == context.shape == (256,) and noise.shape == (256, 3) and int(noise.max()) < len(vocab)
    history = train(model, lambda m, b: m.loss(b), batches, config=TrainConfig(steps=300, lr=0.05, eval_every=300,
                    grad_clip=None), progress=False)  # fmt: skip
    assert history["train_loss"].iloc[-1] < 0.8 * 4 * np.log(2)  # untrained: log 2 per real and noise word
    emb = Embeddings(model.centre.weight, vocab)
    within = np.mean([emb.similarity(a, b) for g in groups for a in g for b in g if a != b])
    across = np.mean([emb.similarity(a, b) for a in groups[0] for b in groups[1]])
    assert within > across + 0.5


def test_minilm_token_embeddings_are_the_real_ones():
    emb = minilm_token_embeddings()
    assert emb.vectors.shape == (30522, 384) and emb.words[101] == "[CLS]"
    assert "queen" in [w for w, _ in emb.nearest("king", 3)]
    assert emb.similarity("dog", "puppy") > emb.similarity("dog", "banana") + 0.3
    assert emb.analogy("man", "king", "woman") == ["queen"]


def test_lookups_name_the_unknown_word_and_bound_k():
    emb = Embeddings(torch.eye(3), ["a", "b", "c"])
    with pytest.raises(ValueError, match="'pear' is not in the vocabulary"):
        emb.nearest("pear")
    with pytest.raises(ValueError, match="'pear' is not in the vocabulary"):
        emb.analogy("a", "pear", "c")
    with pytest.raises(ValueError, match="k must be at least 1 and at most 2"):
        emb.nearest("a", k=3)  # the query word itself is never among its neighbours
    assert [w for w, _ in emb.nearest("a", k=1, exclude="b")] == ["c"]  # one word, not its letters
    with pytest.raises(ValueError, match="query contains NaN"):
        emb.nearest(torch.tensor([float("nan"), 0.0, 0.0]))
    with pytest.raises(ValueError, match="appears twice"):
        Embeddings(torch.eye(2), ["a", "a"])
    with pytest.raises(ValueError, match="token id 7"):
        SkipGram(SkipGramConfig(vocab_size=5, dim=2)).loss((torch.tensor([7]), torch.tensor([0]), torch.tensor([[0]])))
