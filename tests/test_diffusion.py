"""Diffusion (Chapter 12): the forward process against its closed forms, the samplers against an exact
denoiser, the U-Net's shapes, and a short training run on the ring of 8 Gaussians."""

import math

import pytest
import torch
from scipy import stats

from utils.diffusion import (
    Diffusion,
    DiffusionConfig,
    GaussianDenoiser,
    NoiseSchedule,
    UNet,
    ddim_step,
    noise_step,
    noised,
    posterior,
    timesteps,
)


@pytest.mark.parametrize("name", ["linear", "cosine"])
@pytest.mark.parametrize("T", [10, 1000])
def test_schedules_are_monotone_with_alpha_bar_inside_0_1(name, T):
    s = NoiseSchedule(name, T)
    assert s.alpha_bars[0] == 1 and s.betas[0] == 0
    ab = s.alpha_bars[1:]
    assert bool((ab > 0).all() and (ab < 1).all())
    assert bool((ab[1:] < ab[:-1]).all()), "abar must fall at every step"
    assert torch.allclose(s.alpha_bars, torch.cumprod(1 - s.betas, 0))
    assert bool((s.snr(torch.arange(2, T + 1)) < s.snr(torch.arange(1, T))).all())


def test_linear_schedule_is_ho_et_al_s():
    s = NoiseSchedule("linear", 1000)
    assert s.betas[1].item() == pytest.approx(1e-4) and s.betas[1000].item() == pytest.approx(0.02)
    # abar_T is tiny: almost nothing of the data is left (a known value of this schedule, about 4e-5)
    assert 1e-5 < s.alpha_bars[-1].item() < 1e-4


def test_closed_form_matches_iterating_one_step_noising():
    s = NoiseSchedule("linear", 200)
    x0 = torch.full((40000, 1), 1.5, dtype=torch.float64)
    g = torch.Generator().manual_seed(0)
    x = x0
    for t in range(1, 121):
        x = noise_step(x, t, s, generator=g)
    jump = noised(x0, 120, s, generator=g)
    ab = s.alpha_bars[120].item()
    mean, var = math.sqrt(ab) * 1.5, 1 - ab
    se = math.sqrt(var / len(x0))
    for sample in (x, jump):
        assert abs(sample.mean().item() - mean) < 4 * se
        assert sample.var().item() == pytest.approx(var, rel=0.03)
    assert noised(x0, 0, s).equal(x0), "step 0 is the data itself"


def test_posterior_matches_gaussian_conditioning():
    """q(x_{t-1} | x_t, x_0) from the joint Gaussian of (x_{t-1}, x_t) given x_0, written out."""
    s = NoiseSchedule("cosine", 50)
    x0, xt = torch.randn(6, 3, dtype=torch.float64), torch.randn(6, 3, dtype=torch.float64)
    for t in (1, 2, 25, 50):
        ab_prev, alpha = s.alpha_bars[t - 1].item(), s.alphas[t].item()
        # x_{t-1} ~ N(sqrt(ab_prev) x0, 1 - ab_prev); x_t = sqrt(alpha) x_{t-1} + sqrt(beta) eps
        var11, cov12 = 1 - ab_prev, math.sqrt(alpha) * (1 - ab_prev)
        var22 = alpha * (1 - ab_prev) + (1 - alpha)
        mean = math.sqrt(ab_prev) * x0 + cov12 / var22 * (xt - math.sqrt(ab_prev * alpha) * x0)
        m, v = posterior(x0, xt, t, s)
        assert torch.allclose(m, mean) and torch.allclose(v, torch.full_like(v, var11 - cov12**2 / var22))


def _exact_model(T: int = 100, mean: float = 1.0, std: float = 0.5) -> Diffusion:
    model = Diffusion(DiffusionConfig(data="points", schedule="linear", steps=T, hidden=8))
    model.net = GaussianDenoiser(mean, std, model.schedule)
    return model


def test_samplers_with_the_exact_denoiser_draw_the_data_distribution():
    """With the exact noise prediction for N(1, 0.5^2) data, DDPM's 1,000 steps draw that distribution; DDIM's
    50 deterministic strides keep the mean and come close in spread (few steps shrink it a little)."""
    model = _exact_model(T=1000)
    g = torch.Generator().manual_seed(1)
    for x in (model.sample_ddpm(20000, generator=g), model.sample(20000, steps=1000, eta=1.0, generator=g)):
        assert x.mean().item() == pytest.approx(1.0, abs=0.01)
        assert x.std().item() == pytest.approx(0.5, abs=0.01)
    x = model.sample(20000, steps=50, eta=0.0, generator=g)
    assert x.mean().item() == pytest.approx(1.0, abs=0.01)
    assert x.std().item() == pytest.approx(0.5, rel=0.1)


def test_ddim_with_eta_1_and_all_steps_is_ddpm_in_distribution():
    model = _exact_model()
    g = torch.Generator().manual_seed(2)
    ddpm = model.sample_ddpm(8000, generator=g)[:, 0].numpy()
    ddim = model.sample(8000, steps=100, eta=1.0, generator=g)[:, 0].numpy()
    assert stats.ks_2samp(ddpm, ddim).pvalue > 0.01


