"""Every shipped checkpoint loads (SHA-256 checked) and still does what its chapter says."""

import json

import pytest
import torch

from utils.corpus import load_corpus, train_val_split, window_batches
from utils.metrics import frechet_distance, mode_coverage, ring_centres
from utils.pretrained import (
    AUTOENCODER_RECIPES,
    CHECKPOINTS,
    autoencoder_data,
    load_autoencoder,
    load_fruit_classifier,
    load_gan,
    load_gpt,
)
from utils.train import TrainConfig, evaluate


def test_manifests_name_their_script_and_match_their_files():
    manifests = sorted(CHECKPOINTS.glob("*.json"))
    assert manifests, "no shipped checkpoints"
    for path in manifests:
        manifest = json.loads(path.read_text())
        assert manifest["script"].startswith("python scripts/") and (CHECKPOINTS / manifest["file"]).exists()


def test_gpt_checkpoint_beats_the_five_gram_on_held_out_text():
    model, tokenizer, manifest = load_gpt()
    _, val_ids = train_val_split(torch.tensor(tokenizer.encode(load_corpus())))
    loss = evaluate(model, lambda m, b: m(*b)[1], window_batches(val_ids, model.config.block_size, 8),
                    TrainConfig(eval_batches=40), torch.device("cpu"))  # fmt: skip
    assert loss < 1.55  # the 5-gram baseline scores 1.56 on the same split (Chapter 8)
    assert abs(loss - manifest["metadata"]["final_val_loss"]) < 0.05


@pytest.mark.parametrize("name", [n for n in AUTOENCODER_RECIPES if (CHECKPOINTS / f"{n}.json").exists()])
def test_autoencoder_checkpoints_reconstruct_held_out_images(name):
    model, manifest = load_autoencoder(name)
    _, held_out = autoencoder_data(manifest["metadata"]["data"])
    loss = model.loss(held_out[:500], noise=manifest["metadata"]["noise"]).item()
    assert loss == pytest.approx(manifest["metadata"]["history"]["val_loss"][-1], rel=0.05)


def test_retraining_the_digits_vae_reproduces_the_shipped_checkpoint():
    from utils.pretrained import train_autoencoder

    shipped, manifest = load_autoencoder("digits_vae")
    retrained, history = train_autoencoder("digits_vae", progress=False)
    assert history["val_loss"].iloc[-1] == pytest.approx(manifest["metadata"]["history"]["val_loss"][-1], rel=0.01)
    _, held_out = autoencoder_data("digits")
    g1, g2 = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    assert retrained.loss(held_out, generator=g1).item() == pytest.approx(shipped.loss(held_out, generator=g2).item(),
                                                                          rel=0.01)  # fmt: skip


def test_ring_gan_checkpoint_covers_every_mode():
    generator, manifest = load_gan("gan_ring")
    quality = mode_coverage(generator.sample(2500, torch.Generator().manual_seed(2)), ring_centres(), std=0.05)
    assert manifest["config"]["pack"] == 2
    assert quality["modes_covered"] == 8 and quality["high_quality_rate"] >= 0.8


def test_fruit_classifier_and_fruit_gan_checkpoints():
    classifier, _ = load_fruit_classifier()
    train_x, held_out = autoencoder_data("fruits")
    accuracy = (classifier(held_out).argmax(1) == torch.arange(5000, 6000) % 3).float().mean().item()
    assert accuracy > 0.95
    generator, manifest = load_gan("gan_fruits")
    fake = generator.sample(500, torch.Generator().manual_seed(0))
    assert fake.shape == (500, 3, 32, 32)
    reference = classifier.features(held_out)
    gan_fd = frechet_distance(classifier.features(fake), reference)
    noise_fd = frechet_distance(classifier.features(torch.rand(500, 3, 32, 32)), reference)
    floor = frechet_distance(classifier.features(train_x[:500]), reference)
    assert floor < gan_fd < noise_fd / 10  # far closer to real fruit than noise is, not closer than real fruit
    kinds = torch.bincount(classifier(fake).argmax(1), minlength=3) / 500
    assert kinds.min() > 0.15  # all three fruits appear: no collapse onto one kind
