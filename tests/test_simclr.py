"""SimCLR and linear probes (Chapter 14): the loss is NT-Xent of two views, probes take the labels they are given."""

import numpy as np
import pytest
import torch

from utils.contrastive import augment, nt_xent
from utils.simclr import SimCLR, encode, few_labels, fit_simclr, probe_accuracy
from utils.train import TrainConfig


def test_the_loss_is_nt_xent_of_two_random_views():
    torch.manual_seed(0)
    model = SimCLR(dim=8, width=4, projection=4)
    images = torch.rand(5, 3, 32, 32)
    torch.manual_seed(1)
    loss = model.loss(images, temperature=0.3)
    torch.manual_seed(1)
    first, second = augment(images), augment(images)
    assert loss.item() == pytest.approx(nt_xent(model(first), model(second), 0.3).item(), rel=1e-5)


def test_few_labels_takes_that_many_of_each_class_without_repeats():
    labels = np.repeat([0, 1, 2], 20)
    chosen = few_labels(labels, 7, seed=3)
    assert len(set(chosen.tolist())) == 21 and np.bincount(labels[chosen]).tolist() == [7, 7, 7]
    assert np.array_equal(chosen, few_labels(labels, 7, seed=3))


def test_a_probe_is_perfect_on_separable_features_and_near_chance_on_noise():
    rng = np.random.default_rng(0)
    labels, test_labels = np.repeat([0, 1, 2], 50), np.repeat([0, 1, 2], 100)
    centres = np.eye(3) * 10
    features = centres[labels] + rng.normal(size=(150, 3))
    test = centres[test_labels] + rng.normal(size=(300, 3))
    assert probe_accuracy(features, labels, test, test_labels, per_class=3) == 1.0
    noise = probe_accuracy(rng.normal(size=(150, 20)), labels, rng.normal(size=(300, 20)), test_labels, per_class=10)
    assert 0.2 < noise < 0.5


def test_encoding_in_batches_equals_one_pass_and_training_lowers_the_loss():
    torch.manual_seed(0)
    model = SimCLR(dim=8, width=4, projection=8)
    images = torch.rand(7, 3, 32, 32)
    with torch.no_grad():
        assert np.allclose(encode(model.encoder, images, batch_size=3), model.encoder.eval()(images).numpy(), atol=1e-6)
    history = fit_simclr(model, images, TrainConfig(steps=30, batch_size=7, lr=3e-3, eval_every=10), progress=False)
    assert history["train_loss"].iloc[-1] < history["train_loss"].iloc[0]
