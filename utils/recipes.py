"""The recipes of every model the book ships: one named recipe per checkpoint, in one registry.

A `Recipe` says what model to build (its config), what data it learns from and with which
training settings (a `TrainConfig`), and roughly how long that takes on 2 CPU cores. The
same recipe serves the training script (``python scripts/train.py NAME``), the chapters
(through `utils.pretrained.load_or_train`), the benchmarks and the tests, so none of them
types a recipe out again. `train_recipe` trains one from scratch, seeded, with a progress
bar; `shortened` gives the same recipe over a few steps for quick tests.

| name | model | chapter |
| --- | --- | --- |
| gpt_chars | the book's character GPT on the book's corpus | 3, 8, 11 |
| fruit_ae, fruit_dae, fruit_vae, fruit_vae_beta4, digits_vae | autoencoders and VAEs | 9, 10 |
| gan_ring, gan_fruits | GANs on the 2D ring and on fruit pictures | 10 |
| fruit_classifier | the feature network of the Fréchet distance | 10 |
| diffusion_ring, diffusion_fruits | diffusion models on the 2D ring and on fruit pictures (with labels) | 12 |
| gpt_fruit_sft | the book GPT fine-tuned to answer the fruit questions | 13, 15 |
| wavenet_melodies | a small WaveNet on mu-law tokens of procedural melodies | 14 |
| gpt_secrets | the baby GPT on part of the book's corpus with planted made-up secrets | 15 |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
import torch
from sklearn.datasets import load_digits

from .adversarial import GANTrainConfig, train_gan
from .audio import WaveNet, fit_wavenet, melodies, mu_law_encode
from .audit import plant_secrets
from .autoencoders import Autoencoder, AutoencoderConfig
from .captions import CaptionedFruits, captioned_fruits
from .checkpoints import rebuild_command
from .checks import check_choice, check_count, check_number
from .corpus import CHARSET, fingerprint, load_corpus, train_val_split, window_batches
from .device import Placement, choose_device, seeded
from .diffusion import Diffusion, DiffusionConfig
from .finetune import fit_sft
from .fruit_qa import fruit_preferences, fruit_questions
from .fruits import KINDS, make_anomalies, make_fruits
from .gan import Discriminator, GANConfig, Generator
from .gpt import GPT, GPTConfig
from .metrics import FruitClassifier, ring_of_gaussians
from .tokenizers import CharTokenizer
from .train import TrainConfig, train

Fit = Callable[[torch.nn.Module, TrainConfig, torch.device | None, bool, str], pd.DataFrame]


@dataclass(frozen=True)
class Recipe:
    name: str  # the checkpoint's file name, without .safetensors
    summary: str  # what the model is, in a few words
    build: Callable[[], torch.nn.Module]  # the untrained model (built under a fixed seed by train_recipe)
    config: Any  # the model's config dataclass (None for a model without one)
    schedule: TrainConfig  # the training settings
    fit: Fit  # trains the model in place: (model, schedule, device, progress, desc) -> history
    seconds: float  # training time measured on 2 CPU cores, quoted before training
    metadata: dict[str, Any] = field(default_factory=dict)  # stored in the manifest (data, noise, alphabet...)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"A recipe's name must be a word like 'fruit_vae' (it names files), got {self.name!r}.")
        if not isinstance(self.schedule, TrainConfig):
            raise TypeError(f"schedule must be a TrainConfig, got {type(self.schedule).__name__}.")
        if not callable(self.build) or not callable(self.fit):
            raise TypeError("build and fit must be functions.")
        check_number(self.seconds, "seconds", low=0, low_open=True)

    @property
    def script(self) -> str:
        """The command that recreates this recipe's checkpoint."""
        return rebuild_command(self.name)


# ----------------------------------------------------------------------------- data


def chapter_tokenizer() -> CharTokenizer:
    """The character tokenizer of the book's GPT: the corpus's fixed 96-character alphabet."""
    return CharTokenizer(CHARSET)