def test_ddim_with_eta_1_has_the_posterior_variance():
    s = NoiseSchedule("linear", 100)
    xt, eps = torch.zeros(50000, 1), torch.zeros(50000, 1)
    for t in (2, 50, 100):
        step, _ = ddim_step(xt, eps, t, t - 1, s, eta=1.0, generator=torch.Generator().manual_seed(t))
        _, variance = posterior(xt, xt, t, s)
        assert step.var().item() == pytest.approx(variance[0, 0].item(), rel=0.03)


def test_ddim_with_eta_0_is_deterministic():
    model = _exact_model()
    noise = torch.randn(5, 2)
    a = model.sample(5, steps=20, eta=0.0, noise=noise, generator=torch.Generator().manual_seed(0))
    b = model.sample(5, steps=20, eta=0.0, noise=noise, generator=torch.Generator().manual_seed(99))
    assert torch.equal(a, b)
    c = model.sample(5, steps=20, eta=1.0, noise=noise, generator=torch.Generator().manual_seed(99))
    assert not torch.equal(a, c)


def test_timesteps_are_spread_from_T_to_1():
    assert timesteps(1000, 1000) == list(range(1000, 0, -1))
    ts = timesteps(1000, 50)
    assert ts[0] == 1000 and ts[-1] == 1 and len(ts) == 50 and ts == sorted(ts, reverse=True)
    assert timesteps(1000, 1) == [1000], "one sampling step starts from pure noise"


@pytest.mark.parametrize("batch", [1, 3])
def test_unet_keeps_shapes_for_any_batch_and_step(batch):
    net = UNet(channels=3, width=16, classes=3)
    x = torch.randn(batch, 3, 32, 32)
    for t in (0, 1, 500, 1000):
        out = net(x, torch.full((batch,), t), torch.zeros(batch, dtype=torch.long))
        assert out.shape == x.shape and torch.isfinite(out).all()
    assert net(torch.randn(batch, 3, 16, 16), torch.ones(batch, dtype=torch.long)).shape == (batch, 3, 16, 16)


def test_guidance_mixes_the_conditional_and_unconditional_predictions():
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = Diffusion(DiffusionConfig(data="images", image_size=16, hidden=16, classes=3, steps=10)).eval()
    x, labels = torch.randn(4, 3, 16, 16), torch.tensor([0, 1, 2, 0])
    with torch.no_grad():
        cond, uncond = model.predict_noise(x, 5, labels), model.predict_noise(x, 5, labels, guidance=0.0)
        assert torch.allclose(model.predict_noise(x, 5, labels, guidance=3.0), uncond + 3 * (cond - uncond), atol=1e-5)
        assert torch.allclose(uncond, model.predict_noise(x, 5, None))


def test_loss_is_the_noise_prediction_error():
    model = _exact_model(mean=0.0, std=1.0)
    x0 = torch.randn(20000, 2)
    # For N(0, 1) data the exact denoiser predicts eps with error variance abar (over random t): the loss is its mean.
    expected = model.schedule.alpha_bars[1:].mean().item()
    with torch.random.fork_rng():
        torch.manual_seed(0)
        assert model.loss(x0).item() == pytest.approx(expected, rel=0.05)


def test_the_2d_model_meets_the_ring_targets():
    """The chapter's recipe, trained here (under a minute): 8 of 8 modes and at least 90% high-quality points
    with 50 DDIM steps (the GAN of Chapter 10 reaches about 87%)."""
    from utils.metrics import mode_coverage, ring_centres
    from utils.recipes import train_recipe

    model, history = train_recipe("diffusion_ring", progress=False)
    quality = mode_coverage(model.sample(1000, generator=torch.Generator().manual_seed(2)), ring_centres(), std=0.05)
    assert quality["modes_covered"] == 8
    assert quality["high_quality_rate"] >= 0.9
    assert history["val_loss"].iloc[-1] < history["val_loss"].iloc[0]


class _Replay(torch.nn.Module):
    """A stand-in network that records its input and answers with a fixed output."""

    def __init__(self, answer: torch.Tensor | None = None):
        super().__init__()
        self.answer, self.seen = answer, []

    def forward(self, x, t, labels=None):
        self.seen.append((x.clone(), t.clone()))
        return self.answer if self.answer is not None else torch.zeros_like(x)


def test_v_prediction_target_and_its_conversion_to_noise():
    """v = sqrt(abar) eps - sqrt(1 - abar) x0; a network that outputs the true v gives back the true eps."""
    model = Diffusion(DiffusionConfig(data="points", schedule="cosine", steps=100, hidden=8, prediction="v"))
    x0, eps, t = torch.randn(6, 2), torch.randn(6, 2), torch.tensor([1, 5, 30, 60, 99, 100])
    ab = model.schedule.alpha_bars[t].float()[:, None]
    xt, v = ab.sqrt() * x0 + (1 - ab).sqrt() * eps, ab.sqrt() * eps - (1 - ab).sqrt() * x0
    model.net = _Replay(v)
    assert torch.allclose(model.predict_noise(xt, t), eps, atol=1e-5)
    # the loss's target: with a network that answers 0, the loss is the mean square of v for the drawn x_t and t
    model.net = _Replay()
    with torch.random.fork_rng():
        torch.manual_seed(0)
        loss = model.loss(x0).item()
    ((xt, t),) = model.net.seen
    ab = model.schedule.alpha_bars[t].float()[:, None]
    drawn_eps = (xt - ab.sqrt() * x0) / (1 - ab).sqrt()
    assert loss == pytest.approx((ab.sqrt() * drawn_eps - (1 - ab).sqrt() * x0).pow(2).mean().item(), rel=1e-4)
