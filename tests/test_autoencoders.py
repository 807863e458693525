"""Autoencoders and VAEs: the closed-form KL, the ELBO is a lower bound, clear errors."""

import pytest
import torch
from torch.distributions import Normal, kl_divergence

from utils.autoencoders import Autoencoder, AutoencoderConfig, kl_gaussian, reconstruction_error, reparameterize
from utils.fruits import make_fruits
from utils.train import TrainConfig, train


def test_kl_gaussian_matches_torch_distributions():
    g = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(5, 7, generator=g), torch.randn(5, 7, generator=g)
    expected = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(-1)
    assert torch.allclose(kl_gaussian(mu, logvar), expected, atol=1e-5)
    assert torch.allclose(kl_gaussian(torch.zeros(2, 3), torch.zeros(2, 3)), torch.zeros(2))


def test_reparameterize_has_the_right_moments():
    mu, logvar = torch.tensor([[1.0, -2.0]]), torch.tensor([[0.0, 2 * torch.log(torch.tensor(3.0))]])
    z = reparameterize(mu.expand(50_000, 2), logvar.expand(50_000, 2), torch.Generator().manual_seed(0))
    assert torch.allclose(z.mean(0), mu[0], atol=0.05) and torch.allclose(z.std(0), torch.tensor([1.0, 3.0]), atol=0.05)


@pytest.fixture(scope="module")
def fruit_tensors():
    x = make_fruits(700, seed=0, size=16).to_tensor()
    return x[:600], x[600:]


@pytest.fixture(scope="module")
def vae(fruit_tensors):
    torch.manual_seed(0)
    model = Autoencoder(AutoencoderConfig(image_size=16, latent=4, hidden=64, conv=False, variational=True))
    train(model, lambda m, b: m.loss(b), fruit_tensors[0], config=TrainConfig(steps=300, batch_size=64, lr=3e-3,
          eval_every=300), progress=False)  # fmt: skip
    return model.eval()


def test_importance_weighted_bound_is_above_the_elbo_on_held_out_data(vae, fruit_tensors):
    held_out = fruit_tensors[1]
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        recon, kl = vae.elbo_terms(held_out, generator=g)
    elbo = -(recon + kl).mean()
    iwae = vae.importance_weighted_bound(held_out, k=100, generator=g).mean()
    assert iwae >= elbo
    assert vae.importance_weighted_bound(held_out, k=1000, generator=g).mean() >= iwae - 0.5  # more samples: tighter


@pytest.mark.parametrize("conv", [True, False])
@pytest.mark.parametrize("variational", [True, False])
def test_shapes_and_learning(conv, variational, fruit_tensors):
    torch.manual_seed(0)
    model = Autoencoder(AutoencoderConfig(image_size=16, latent=8, hidden=32, conv=conv, variational=variational))
    x = fruit_tensors[0][:64]
    code = model.encode(x)
    assert (code[0] if variational else code).shape == (64, 8)
    assert model(x).shape == x.shape and 0 <= model(x).min() and model(x).max() <= 1
    assert model.sample(5).shape == (5, 3, 16, 16)
    before = model.loss(x).item()
    history = train(model, lambda m, b: m.loss(b, noise=0.1), fruit_tensors[0],
                    config=TrainConfig(steps=60, batch_size=64, lr=3e-3, eval_every=60), progress=False)  # fmt: skip
    assert model.loss(x).item() < before
    assert reconstruction_error(model, x).shape == (64,)
    assert history["train_loss"].iloc[-1] < before


@pytest.mark.parametrize("call, message", [
    (lambda: AutoencoderConfig(latent=0), "latent must be a whole number"),
    (lambda: AutoencoderConfig(beta=-0.5), "beta must be 0 or more"),
    (lambda: AutoencoderConfig(image_size=18), "divisible by 4"),
    (lambda: Autoencoder(AutoencoderConfig(image_size=16)).encode(torch.zeros(2, 3, 32, 32)), r"\(batch, 3, 16, 16\)"),
    (lambda: Autoencoder(AutoencoderConfig(image_size=16)).encode(torch.full((2, 3, 16, 16), 2.0)), r"\[0, 1\]"),
    (lambda: Autoencoder(AutoencoderConfig(image_size=16)).decode(torch.zeros(2, 5)), r"\(batch, 16\)"),
    (lambda: Autoencoder(AutoencoderConfig(image_size=16)).elbo_terms(torch.zeros(1, 3, 16, 16)), "Only a VAE"),
])  # fmt: skip
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _nan_images(size=16):
    x = torch.rand(2, 3, size, size, generator=torch.Generator().manual_seed(0))
    x[1, 2, 3, 4] = float("nan")
    return x


