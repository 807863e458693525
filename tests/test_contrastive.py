"""Contrastive losses and augmentations (Chapter 14): hand computations, the log N of a constant encoder, views."""

import math

import pytest
import torch
import torch.nn.functional as F

from utils.contrastive import augment, info_nce, nt_xent, similarities, symmetric_info_nce


def test_info_nce_equals_a_hand_computation_on_three_pairs():
    a = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    b = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    s = (F.normalize(a, dim=1) @ F.normalize(b, dim=1).T).tolist()  # cosines, temperature 1
    by_hand = -sum(math.log(math.exp(s[i][i]) / sum(math.exp(v) for v in s[i])) for i in range(3)) / 3
    assert info_nce(a, b, temperature=1.0).item() == pytest.approx(by_hand, rel=1e-6)
    backwards = -sum(math.log(math.exp(s[i][i]) / sum(math.exp(s[j][i]) for j in range(3))) for i in range(3)) / 3
    assert symmetric_info_nce(a, b, temperature=1.0).item() == pytest.approx((by_hand + backwards) / 2, rel=1e-6)
    assert torch.allclose(similarities(a, b, 0.5), 2 * torch.tensor(s))


@pytest.mark.parametrize("n", [2, 5, 32])
def test_an_encoder_that_outputs_constants_scores_log_n(n):
    same = torch.ones(n, 4)
    assert info_nce(same, same).item() == pytest.approx(math.log(n), rel=1e-6)
    assert symmetric_info_nce(same, same).item() == pytest.approx(math.log(n), rel=1e-6)
    assert nt_xent(same, same).item() == pytest.approx(math.log(2 * n - 1), rel=1e-6)


def test_nt_xent_is_low_when_partners_match_and_others_differ():
    z = torch.eye(4) * 10
    assert nt_xent(z, z, temperature=0.1).item() < 1e-3
    assert nt_xent(z, z.roll(1, dims=0), temperature=0.1).item() > 5


def test_views_keep_shape_and_range_and_differ_from_the_picture():
    g = torch.Generator().manual_seed(0)
    images = torch.rand(6, 3, 32, 32, generator=g)
    views = augment(images, generator=torch.Generator().manual_seed(1))
    assert views.shape == images.shape and views.min() >= 0 and views.max() <= 1
    assert not torch.allclose(views, images)
    assert torch.equal(views, augment(images, generator=torch.Generator().manual_seed(1)))  # seeded
    same = augment(images, scale=(1.0, 1.0), jitter=0.0, flip=False)
    assert torch.allclose(same, images, atol=1e-5)  # no crop, no colour change, no flip: the picture itself
    flipped = augment(images, scale=(1.0, 1.0), jitter=0.0, flip=True, generator=torch.Generator().manual_seed(3))
    for view, image in zip(flipped, images, strict=True):
        assert torch.allclose(view, image, atol=1e-5) or torch.allclose(view, image.flip(-1), atol=1e-5)
