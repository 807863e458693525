"""Every shipped checkpoint matches its recipe and still does what its chapter says; load_or_train
loads, caches or trains; every recipe trains for a few steps into a loadable checkpoint."""

import json
from pathlib import Path

import pytest
import torch

from utils.checkpoints import CheckpointError, manifest_path
from utils.corpus import load_corpus, train_val_split, window_batches
from utils.metrics import frechet_distance, mode_coverage, ring_centres
from utils.pretrained import CHECKPOINTS, load_or_train, load_pretrained, train_and_save
from utils.recipes import RECIPES, autoencoder_data, chapter_tokenizer, get_recipe, shortened, train_recipe
from utils.train import TrainConfig, evaluate

AUTOENCODERS = ["fruit_ae", "fruit_dae", "fruit_vae", "fruit_vae_beta4", "digits_vae"]


def test_every_recipe_is_shipped_and_its_manifest_matches_today_s_recipe():
    shipped = sorted(p.stem for p in CHECKPOINTS.glob("*.json"))
    assert shipped == sorted(RECIPES)
    for name in RECIPES:
        trained = load_pretrained(name)  # checks hash, manifest, kind, config and training settings
        assert trained.source == "shipped" and trained.manifest["script"] == f"python scripts/train.py {name}"
        assert trained.history["step"].iloc[-1] == get_recipe(name).schedule.steps
        assert trained.seconds == pytest.approx(trained.history["seconds"].iloc[-1], abs=0.1)


def test_gpt_checkpoint_beats_the_five_gram_on_held_out_text():
    trained = load_pretrained("gpt_chars")
    model, tokenizer = trained.model, chapter_tokenizer()
    assert tokenizer.chars == sorted(trained.manifest["metadata"]["chars"])
    _, val_ids = train_val_split(torch.tensor(tokenizer.encode(load_corpus())))
    loss = evaluate(model, lambda m, b: m(*b)[1], window_batches(val_ids, model.config.block_size, 8),
                    TrainConfig(eval_batches=40), torch.device("cpu"))  # fmt: skip
    assert loss < 1.55  # the 5-gram baseline scores 1.56 on the same split (Chapter 8)
    assert abs(loss - trained.history["val_loss"].iloc[-1]) < 0.05


@pytest.mark.parametrize("name", AUTOENCODERS)
def test_autoencoder_checkpoints_reconstruct_held_out_images(name):
    trained = load_pretrained(name)
    _, held_out = autoencoder_data(trained.manifest["metadata"]["data"])
    loss = trained.model.loss(held_out[:500], noise=trained.manifest["metadata"]["noise"]).item()
    assert loss == pytest.approx(trained.history["val_loss"].iloc[-1], rel=0.05)


def _pinned_torch() -> bool:
    """Whether this is the torch release the checkpoints were made with (requirements.txt's pin): only then
    is retraining bit for bit the same; other releases (make test-oldest / test-latest) round differently."""
    requirements = (Path(__file__).resolve().parents[1] / "requirements.txt").read_text().splitlines()
    pin = next(line.split("==")[1].strip() for line in requirements if line.startswith("torch=="))
    return torch.__version__.split("+")[0] == pin


def test_retraining_the_digits_vae_reproduces_the_shipped_checkpoint_exactly():
    shipped = load_pretrained("digits_vae")
    retrained, history = train_recipe("digits_vae", progress=False)
    if not _pinned_torch():  # the same recipe still learns as well
        assert history["val_loss"].iloc[-1] == pytest.approx(shipped.history["val_loss"].iloc[-1], rel=0.05)
        return
    for name, tensor in shipped.model.state_dict().items():
        assert torch.equal(retrained.state_dict()[name], tensor), name
    assert history["val_loss"].round(3).tolist() == shipped.history["val_loss"].round(3).tolist()


def test_ring_gan_checkpoint_covers_every_mode():
    trained = load_pretrained("gan_ring")
    quality = mode_coverage(trained.model.sample(2500, torch.Generator().manual_seed(2)), ring_centres(), std=0.05)
    assert trained.manifest["config"]["pack"] == 2
    assert quality["modes_covered"] == 8 and quality["high_quality_rate"] >= 0.8


def test_fruit_classifier_and_fruit_gan_checkpoints():
    classifier = load_pretrained("fruit_classifier").model
    train_x, held_out = autoencoder_data("fruits")
    accuracy = (classifier(held_out).argmax(1) == torch.arange(5000, 6000) % 3).float().mean().item()
    assert accuracy > 0.95
    generator = load_pretrained("gan_fruits").model
    fake = generator.sample(500, torch.Generator().manual_seed(0))
    assert fake.shape == (500, 3, 32, 32)
    reference = classifier.features(held_out)
    gan_fd = frechet_distance(classifier.features(fake), reference)
    noise_fd = frechet_distance(classifier.features(torch.rand(500, 3, 32, 32)), reference)
    floor = frechet_distance(classifier.features(train_x[:500]), reference)
    assert floor < gan_fd < noise_fd / 10  # far closer to real fruit than noise is, not closer than real fruit
    kinds = torch.bincount(classifier(fake).argmax(1), minlength=3) / 500
    assert kinds.min() > 0.15  # all three fruits appear: no collapse onto one kind