_AE = Autoencoder(AutoencoderConfig(image_size=16, latent=4, hidden=8))
_VAE = Autoencoder(AutoencoderConfig(image_size=16, latent=4, hidden=8, conv=False, variational=True))


@pytest.mark.parametrize("call", [
    lambda: _AE.encode(_nan_images()), lambda: _AE(_nan_images()), lambda: _AE.loss(_nan_images()),
    lambda: _VAE.elbo_terms(_nan_images()), lambda: _VAE.importance_weighted_bound(_nan_images(), k=3),
    lambda: reconstruction_error(_AE, _nan_images()), lambda: _VAE.elbo_terms(torch.rand(2, 3, 16, 16),
                                                                               target=_nan_images()),
])  # fmt: skip
def test_nan_pixels_are_refused_by_every_entry_point(call):
    with pytest.raises(ValueError, match="contains NaN"):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: _AE.encode(torch.rand(2, 16, 16, 3)), r"It looks like \(batch, H, W, C\)"),
    (lambda: _AE.encode(torch.rand(2, 1, 16, 16)), r"\(batch, 3, 16, 16\), got \(2, 1, 16, 16\)"),
    (lambda: _AE.encode(torch.rand(3, 16, 16)), "must have 4 dimensions"),
    (lambda: _AE.encode(torch.full((1, 3, 16, 16), float("inf"))), r"\[0, 1\], got values from inf"),
    (lambda: _AE.encode(torch.zeros(0, 3, 16, 16)), "is empty"),
    (lambda: _AE.decode(torch.full((2, 4), float("nan"))), "z contains NaN"),
    (lambda: _AE.decode(torch.zeros(4)), r"z must have shape \(batch, 4\)"),
    (lambda: _AE.sample(-1), "must be at least 1, got -1"),
    (lambda: _AE.sample(0), "must be at least 1, got 0"),
    (lambda: _AE.loss(torch.rand(2, 3, 16, 16), noise=float("nan")), "noise must be a finite number"),
    (lambda: _AE.loss(torch.rand(2, 3, 16, 16), noise=-0.1), r"noise must be in \[0, inf\]"),
    (lambda: _AE.importance_weighted_bound(torch.rand(2, 3, 16, 16)), "Only a VAE"),
    (lambda: _VAE.importance_weighted_bound(torch.rand(2, 3, 16, 16), k=0), "k .* must be at least 1"),
    (lambda: _VAE.elbo_terms(torch.rand(2, 3, 16, 16), target=torch.rand(3, 3, 16, 16)), "target must have the shape"),
    (lambda: reconstruction_error(_AE, torch.rand(2, 3, 16, 16), batch_size=0), "batch_size must be at least 1"),
    (lambda: kl_gaussian(torch.zeros(2, 3), torch.zeros(2, 4)), r"same shape, got \(2, 3\) and \(2, 4\)"),
    (lambda: kl_gaussian(torch.tensor([[float("nan")]]), torch.zeros(1, 1)), "mu contains NaN"),
    (lambda: reparameterize(torch.zeros(2, 3), torch.zeros(3)), "same shape"),
    (lambda: reparameterize(torch.zeros(2, 3), torch.full((2, 3), float("inf"))), "logvar contains infinite"),
    (lambda: AutoencoderConfig(beta=float("inf")), "beta must be 0 or more"),
    (lambda: AutoencoderConfig(hidden=1), "hidden of at least 2"),
])  # fmt: skip
def test_bad_tensors_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_config_that_is_not_a_config_is_a_type_error():
    with pytest.raises(TypeError, match="config must be an AutoencoderConfig, got dict"):
        Autoencoder({"latent": 4})
    with pytest.raises(TypeError, match="model must be an Autoencoder"):
        reconstruction_error(None, torch.rand(1, 3, 16, 16))


def test_float64_images_give_the_float32_answer():
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    assert torch.equal(_AE(x.double()), _AE(x)) and _AE(x.double()).dtype == torch.float32
