"""The CLIP-style model (Chapter 14): its loss is the symmetric InfoNCE, its text side reads MiniLM's vectors."""

import math

import pytest
import torch

from utils.clip import ClipModel, _encoder, fit_clip, precision_at_k, retrieve, sentence_vectors, zero_shot
from utils.contrastive import symmetric_info_nce
from utils.train import TrainConfig


def test_the_clip_loss_is_the_symmetric_info_nce_at_the_learned_temperature():
    torch.manual_seed(0)
    model = ClipModel(dim=16, width=8)
    images = torch.rand(6, 3, 32, 32)
    vectors = torch.nn.functional.normalize(torch.randn(6, 384), dim=1)
    expected = symmetric_info_nce(model.images(images), model.text(vectors), temperature=model.temperature)
    assert model.loss(images, vectors).item() == pytest.approx(expected.item(), rel=1e-5)


def test_zero_shot_and_retrieval_pick_the_nearest_text_and_pictures():
    torch.manual_seed(0)
    model = ClipModel(dim=16, width=8)
    images = torch.rand(5, 3, 32, 32)
    prompts = sentence_vectors(["a photo of an apple", "a photo of a banana"])
    similarity = model.similarity(images, prompts)
    assert torch.equal(zero_shot(model, images, prompts), similarity.argmax(1))
    assert torch.equal(retrieve(model, prompts[1], images, k=3), similarity[:, 1].topk(3).indices)
    same = sentence_vectors(["a round red apple", "a round red apple"])
    assert torch.allclose(same[0], same[1]) and same.norm(dim=1).allclose(torch.ones(2))


def test_repeated_captions_are_encoded_once_with_the_same_vectors():
    texts = ["a round red apple", "a long yellow banana", "a round red apple"]
    direct = _encoder().encode(texts)
    assert torch.allclose(sentence_vectors(texts), direct, atol=1e-6)


def test_precision_at_k_counts_the_relevant_share_of_the_results():
    relevant = torch.tensor([True, False, True, False, False])
    assert precision_at_k(torch.tensor([0, 1, 2, 3]), relevant) == 0.5
    assert precision_at_k(torch.tensor([2]), relevant) == 1.0


def test_a_few_clip_steps_bring_matching_pairs_below_the_loss_of_knowing_nothing():
    torch.manual_seed(0)
    colours = torch.rand(8, 3, 1, 1).expand(8, 3, 32, 32).contiguous()  # eight plain pictures
    vectors = torch.nn.functional.normalize(torch.randn(8, 384), dim=1)  # eight distinct "captions"
    model = ClipModel(dim=16, width=8)
    history = fit_clip(model, colours, vectors, TrainConfig(steps=60, batch_size=8, lr=3e-3), progress=False)
    assert history["train_loss"].iloc[-1] < 0.5 * math.log(8)