@pytest.mark.parametrize("name", list(RECIPES))
def test_every_recipe_trains_a_few_steps_into_a_loadable_checkpoint(name, tmp_path):
    recipe = shortened(get_recipe(name), 3)
    model, manifest = train_and_save(recipe, tmp_path, progress=False)
    assert manifest["recipe"] == name and manifest["history"]["step"][-1] == 3
    assert manifest["kind"] == type(model).__name__ and manifest["script"] == f"python scripts/train.py {name}"
    reloaded = load_pretrained(recipe, folder=tmp_path)
    with pytest.raises(CheckpointError, match="another recipe"):  # the full recipe is not the shortened one
        load_pretrained(name, folder=tmp_path)
    for key, tensor in model.state_dict().items():
        assert torch.equal(reloaded.model.state_dict()[key], tensor)


def _copy_shipped(name, folder):
    for suffix in (".safetensors", ".json"):
        (folder / f"{name}{suffix}").write_bytes((CHECKPOINTS / f"{name}{suffix}").read_bytes())


def test_load_or_train_trains_with_a_notice_when_nothing_is_shipped_then_uses_the_cache(monkeypatch, tmp_path, capsys):
    import utils.pretrained as pretrained

    monkeypatch.setattr(pretrained, "CHECKPOINTS", tmp_path / "shipped")  # nothing shipped
    monkeypatch.setenv("GENAI_CACHE", str(tmp_path / "cache"))
    trained = load_or_train("digits_vae", progress=False)
    notice = capsys.readouterr().out.strip()
    assert trained.source == "trained" and len(notice.splitlines()) == 1
    assert notice.startswith("No shipped checkpoint digits_vae.safetensors. Training the digits VAE")
    assert "about 5 seconds on 2 CPU cores" in notice
    assert notice.endswith("One training step of digits_vae is 109 MFLOP, below the 1 GFLOP from which a GPU pays "
                           "off: using the CPU, where a step this small runs faster.")  # fmt: skip
    again = load_or_train("digits_vae")
    assert again.source == "cache" and capsys.readouterr().out == ""
    shipped = load_pretrained("digits_vae", folder=CHECKPOINTS)
    if _pinned_torch():  # the same recipe, so the same weights
        assert torch.equal(again.model.encoder[0].weight, shipped.model.encoder[0].weight)


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda m: "{broken", "not valid JSON"),
        (lambda m: json.dumps({**m, "kind": "GPT"}), "another recipe"),
        (lambda m: json.dumps({**m, "config": {**m["config"], "latent": 3}}), "another recipe"),
        (lambda m: json.dumps({k: v for k, v in m.items() if k != "train_seconds"}), "lacks the field"),
        (lambda m: json.dumps({**m, "metadata": {**m["metadata"], "noise": 0.5}}), "another recipe"),
    ],
)
def test_a_damaged_shipped_checkpoint_is_refused_and_retrained(monkeypatch, tmp_path, capsys, damage, reason):
    import utils.pretrained as pretrained

    shipped = tmp_path / "shipped"
    shipped.mkdir()
    _copy_shipped("digits_vae", shipped)
    mpath = manifest_path(shipped / "digits_vae.safetensors")
    mpath.write_text(damage(json.loads(mpath.read_text())))
    with pytest.raises(CheckpointError, match=reason) as err:
        load_pretrained("digits_vae", folder=shipped)
    assert "python scripts/train.py digits_vae" in str(err.value)
    monkeypatch.setattr(pretrained, "CHECKPOINTS", shipped)
    monkeypatch.setenv("GENAI_CACHE", str(tmp_path / "cache"))
    assert load_or_train("digits_vae", progress=False).source == "trained"
    assert reason.split()[0] in capsys.readouterr().out


def test_weights_that_do_not_fit_the_config_are_a_checkpoint_error(tmp_path):
    from utils.autoencoders import Autoencoder, AutoencoderConfig
    from utils.checkpoints import save_checkpoint

    recipe = get_recipe("digits_vae")
    other = Autoencoder(AutoencoderConfig(image_size=8, channels=1, latent=8, hidden=32, conv=True, variational=True))
    _, history = train_recipe(shortened(recipe, 1), progress=False)
    save_checkpoint(other, tmp_path / "digits_vae.safetensors", recipe="digits_vae", config=recipe.config,
                    train_config=recipe.schedule, history=history, script=recipe.script,
                    metadata=recipe.metadata)  # fmt: skip
    with pytest.raises(CheckpointError, match="do not fit Autoencoder"):
        load_pretrained("digits_vae", folder=tmp_path)


def test_unknown_names_and_bad_flags():
    with pytest.raises(ValueError, match="Unknown model 'gpt'; choose one of 'gpt_chars'"):
        load_or_train("gpt")
    with pytest.raises(ValueError, match="retrain must be True or False"):
        load_or_train("digits_vae", retrain="yes")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU here"):
            load_or_train("digits_vae", retrain=True, train_on="cuda")
