"""Our MiniLM encoder reproduces sentence-transformers, with token ids from our WordPiece."""

import os
import random

import pytest
import torch

from utils.bert import BertConfig, SentenceEncoder, mean_pool
from utils.corpus import load_corpus
from utils.minilm import minilm_path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def encoder():
    return SentenceEncoder()


def _sentences(n=100):
    rng = random.Random(1)
    lines = [s.strip() for s in load_corpus().replace("\n", " ").split(". ") if 10 < len(s) < 300]
    extras = ["The cat chased the mouse because it was hungry.", "I sat on the bank of the river.",
              "Héllo, wörld!", "東京", "a", "🍎 and 🍌"]  # fmt: skip
    return extras + rng.sample(lines, n - len(extras))


def test_sentence_embeddings_match_sentence_transformers(encoder):
    st = pytest.importorskip("sentence_transformers")
    reference = st.SentenceTransformer(str(minilm_path()), device="cpu")
    sentences = _sentences()
    ours = encoder.encode(sentences)
    theirs = torch.tensor(reference.encode(sentences, batch_size=16))
    cosine = (ours * theirs).sum(dim=1)
    assert len(sentences) == 100 and cosine.min() >= 0.9999
    assert torch.allclose(ours.norm(dim=1), torch.ones(100), atol=1e-5)


def test_mean_pool_by_hand():
    hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [9.0, 9.0]], [[1.0, 1.0], [2.0, 0.0], [0.0, 5.0]]])  # (2, 3, 2)
    mask = torch.tensor([[1, 1, 0], [1, 1, 1]])
    expected = torch.tensor([[2.0, 3.0], [1.0, 2.0]])  # (1+3)/2, (2+4)/2; (1+2+0)/3, (1+0+5)/3
    assert torch.allclose(mean_pool(hidden, mask), expected)
    assert torch.allclose(mean_pool(hidden, mask.bool()), expected)
    assert torch.equal(hidden[0, 2], torch.tensor([9.0, 9.0]))  # the input is left as it was


def test_mean_pool_matches_sentence_transformers_pooling():
    st = pytest.importorskip("sentence_transformers")
    generator = torch.Generator().manual_seed(0)
    hidden = torch.randn(3, 5, 8, generator=generator)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [1, 0, 0, 0, 0]])
    pooling = st.models.Pooling(8, pooling_mode="mean")
    theirs = pooling({"token_embeddings": hidden, "attention_mask": mask})["sentence_embedding"]
    assert torch.allclose(mean_pool(hidden, mask), theirs, atol=1e-6)


def test_last_layer_mean_pooled_and_normalised_is_the_sentence_embedding(encoder):
    st = pytest.importorskip("sentence_transformers")
    reference = st.SentenceTransformer(str(minilm_path()), device="cpu")
    sentences = ["The cat chased the mouse because it was hungry.", "A dog", "Héllo, wörld!"]
    ids, mask = encoder.batch(sentences)  # padded to the longest sentence
    with torch.no_grad():
        hidden, _ = encoder.model(ids, mask, need_weights=False)  # (3, T, 384)
    ours = torch.nn.functional.normalize(mean_pool(hidden, mask), dim=-1)
    theirs = torch.tensor(reference.encode(sentences))
    assert torch.allclose(ours, theirs, atol=1e-5)


def test_token_ids_come_from_our_wordpiece(encoder):
    st = pytest.importorskip("sentence_transformers")
    reference = st.SentenceTransformer(str(minilm_path()), device="cpu")
    for sentence in _sentences(20):
        ids, _ = encoder.batch([sentence])
        assert ids[0].tolist() == reference.tokenize([sentence])["input_ids"][0].tolist()


def test_padding_does_not_change_an_embedding(encoder):
    alone = encoder.encode(["short sentence"])
    padded = encoder.encode(["short sentence", "a much longer sentence that forces padding of the first one"])
    assert torch.allclose(alone[0], padded[0], atol=1e-5)


def test_attention_maps(encoder):
    tokens, maps = encoder.attention("The cat sat.")
    assert tokens == ["[CLS]", "the", "cat", "sat", ".", "[SEP]"]
    assert maps.shape == (6, 12, 6, 6)
    assert torch.allclose(maps.sum(-1), torch.ones(6, 12, 6), atol=1e-5)


def test_similar_sentences_score_higher(encoder):
    e = encoder.encode(["A dog runs in the park.", "A puppy plays on the grass.", "Tax rates rose in March."])
    assert e[0] @ e[1] > e[0] @ e[2] + 0.2


def test_bad_input(encoder):
    with pytest.raises(ValueError, match="non-empty list"):
        encoder.encode([])
    with pytest.raises(ValueError, match="non-empty list"):
        encoder.batch("a string, not a list")
    with pytest.raises(ValueError, match="at most 512"):
        encoder.model(torch.zeros(1, 513, dtype=torch.long), torch.ones(1, 513, dtype=torch.long))


def test_bad_ids_and_masks_are_named(encoder):
    ids, mask = encoder.batch(["The cat sat.", "A dog"])
    with pytest.raises(ValueError, match="token id 30522, outside the vocabulary \\(ids run from 0 to 30521\\)"):
        encoder.model(torch.full_like(ids, 30522), mask)
    with pytest.raises(ValueError, match="ids must hold whole numbers"):
        encoder.model(ids.float(), mask)
    with pytest.raises(ValueError, match="attention_mask must have shape"):
        encoder.model(ids, mask[:, :-1])
    padding_only = mask.clone()
    padding_only[1] = 0  # mean pooling over no tokens would divide by zero
    with pytest.raises(ValueError, match="Row 1 of attention_mask is all 0"):
        encoder.model(ids, padding_only)
    with pytest.raises(ValueError, match="is empty"):
        encoder.model(ids[:, :0], mask[:, :0])
    with pytest.raises(ValueError, match="batch_size must be"):
        encoder.encode(["a"], batch_size=0)


def test_bad_settings_fail_before_loading():
    with pytest.raises(ValueError, match="max_length must be at least 2"):
        SentenceEncoder(max_length=1)
    with pytest.raises(ValueError, match="device must name a device"):
        SentenceEncoder(device="gpu please")
    with pytest.raises(ValueError, match="divisible by heads"):
        BertConfig(hidden=10, heads=3)
