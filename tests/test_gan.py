"""GAN networks, losses against closed forms, argument checks, and a tiny game that learns."""

import math

import pytest
import torch
import torch.nn.functional as F

from utils.adversarial import GANTrainConfig, train_gan
from utils.gan import Discriminator, GANConfig, Generator, discriminator_loss, generator_loss


@pytest.mark.parametrize("pack", [1, 2])
def test_shapes_for_points_and_images(pack):
    torch.manual_seed(0)
    points = GANConfig(latent=4, hidden=16, pack=pack)
    assert Generator(points)(torch.randn(6, 4)).shape == (6, 2)
    assert Discriminator(points)(torch.randn(6, 2)).shape == (6 // pack,)
    images = GANConfig(data="images", latent=8, hidden=32, pack=pack)
    fake = Generator(images).sample(4)
    assert fake.shape == (4, 3, 32, 32) and fake.min() >= 0 and fake.max() <= 1
    assert Discriminator(images)(fake).shape == (4 // pack,)


def test_losses_match_closed_forms_and_binary_cross_entropy():
    zero = torch.zeros(7)
    assert discriminator_loss(zero, zero).item() == pytest.approx(2 * math.log(2))
    assert generator_loss(zero).item() == pytest.approx(math.log(2))
    assert generator_loss(zero, "minimax").item() == pytest.approx(-math.log(2))
    assert discriminator_loss(zero, zero, "hinge").item() == pytest.approx(2.0)
    real, fake = torch.randn(50, generator=torch.Generator().manual_seed(0)), torch.randn(50)
    bce = F.binary_cross_entropy_with_logits(real, torch.ones(50)) + F.binary_cross_entropy_with_logits(
        fake, torch.zeros(50)
    )
    assert torch.allclose(discriminator_loss(real, fake), bce, atol=1e-6)
    assert torch.allclose(generator_loss(fake), F.binary_cross_entropy_with_logits(fake, torch.ones(50)), atol=1e-6)
    # The minimax loss saturates: where D is sure a sample is fake, its gradient all but vanishes.
    sure = torch.tensor([-8.0], requires_grad=True)
    generator_loss(sure, "minimax").backward()
    minimax_grad = sure.grad.abs().item()
    sure.grad = None
    generator_loss(sure).backward()
    assert minimax_grad < 1e-3 < sure.grad.abs().item()


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="latent"):
        GANConfig(latent=0)
    with pytest.raises(ValueError, match="lr"):
        GANTrainConfig(lr=0)
    with pytest.raises(ValueError, match="Unknown GAN loss"):
        GANTrainConfig(loss="wasserstein")
    config = GANConfig(latent=4, hidden=16)
    with pytest.raises(ValueError, match=r"points must have shape \(any, 2\)"):
        Discriminator(config)(torch.randn(3, 3))
    with pytest.raises(ValueError, match=r"noise z must have shape \(any, 4\)"):
        Generator(config)(torch.randn(3, 5))
    with pytest.raises(ValueError, match="number of samples must be at least 1"):
        Generator(config).sample(-1)
    with pytest.raises(ValueError, match="multiple of pack"):
        Discriminator(GANConfig(pack=2))(torch.randn(3, 2))
    with pytest.raises(ValueError, match="points must have shape"):
        train_gan(Generator(config), Discriminator(config), torch.randn(10, 3), progress=False)
    with pytest.raises(ValueError, match="contains NaN"):
        train_gan(Generator(config), Discriminator(config), torch.full((10, 2), math.nan), progress=False)


def test_a_tiny_gan_learns_to_place_its_points():
    torch.manual_seed(0)
    config = GANConfig(latent=4, hidden=32)
    real = torch.tensor([2.0, -1.0]) + 0.1 * torch.randn(2000, 2, generator=torch.Generator().manual_seed(0))
    G, D = Generator(config), Discriminator(config)
    before = (G.sample(500).mean(0) - torch.tensor([2.0, -1.0])).norm().item()
    history = train_gan(G, D, real, GANTrainConfig(steps=400, batch_size=64, lr=2e-3, eval_every=100), progress=False)
    after = (G.sample(500).mean(0) - torch.tensor([2.0, -1.0])).norm().item()
    assert list(history.columns) == ["step", "d_loss", "g_loss", "seconds"] and history["step"].tolist()[-1] == 400
    assert before > 1.5 and after < 0.2


def test_a_diverging_game_stops_with_a_hint_instead_of_finishing_with_nan():
    config = GANConfig(latent=4, hidden=16)
    G, D = Generator(config), Discriminator(config)
    with torch.no_grad():
        D.net[0].weight.fill_(math.inf)  # every logit becomes inf or nan
    with pytest.raises(FloatingPointError, match="smaller lr"):
        train_gan(G, D, torch.randn(64, 2), GANTrainConfig(steps=3, batch_size=32), progress=False)


def test_training_leaves_the_callers_random_state_alone():
    config = GANConfig(latent=4, hidden=16)
    G, D, data = Generator(config), Discriminator(config), torch.randn(64, 2)
    state = torch.random.get_rng_state()
    train_gan(G, D, data, GANTrainConfig(steps=3, batch_size=32), progress=False)
    assert torch.equal(torch.random.get_rng_state(), state)