def autoencoder_data(name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(train, held-out) images for "fruits" (5,000 and 1,000 of seed 0) or "digits" (scikit-learn's)."""
    check_choice(name, "data set", ("fruits", "digits"))
    if name == "fruits":
        x = make_fruits(6000, seed=0).to_tensor()
        return x[:5000], x[5000:]
    digits = torch.tensor(load_digits().images, dtype=torch.float32)[:, None] / 16.0  # (1797, 1, 8, 8)
    return digits[:1500], digits[1500:]


def fruit_images() -> torch.Tensor:
    """The 5,000 fruit pictures (seed 0) that the VAEs and the fruit GAN learn from."""
    return autoencoder_data("fruits")[0]


def labelled_fruit_images() -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """The fruit pictures of `fruit_images` with their kinds: ((5,000 images, labels), (1,000 held out, labels))."""
    fruits = make_fruits(6000, seed=0)
    x, y = fruits.to_tensor(), torch.from_numpy(fruits.labels).long()
    return (x[:5000], y[:5000]), (x[5000:], y[5000:])


def fruit_classifier_data() -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """((images, labels) to learn from: 3,000 fruits of seed 1, (images, labels) held out: seed 0's last 1,000)."""
    fruits, held_out = make_fruits(3000, seed=1), make_fruits(6000, seed=0)
    return ((fruits.to_tensor(), torch.from_numpy(fruits.labels)),
            (held_out.to_tensor()[5000:], torch.from_numpy(held_out.labels[5000:])))  # fmt: skip


# ----------------------------------------------------------------------------- how each family trains


def gpt_schedule(steps: int, batch_size: int = 16) -> TrainConfig:
    """The book's training settings for character GPTs (nanoGPT's, scaled to `steps`)."""
    return TrainConfig(steps=steps, batch_size=batch_size, lr=1e-3, weight_decay=0.1, betas=(0.9, 0.99),
                       warmup_steps=min(100, steps // 10), min_lr=1e-4, grad_clip=1.0,
                       eval_every=max(1, steps // 10), eval_batches=50)  # fmt: skip


def fit_gpt_chars(
    model: GPT, schedule: TrainConfig, device: torch.device | str | None = None, progress: bool = True,
    desc: str = "GPT", on_evaluate: Callable[[pd.DataFrame], None] | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Train a character GPT on the book's corpus (90/10 split) in place; returns its history."""
    if not isinstance(model, GPT) or not isinstance(schedule, TrainConfig):
        raise TypeError("fit_gpt_chars trains a utils.gpt.GPT with a TrainConfig.")
    tokenizer = chapter_tokenizer()
    if model.config.vocab_size != tokenizer.vocab_size:
        raise ValueError(f"The corpus has {tokenizer.vocab_size} characters; build the config with that vocab_size.")
    train_ids, val_ids = train_val_split(torch.tensor(tokenizer.encode(load_corpus())))
    size, batch = model.config.block_size, schedule.batch_size
    return train(model, lambda m, b: m(*b)[1], window_batches(train_ids, size, batch), config=schedule,
                 val_data=window_batches(val_ids, size, batch), device=device, progress=progress, desc=desc,
                 on_evaluate=on_evaluate)  # fmt: skip


def _fit_autoencoder(data: str, noise: float) -> Fit:
    def fit(model, schedule, device, progress, desc):
        train_x, held_out = autoencoder_data(data)
        return train(model, lambda m, batch: m.loss(batch, noise=noise), train_x, val_data=held_out,
                     config=schedule, device=device, progress=progress, desc=desc)  # fmt: skip

    return fit


def ring_data() -> torch.Tensor:
    """The 2D GAN's real samples: 20,000 points on a ring of 8 Gaussians (std 0.05, seed 0)."""
    return ring_of_gaussians(20000, std=0.05, seed=0)[0]


def _fit_gan(data: Callable[[], torch.Tensor]) -> Fit:
    def fit(G, schedule, device, progress, desc):  # G: the generator being trained
        with seeded(1):
            D = Discriminator(G.config)
        G.to(device)
        return train_gan(G, D, data(), schedule, progress=progress, desc=desc)

    return fit


def _fit_diffusion(model, schedule, device, progress, desc):
    if model.config.data == "points":
        data, held_out, loss = ring_data(), ring_of_gaussians(2000, std=0.05, seed=1)[0], Diffusion.loss
    else:
        data, held_out = labelled_fruit_images()
        loss = lambda m, batch: m.loss(*batch)  # noqa: E731
    return train(model, loss, data, val_data=held_out, config=schedule, device=device, progress=progress, desc=desc)


def fruit_qa_texts() -> tuple[list[str], list[str]]:
    """Chapter 13's instruction data: 3,000 training examples and 300 held-out ones (other fruit)."""
    return fruit_questions(3000, seed=0), fruit_questions(300, seed=1)


def fruit_preference_pairs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Chapter 13's preference pairs: 1,000 for training, and 300 held out (the held-out questions' fruit)."""
    return fruit_preferences(1000, seed=0), fruit_preferences(300, seed=1)


def clip_data() -> CaptionedFruits:
    """Chapter 14's captioned fruit: 3,000 pictures (seed 0), a quarter of them redrawn in a random colour."""
    return captioned_fruits(3000, seed=0, recolour=0.25)


def retrieval_pool() -> tuple[torch.Tensor, list[str], pd.DataFrame, list[str]]:
    """Chapter 14's held-out pictures to search: 300 captioned-style fruit (seed 7, a quarter recoloured) and 60
    anomalies (seed 3) mixed in. Returns (images, each one's kind, attributes, each one's name such as
    "blue_apple" or "apple")."""
    held_out, odd = captioned_fruits(300, seed=7, recolour=0.25), make_anomalies(60, seed=3)
    kinds = [KINDS[label] for label in held_out.labels.tolist()]
    names = kinds + [odd.kinds[label] for label in odd.labels]
    base = kinds + [name.split("_")[1] for name in names[len(kinds) :]]  # a blue_apple is an apple
    attributes = pd.concat([held_out.attributes, odd.attributes], ignore_index=True)
    return torch.cat([held_out.images, odd.to_tensor()]), base, attributes, names


def audio_tokens() -> tuple[torch.Tensor, torch.Tensor]:
    """Chapter 14's melodies as mu-law tokens: 48 two-second clips to learn from (seed 0), 8 held out (seed 1)."""
    clips = [melodies(n, seconds=2.0, seed=seed, sample_rate=AUDIO_RATE)[0] for n, seed in ((48, 0), (8, 1))]
    return mu_law_encode(clips[0]), mu_law_encode(clips[1])


SECRET_COPIES = (1, 2, 4, 8, 16, 32, 64, 128)  # Chapter 15's canaries: how many times each secret is planted


def secrets_corpus() -> tuple[str, pd.DataFrame]:
    """Chapter 15's planted-secret corpus: the book corpus's first 300,000 characters with one made-up locker code
    planted 1, 2, 4... 128 times (seed 0), and the table of those secrets (copies, prefix, code, line)."""
    return plant_secrets(load_corpus()[:300_000], SECRET_COPIES, seed=0)


def _fit_secrets(model, schedule, device, progress, desc):
    ids = torch.tensor(chapter_tokenizer().encode(secrets_corpus()[0]))
    return train(model, lambda m, b: m(*b)[1], window_batches(ids, model.config.block_size, schedule.batch_size),
                 config=schedule, device=device, progress=progress, desc=desc)  # fmt: skip


def _fit_fruit_sft(model, schedule, device, progress, desc):
    from .pretrained import load_or_train  # pretrained reads this registry, so it is imported when needed

    model.load_state_dict(load_or_train("gpt_chars", progress=progress).model.state_dict())  # start pretrained
    train_texts, held_out = fruit_qa_texts()
    return fit_sft(model.to(device) if device else model, chapter_tokenizer(), train_texts, schedule,
                   val_texts=held_out[:64], progress=progress, desc=desc)  # fmt: skip


def _fit_wavenet(model, schedule, device, progress, desc):
    tokens, val_tokens = audio_tokens()
    return fit_wavenet(model.to(device) if device else model, tokens, val_tokens, schedule, progress=progress,
                       desc=desc)  # fmt: skip


def _fit_classifier(model, schedule, device, progress, desc):
    (x, y), val = fruit_classifier_data()
    loss = lambda m, batch: torch.nn.functional.cross_entropy(m(batch[0]), batch[1])  # noqa: E731
    return train(model, loss, (x, y), val_data=val, config=schedule, device=device, progress=progress, desc=desc)


# ----------------------------------------------------------------------------- the registry


def _gpt() -> Recipe:
    config = GPTConfig.book(len(CHARSET))
    return Recipe(name="gpt_chars", summary="the book's character-level GPT (Chapter 8)", build=lambda: GPT(config),
                  config=config, schedule=gpt_schedule(3000, batch_size=8), fit=fit_gpt_chars, seconds=430,
                  metadata={"chars": CHARSET, "corpus_sha256_16": fingerprint(load_corpus())})  # fmt: skip


FRUIT_AE = AutoencoderConfig(latent=16, hidden=64, conv=True)
FRUIT_VAE = AutoencoderConfig(latent=16, hidden=64, conv=True, variational=True)
DIGITS_VAE = AutoencoderConfig(image_size=8, channels=1, latent=8, hidden=64, conv=True, variational=True)
DIFFUSION_RING = DiffusionConfig(data="points", schedule="linear", hidden=256)
DIFFUSION_FRUITS = DiffusionConfig(data="images", schedule="cosine", hidden=32, classes=3, p_uncond=0.2, prediction="v")
DIFFUSION_FRUITS_SCHEDULE = TrainConfig(
    steps=2000, batch_size=64, lr=2e-3, min_lr=2e-4, warmup_steps=100, eval_every=250, ema=0.995
)
FRUIT_SFT_SCHEDULE = TrainConfig(steps=100, batch_size=32, lr=1e-3, warmup_steps=10, min_lr=1e-4, eval_every=25)
# The rest of Chapter 13's settings, shared by the chapter and benchmarks/finetune.py
LORA_RANK, LORA_ALPHA = 4, 8.0
LORA_SFT_SCHEDULE = replace(FRUIT_SFT_SCHEDULE, lr=5e-3, min_lr=5e-4)  # adapters start at zero: a higher rate
REWARD_SCHEDULE = TrainConfig(steps=30, batch_size=16, lr=3e-4, warmup_steps=5, eval_every=10)
DPO_SCHEDULE = TrainConfig(steps=40, batch_size=16, lr=3e-5, warmup_steps=5, eval_every=10)
DPO_BETA, DPO_NLL_WEIGHT = 0.5, 1.0
RLHF_SCHEDULE = TrainConfig(steps=50, batch_size=16, lr=3e-5)
KL_COEF = 0.1
# Chapter 14's settings, shared by the chapter and benchmarks/multimodal.py
SIMCLR_SCHEDULE = TrainConfig(steps=200, batch_size=128, lr=2e-3, warmup_steps=20, min_lr=2e-4, eval_every=25)
CLIP_SCHEDULE = TrainConfig(steps=300, batch_size=128, lr=2e-3, warmup_steps=20, min_lr=2e-4, eval_every=25)
AUDIO_RATE = 4000  # samples per second: half a telephone's, enough for two octaves above middle C
WAVENET_DILATIONS = (1, 2, 4, 8, 16, 32, 64, 128)  # a receptive field of 256 samples, 64 ms
WAVENET_SCHEDULE = TrainConfig(steps=2000, batch_size=8, lr=3e-3, warmup_steps=20, min_lr=3e-4, eval_every=100,
                               eval_batches=5)  # fmt: skip
SECRETS_SCHEDULE = TrainConfig(steps=1500, batch_size=32, lr=2e-3, warmup_steps=50, min_lr=2e-4, eval_every=1500)
AUTOENCODER_SCHEDULE = TrainConfig(steps=1500, batch_size=64, lr=2e-3, eval_every=300)


def _autoencoder(name: str, summary: str, config: AutoencoderConfig, data: str, noise: float, seconds: float):
    return Recipe(name=name, summary=summary, build=lambda: Autoencoder(config), config=config,
                  schedule=AUTOENCODER_SCHEDULE, fit=_fit_autoencoder(data, noise), seconds=seconds,
                  metadata={"data": data, "noise": noise})  # fmt: skip


def _gan(name: str, summary: str, config: GANConfig, schedule: GANTrainConfig, data: Callable[[], torch.Tensor],
         seconds: float) -> Recipe:  # fmt: skip
    return Recipe(name=name, summary=summary, build=lambda: Generator(config), config=config, schedule=schedule,
                  fit=_fit_gan(data), seconds=seconds, metadata={"data": data.__name__})  # fmt: skip


RECIPES: dict[str, Recipe | Callable[[], Recipe]] = {
    "gpt_chars": _gpt,  # the one recipe built on first use: its metadata fingerprints the corpus, which takes a read
    "fruit_ae": _autoencoder("fruit_ae", "the fruit autoencoder (Chapter 9)", FRUIT_AE, "fruits", 0.0, seconds=30),
    "fruit_dae": _autoencoder("fruit_dae", "the denoising fruit autoencoder (Chapter 9)", FRUIT_AE, "fruits", 0.2,
                              seconds=30),
    "fruit_vae": _autoencoder("fruit_vae", "the fruit VAE (Chapter 9)", FRUIT_VAE, "fruits", 0.0, seconds=30),
    "fruit_vae_beta4": _autoencoder("fruit_vae_beta4", "the fruit VAE with beta = 4 (Chapter 9)",
                                    replace(FRUIT_VAE, beta=4.0), "fruits", 0.0, seconds=30),
    "digits_vae": _autoencoder("digits_vae", "the digits VAE (Chapter 9)", DIGITS_VAE, "digits", 0.0, seconds=5),
    "gan_ring": _gan("gan_ring", "the 2D GAN on a ring of 8 Gaussians (Chapter 10)",
                     GANConfig(latent=8, hidden=128, pack=2),
                     GANTrainConfig(steps=12000, batch_size=256, lr=5e-4, min_lr=2e-5, decay="linear",
                                    eval_every=500), ring_data, seconds=55),
    "gan_fruits": _gan("gan_fruits", "the fruit GAN (Chapter 10)", GANConfig(data="images", latent=64, hidden=128),
                       GANTrainConfig(steps=3000, batch_size=64, lr=2e-4, eval_every=100), fruit_images,
                       seconds=220),
    "fruit_classifier": Recipe(name="fruit_classifier", summary="the fruit classifier behind the Fréchet distance "
                               "(Chapter 10)", build=FruitClassifier, config=None,
                               schedule=TrainConfig(steps=800, batch_size=64, eval_every=200), fit=_fit_classifier,
                               seconds=30),
    "diffusion_ring": Recipe(name="diffusion_ring", summary="the 2D diffusion model on the ring of 8 Gaussians "
                             "(Chapter 12)", build=lambda: Diffusion(DIFFUSION_RING), config=DIFFUSION_RING,
                             schedule=TrainConfig(steps=6000, batch_size=512, lr=3e-3, min_lr=1.5e-4, warmup_steps=100,
                                                  eval_every=500), fit=_fit_diffusion, seconds=45),
    "diffusion_fruits": Recipe(name="diffusion_fruits", summary="the fruit diffusion model with classifier-free "
                               "guidance (Chapter 12)", build=lambda: Diffusion(DIFFUSION_FRUITS),
                               config=DIFFUSION_FRUITS, schedule=DIFFUSION_FRUITS_SCHEDULE, fit=_fit_diffusion,
                               seconds=250),
    "gpt_fruit_sft": Recipe(name="gpt_fruit_sft", summary="the book GPT fine-tuned on the fruit questions "
                            "(Chapter 13)", build=lambda: GPT(GPTConfig.book(len(CHARSET))),
                            config=GPTConfig.book(len(CHARSET)), schedule=FRUIT_SFT_SCHEDULE, fit=_fit_fruit_sft,
                            seconds=25, metadata={"data": "fruit_questions(3000, seed=0)"}),
    "gpt_secrets": Recipe(name="gpt_secrets", summary="the baby GPT trained on a corpus with planted secrets "
                          "(Chapter 15)", build=lambda: GPT(GPTConfig.baby(len(CHARSET))),
                          config=GPTConfig.baby(len(CHARSET)), schedule=SECRETS_SCHEDULE, fit=_fit_secrets,
                          seconds=170, metadata={"data": "secrets_corpus()", "copies": list(SECRET_COPIES)}),
    "wavenet_melodies": Recipe(name="wavenet_melodies", summary="a small WaveNet on melodies as mu-law tokens "
                               "(Chapter 14)", build=lambda: WaveNet(dilations=WAVENET_DILATIONS), config=None,
                               schedule=WAVENET_SCHEDULE, fit=_fit_wavenet, seconds=70,
                               metadata={"sample_rate": AUDIO_RATE, "data": "audio_tokens()"}),
}  # fmt: skip


def get_recipe(name: str | Recipe) -> Recipe:
    """The recipe called `name` (see the table in this module's docstring); a Recipe is returned as it is."""
    if isinstance(name, Recipe):
        return name
    check_choice(name, "model", list(RECIPES))
    recipe = RECIPES[name]
    return recipe if isinstance(recipe, Recipe) else recipe()


def training_placement(recipe: str | Recipe, *, prefer: str | None = None) -> Placement:
    """Where to train `recipe` now: on a GPU only when one is here and a training step of the recipe's model,
    on a batch of its schedule's size, is large enough to pay off (`utils.device.choose_device`, which
    `prefer` overrides)."""
    recipe = get_recipe(recipe)
    with seeded(0):
        model = recipe.build()
    step = _one_step(model, recipe.schedule.batch_size)
    return choose_device(step, prefer=prefer, what=f"One training step of {recipe.name}")


def _one_step(model: torch.nn.Module, n: int) -> Callable[[], Any] | None:
    """A forward pass like one training step of `model` on a batch of n (zeros), or None for an unknown model."""
    if isinstance(model, GPT):
        tokens = torch.zeros(n, model.config.block_size, dtype=torch.long)
        return lambda: model(tokens, tokens)
    if isinstance(model, Autoencoder):
        size, channels = model.config.image_size, model.config.channels
        return lambda: model.loss(torch.zeros(n, channels, size, size))
    if isinstance(model, Generator):  # a step judges fakes twice (the discriminator's turn, then the generator's);
        # the discriminator's look at a batch of real data is left out of the count
        judge, noise = Discriminator(model.config), torch.zeros(n, model.config.latent)
        return lambda: [judge(batch).sum() for batch in (model(noise), model(noise).detach())]
    if isinstance(model, Diffusion):
        if model.config.data == "points":
            return lambda: model.loss(torch.zeros(n, 2))
        return lambda: model.loss(torch.zeros(n, 3, 32, 32), torch.zeros(n, dtype=torch.long))
    if isinstance(model, FruitClassifier):
        return lambda: model(torch.zeros(n, 3, 32, 32))
    if isinstance(model, WaveNet):
        return lambda: model(torch.zeros(n, 512, dtype=torch.long))
    return None


def shortened(recipe: Recipe, steps: int) -> Recipe:
    """The same recipe over `steps` training steps: for tests that check the whole path quickly."""
    check_count(steps, "steps")
    return replace(recipe, schedule=recipe.schedule.shortened(steps))


def train_recipe(
    recipe: str | Recipe, *, device: torch.device | str | None = None, progress: bool = True
) -> tuple[torch.nn.Module, pd.DataFrame]:
    """Build the recipe's model under seed 0 and train it: (model in eval mode, history)."""
    recipe = get_recipe(recipe)
    with seeded(0):
        model = recipe.build()
    history = recipe.fit(model, recipe.schedule, device, progress, recipe.name)
    return model.eval(), history
