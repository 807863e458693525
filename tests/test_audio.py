"""Sound as tokens (Chapter 14): mu-law against its formula, melodies, and causal convolutions that never
see the future."""

import math

import pytest
import torch

from utils.audio import (
    MU,
    CausalConv1d,
    WaveNet,
    melodies,
    mu_law_decode,
    mu_law_encode,
    note_frequency,
    receptive_field,
)


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
