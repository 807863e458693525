"""Sound as tokens (Chapter 14): mu-law against its formula, melodies, and causal convolutions that never
see the future."""

import math

import pytest
import torch

from utils.audio import (
    MU,
    CausalConv1d,
    WaveNet,
    fit_wavenet,
    generate,
    melodies,
    mu_law_decode,
    mu_law_encode,
    next_token_loss,
    note_frequency,
    receptive_field,
    scale_energy,
    unigram_nll,
    windows,
)
from utils.train import TrainConfig


def test_mu_law_follows_its_formula_and_inverts_up_to_rounding():
    x = torch.linspace(-1, 1, 2001, dtype=torch.float64).float()
    levels = mu_law_encode(x)
    formula = [math.copysign(math.log1p(MU * abs(v)) / math.log1p(MU), v) for v in x.tolist()]
    expected = torch.tensor([math.floor((f + 1) / 2 * MU + 0.5) for f in formula])
    assert torch.equal(levels, expected)
    assert levels.min() == 0 and levels.max() == MU
    back = mu_law_decode(levels)
    step = (1 + MU * x.abs()) * math.log1p(MU) / MU * (2 / MU)  # dx/dF times F's level spacing: one level near x
    assert ((back - x).abs() <= step).all()  # within one level
    error = (back - x).abs()
    assert error[x.abs() < 0.01].max() < 1e-3 < error[x.abs() > 0.9].max()  # finer near silence than when loud


def test_melodies_are_notes_of_the_scale_in_range():
    waves, tunes = melodies(3, seconds=1.0, notes_per_second=4, seed=1)
    assert waves.shape == (3, 8000) and waves.abs().max() <= 1
    assert all(len(t) == 4 for t in tunes) and all(n % 12 in (0, 2, 4, 7, 9) for t in tunes for n in t)
    assert note_frequency(12) == pytest.approx(2 * note_frequency(0))
    assert note_frequency(9) == pytest.approx(440, abs=0.1)  # A above middle C
    spectrum = torch.fft.rfft(waves[0, :2000]).abs()  # the first note, a quarter of a second
    assert spectrum.argmax().item() / 0.25 == pytest.approx(note_frequency(tunes[0][0]), abs=4)


def test_a_causal_convolution_never_reads_the_future():
    torch.manual_seed(0)
    layer = CausalConv1d(2, 3, kernel_size=3, dilation=4)
    x = torch.randn(1, 2, 40)
    changed = x.clone()
    changed[..., 25] += 1.0
    y, y2 = layer(x), layer(changed)
    assert torch.equal(y[..., :25], y2[..., :25]) and not torch.equal(y[..., 25:], y2[..., 25:])


def test_the_receptive_field_is_the_formula():
    torch.manual_seed(0)
    model = WaveNet(channels=8, dilations=(1, 2, 4, 8))
    assert model.receptive_field == receptive_field(2, [1, 2, 4, 8]) == 16
    tokens = torch.randint(0, MU + 1, (1, 64))
    with torch.no_grad():
        base = model(tokens)[0, 50]
        seen = []
        for position in range(64):  # change one input token at a time: which ones move the output at step 50?
            changed = tokens.clone()
            changed[0, position] = (changed[0, position] + 100) % (MU + 1)
            if not torch.allclose(model(changed)[0, 50], base):
                seen.append(position)
    assert seen == list(range(50 - 16 + 1, 51))


def test_wavenet_logits_at_t_do_not_depend_on_later_tokens():
    torch.manual_seed(0)
    model = WaveNet(channels=8, dilations=(1, 2, 4))
    tokens = torch.randint(0, MU + 1, (2, 30))
    later = tokens.clone()
    later[:, 20:] = 0
    assert torch.allclose(model(tokens)[:, :20], model(later)[:, :20])


def test_next_token_loss_is_the_cross_entropy_of_each_following_token():
    torch.manual_seed(0)
    model = WaveNet(levels=16, channels=4, dilations=(1, 2))
    tokens = torch.randint(0, 16, (2, 9))
    logits = model(tokens[:, :-1])
    by_hand = -torch.stack([logits[b, t].log_softmax(-1)[tokens[b, t + 1]] for b in range(2) for t in range(8)]).mean()
    assert next_token_loss(model, tokens).item() == pytest.approx(by_hand.item(), rel=1e-5)


def test_windows_are_consecutive_slices_of_one_clip():
    tokens = torch.arange(3 * 50).reshape(3, 50)
    batch = windows(tokens, 10, 4)(torch.Generator().manual_seed(0))
    assert batch.shape == (4, 11)
    assert (batch.diff(dim=1) == 1).all() and all(int(row[0]) // 50 == int(row[-1]) // 50 for row in batch)


def test_the_unigram_baseline_is_the_smoothed_frequency_cross_entropy():
    tokens, val = torch.tensor([[0, 0, 0, 1]]), torch.tensor([[0, 1]])
    p0, p1 = 4 / 8, 2 / 8  # counts 3 + 1 and 1 + 1 of 4 + 4 levels' worth (add-one over 4 levels)
    assert unigram_nll(tokens, val, levels=4) == pytest.approx(-(math.log(p0) + math.log(p1)) / 2)


def test_generation_keeps_the_prompt_follows_the_model_and_repeats_with_its_seed():
    torch.manual_seed(0)
    model = WaveNet(levels=16, channels=4, dilations=(1, 2))
    prompt = torch.tensor([3, 4, 5])
    out = generate(model, prompt, 20, seed=1)
    assert out.shape == (23,) and torch.equal(out[:3], prompt) and torch.equal(out, generate(model, prompt, 20, seed=1))
    with torch.no_grad():
        model.out[-1].bias.fill_(-50.0)
        model.out[-1].bias[7] = 50.0  # the model is now sure the next token is 7
    assert (generate(model, prompt, 10, temperature=2.0)[3:] == 7).all()


def test_a_short_wavenet_run_beats_the_unigram_baseline_on_held_out_melodies():
    waves, _ = melodies(8, seconds=1.0, seed=0, sample_rate=4000)
    val, _ = melodies(2, seconds=1.0, seed=1, sample_rate=4000)
    tokens, val_tokens = mu_law_encode(waves), mu_law_encode(val)
    torch.manual_seed(0)
    model = WaveNet(channels=16, dilations=(1, 2, 4, 8, 16, 32))
    config = TrainConfig(steps=120, batch_size=8, lr=1e-2, eval_every=120, eval_batches=2)
    history = fit_wavenet(model, tokens, val_tokens, config, length=256, progress=False)
    assert history["val_loss"].iloc[-1] < unigram_nll(tokens, val_tokens) - 1.0


def test_scale_energy_is_near_one_for_a_tune_and_the_band_share_for_noise():
    waves, _ = melodies(1, seconds=1.0, seed=0, sample_rate=4000)
    assert scale_energy(waves[0], 4000) > 0.9
    off = torch.sin(2 * math.pi * 311.0 * torch.arange(4000) / 4000)  # 311 Hz: between D (294) and E (330)
    assert scale_energy(off, 4000) < 0.05
    noise = torch.rand(4000, generator=torch.Generator().manual_seed(0)) * 2 - 1
    assert 0.08 < scale_energy(noise, 4000) < 0.2  # the bands cover about an eighth of 0-2000 Hz
