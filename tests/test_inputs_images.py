"""Bad inputs to the image and generative-model code of Chapters 1, 9 and 10.

Covers utils.fruits, utils.autoencoders, utils.metrics and utils.gaussians with tiny
models (8x8 images, 2-number codes) built once, so the whole file runs in seconds.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pandas as pd
import pytest
import torch
from bad_inputs import Case, run_cases

from utils.autoencoders import Autoencoder, AutoencoderConfig, kl_gaussian, reconstruction_error, reparameterize
from utils.checks import check_images
from utils.fruits import FruitSet, make_anomalies, make_fruits, render, sample_attributes
from utils.gaussians import ClassGaussians
from utils.metrics import FruitClassifier, diversity, frechet_distance, mode_coverage, ring_centres, ring_of_gaussians

AE_CONFIG = AutoencoderConfig(image_size=8, latent=2, hidden=8, conv=True)
VAE_CONFIG = AutoencoderConfig(image_size=8, latent=2, hidden=8, conv=False, variational=True)


@cache
def _model(variational: bool) -> Autoencoder:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return Autoencoder(VAE_CONFIG if variational else AE_CONFIG).eval()


def ae() -> Autoencoder:
    return _model(False)


def vae() -> Autoencoder:
    return _model(True)


@cache
def classifier() -> FruitClassifier:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return FruitClassifier(width=4, features=8).eval()


@cache
def fruit_set() -> FruitSet:
    return make_fruits(3, size=16)


@cache
def gaussians() -> ClassGaussians:
    x, y = features()
    return ClassGaussians.fit(x, y)


def images(n: int = 2, size: int = 8) -> torch.Tensor:
    return torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(n))


def codes() -> torch.Tensor:
    return torch.randn(2, 2, generator=torch.Generator().manual_seed(1))


def features() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(12, 2)), np.arange(12) % 2


def gen() -> torch.Generator:
    return torch.Generator().manual_seed(0)


# Bad images that are not NaN, empty or of the wrong rank (the harness tries those itself).
BAD_IMAGES = [
    images() * 2,  # pixels above 1
    images() - 0.5,  # pixels below 0
    images().permute(0, 2, 3, 1),  # channels last
    images()[:, :1],  # one channel instead of 3
    images(size=16),  # the wrong size
    images().double(),  # float64 is fine: the same values in float32
]
BAD_CODES = [torch.randn(2, 3), torch.randn(2), torch.full((2, 2), math.inf), torch.randn(2, 2).double()]
NOT_A_MODEL = [None, "model", AE_CONFIG]


CASES = [
    # utils.autoencoders
    Case(AutoencoderConfig, valid=lambda: dict(image_size=8, channels=3, latent=2, hidden=8, beta=1.0),
         extra={"image_size": [6, 10], "hidden": [1], "beta": [True, "1"]}),
    Case(Autoencoder, valid=lambda: dict(config=AE_CONFIG), extra={"config": [None, {"latent": 2}, "tiny"]}),
    Case(Autoencoder.check_images, valid=lambda: dict(x=images()), call=lambda x: ae().check_images(x),
         extra={"x": BAD_IMAGES}),
    Case(Autoencoder.encode, valid=lambda: dict(x=images()), call=lambda x: ae().encode(x), extra={"x": BAD_IMAGES}),
    Case(Autoencoder.encode, valid=lambda: dict(x=images()), call=lambda x: vae().encode(x), extra={"x": BAD_IMAGES}),
    Case(Autoencoder.decode, valid=lambda: dict(z=codes()), call=lambda z: ae().decode(z), extra={"z": BAD_CODES}),
    Case(Autoencoder.decode, valid=lambda: dict(z=codes()), call=lambda z: vae().decode(z), extra={"z": BAD_CODES}),
    Case(Autoencoder.forward, valid=lambda: dict(x=images()), call=lambda x: ae()(x), extra={"x": BAD_IMAGES}),
    Case(Autoencoder.forward, valid=lambda: dict(x=images(), generator=gen()), call=lambda **kw: vae()(**kw),
         fixed=("generator",), extra={"x": BAD_IMAGES}),
    Case(Autoencoder.loss, valid=lambda: dict(x=images(), noise=0.1, generator=gen()),
         call=lambda **kw: ae().loss(**kw), fixed=("generator",), extra={"x": BAD_IMAGES, "noise": ["0.1", True]}),
    Case(Autoencoder.loss, valid=lambda: dict(x=images(), noise=0.1, generator=gen()),
         call=lambda **kw: vae().loss(**kw), fixed=("generator",), extra={"x": BAD_IMAGES, "noise": [math.nan]}),
    Case(Autoencoder.elbo_terms, valid=lambda: dict(x=images(), target=images(), generator=gen()),
         call=lambda **kw: vae().elbo_terms(**kw), fixed=("generator",),
         extra={"x": BAD_IMAGES, "target": [*BAD_IMAGES, images(3), images(1)]}),
    Case(Autoencoder.importance_weighted_bound, valid=lambda: dict(x=images(), k=5, generator=gen()),
         call=lambda **kw: vae().importance_weighted_bound(**kw), fixed=("generator",), extra={"x": BAD_IMAGES}),
    Case(Autoencoder.sample, valid=lambda: dict(n=3, generator=gen()), call=lambda **kw: vae().sample(**kw),
         fixed=("generator",), extra={"n": [True, 3.0, "3"]}),
    Case(kl_gaussian, valid=lambda: dict(mu=codes(), logvar=codes() / 2),
         extra={"mu": [torch.randn(3, 2), torch.randn(2, 1), torch.tensor(0.5)], "logvar": [torch.randn(2)]}),
    Case(reparameterize, valid=lambda: dict(mu=codes(), logvar=codes() / 2, generator=gen()), fixed=("generator",),
         extra={"mu": [torch.randn(3, 2), torch.randn(2, 1)], "logvar": [torch.randn(2)]}),
    Case(reconstruction_error, valid=lambda: dict(model=ae(), x=images(5), batch_size=2),
         extra={"model": NOT_A_MODEL, "x": BAD_IMAGES, "batch_size": [True, 2.0]}),
    Case(reconstruction_error, valid=lambda: dict(model=vae(), x=images(5), batch_size=2),
         extra={"model": NOT_A_MODEL, "x": BAD_IMAGES}),
    # utils.fruits
    Case(FruitSet, valid=lambda: dict(images=fruit_set().images, labels=fruit_set().labels,
                                      kinds=fruit_set().kinds, attributes=fruit_set().attributes),
         extra={"images": [fruit_set().images * 2, fruit_set().images[..., :2], fruit_set().images.astype(int),
                           fruit_set().images.tolist()],
                "labels": [fruit_set().labels + 3, fruit_set().labels.astype(float), list(fruit_set().labels)],
                "kinds": [("apple",), ("apple", 2, "orange"), ["apple", "banana", "orange"]],
                "attributes": [None, fruit_set().attributes.iloc[:1], {"x": [0.0] * 3}]}),
    Case(FruitSet.to_tensor, valid=lambda: dict(device="cpu"), call=lambda device: fruit_set().to_tensor(device),
         extra={"device": [5.5, object()]}),
    Case(sample_attributes, valid=lambda: dict(kind="apple", n=4, rng=np.random.default_rng(0)),
         extra={"kind": ["pear", "APPLE", 3], "n": [True, 4.0], "rng": [None, 0, np.random.RandomState(0)]}),
    Case(make_fruits, valid=lambda: dict(n=3, kinds=("apple", "banana"), seed=0, size=16),
         extra={"kinds": [("pear",), "apple", ("apple", None), None], "seed": [True, 1.5, None],
                "size": [8, 16.0, "16"]}),
    Case(make_anomalies, valid=lambda: dict(n=3, kinds=("blue_apple",), seed=1, size=16),
         extra={"kinds": [("apple_pie",), "blue_apple"], "seed": [-3, None], "size": [15, None]}),
    Case(render, valid=lambda: dict(attributes={"width": [0.4, 0.5], "hue": [0.0, 30.0]}, size=16, seed=0),
         extra={"attributes": [{}, {"hue": [math.nan]}, {"width": [math.inf]}, {"width": [[0.4]]},
                               {"width": ["wide"]}, {"colour": [1.0]}, {"width": [0.4], "hue": [1.0, 2.0]},
                               [0.4, 0.5], None, {"squareness": [1000.0]}, {"x": [1e30]},
                               pd.DataFrame({"width": [math.nan]})],
                "seed": [None, 1.5]}),
    # utils.metrics
    Case(ring_centres, valid=lambda: dict(modes=8, radius=2.0), extra={"modes": [True, 8.0], "radius": ["2"]}),
    Case(ring_of_gaussians, valid=lambda: dict(n=10, modes=4, radius=2.0, std=0.05, seed=0),
         extra={"n": [True, 10.0], "modes": [4.0], "seed": [None, 1.5]}),
    Case(mode_coverage, valid=lambda: dict(samples=ring_of_gaussians(40, modes=4)[0], centres=ring_centres(4),
                                           std=0.05, min_share=0.01),
         extra={"samples": [torch.zeros(5, 3), torch.zeros(0, 2)], "centres": [torch.zeros(4, 3)],
                "min_share": [1.5, math.nan], "std": ["0.05"]}),
    Case(frechet_distance, valid=lambda: dict(a=np.random.default_rng(0).normal(size=(20, 3)),
                                              b=torch.randn(15, 3, generator=gen())),
         extra={"a": [np.zeros((20, 4)), np.zeros((1, 3)), np.array(["x", "y"]), None],
                "b": [torch.zeros(15, 2), torch.zeros(1, 3), [[math.nan] * 3] * 2]}),
    Case(diversity, valid=lambda: dict(features=np.random.default_rng(0).normal(size=(6, 3))),
         extra={"features": [np.zeros((1, 3)), torch.zeros(0, 3), None]}),
    Case(FruitClassifier, valid=lambda: dict(classes=3, width=4, features=8), extra={"width": [True, 4.0]}),
    Case(FruitClassifier.forward, valid=lambda: dict(x=images()), call=lambda x: classifier()(x),
         extra={"x": [*BAD_IMAGES[:4], images(size=2)]}),
    Case(FruitClassifier.features, valid=lambda: dict(x=images(3), batch_size=2),
         call=lambda **kw: classifier().features(**kw), extra={"x": [*BAD_IMAGES[:4], images(size=3)]}),
    # utils.gaussians
    Case(ClassGaussians, valid=lambda: dict(means=gaussians().means, covariances=gaussians().covariances,
                                            priors=gaussians().priors),
         extra={"means": [gaussians().means[:, :1], gaussians().means[:1]],
                "covariances": [np.zeros((2, 2, 2)), gaussians().covariances * -1, gaussians().covariances[:, :1],
                                gaussians().covariances + np.array([[0.0, 1.0], [0.0, 0.0]])],
                "priors": [np.array([0.5, 0.6]), np.array([1.5, -0.5]), np.array([1.0]), None]}),
    Case(ClassGaussians.fit, valid=lambda: dict(x=features()[0], y=features()[1], ridge=1e-6),
         extra={"x": [features()[0][:, 0], [["a", "b"]] * 12], "y": [features()[1] - 1, features()[1] * 1.0,
                features()[1][:-1], np.arange(12), np.arange(12) % 2 == 0], "ridge": [-1e-3, "1e-6"]}),
    Case(ClassGaussians.log_likelihood, valid=lambda: dict(x=features()[0]),
         call=lambda x: gaussians().log_likelihood(x), extra={"x": [np.zeros((3, 3)), np.zeros(2), "x", [[1.0, "a"]]]}),
    Case(ClassGaussians.predict_proba, valid=lambda: dict(x=features()[0]),
         call=lambda x: gaussians().predict_proba(x), extra={"x": [np.zeros((3, 3)), np.zeros(2), torch.zeros(3, 2)]}),
    Case(ClassGaussians.sample, valid=lambda: dict(label=1, n=3, seed=0), call=lambda **kw: gaussians().sample(**kw),
         extra={"label": [2, True, 1.0, "1", np.int64(5)], "n": [True, 3.0], "seed": [None, 1.5]}),
]  # fmt: skip

EXEMPT: dict[str, str] = {}

test_bad_inputs = run_cases(CASES)


# ----------------------------------------------------------------------------- the shared image check


def test_check_images_accepts_a_good_batch_and_returns_it():
    x = images()
    assert check_images(x, channels=3, size=8) is x
    assert check_images(x * 2 - 1, low=-1, high=1) is not None


@pytest.mark.parametrize(("value", "options", "message"), [
    (torch.rand(3, 8, 8), {}, r"images must have 4 dimensions"),
    (torch.rand(2, 8, 8, 3), {"channels": 3}, r"shape \(batch, 3, H, W\), got \(2, 8, 8, 3\)\. It looks like"),
    (torch.rand(2, 3, 8, 8), {"size": 16}, r"shape \(batch, C, 16, 16\)"),
    (torch.full((1, 3, 2, 2), math.nan), {}, r"images contains NaN"),
    (torch.full((1, 3, 2, 2), math.inf), {}, r"pixel values in \[0, 1\], got values from inf to inf"),
    (torch.full((1, 3, 2, 2), -0.5), {}, r"pixel values in \[0, 1\], got values from -0.5 to -0.5"),
    (torch.zeros(0, 3, 2, 2), {}, r"images is empty"),
    (torch.zeros(1, 3, 2, 2, dtype=torch.long), {}, r"floating-point"),
])  # fmt: skip
def test_check_images_says_what_is_wrong(value, options, message):
    with pytest.raises(ValueError, match=message):
        check_images(value, **options)
