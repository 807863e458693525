"""The CLIP-style model (Chapter 14): its loss is the symmetric InfoNCE, its text side reads MiniLM's vectors."""

import pytest
import torch

from utils.clip import ClipModel, retrieve, sentence_vectors, zero_shot
from utils.contrastive import symmetric_info_nce


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
