"""Sound as a sequence of numbers (Chapter 14): melodies, mu-law tokens and dilated causal convolutions.

A waveform is a list of air-pressure samples in [-1, 1], 8,000 per second by default
(Chapter 14 uses 4,000). `melodies` writes simple tunes procedurally (notes of a pentatonic
scale, each a decaying tone with one overtone), so the chapter needs no recordings. Mu-law
companding (ITU-T G.711) squeezes each sample into one of 256 levels, finer near silence where
the ear is most sensitive:

    F(x) = sign(x) ln(1 + mu |x|) / ln(1 + mu),  mu = 255,

and the level is F(x) mapped from [-1, 1] onto 0..255. The samples become tokens, and the
autoregressive idea of Chapter 11 applies: predict the next token from the previous ones.
WaveNet (van den Oord et al., 2016) does this with *dilated causal convolutions*: each layer
looks at two inputs `dilation` samples apart and never at a later one; doubling the dilation
from layer to layer makes the receptive field grow exponentially with depth (`receptive_field`).
`fit_wavenet` trains one on random windows of the tokens, `unigram_nll` is the baseline that
ignores the past, `generate` plays the model forwards one sample at a time, and `scale_energy`
measures how much of a sound's energy sits on the melodies' notes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from .checks import check_count, check_number, check_tensor
from .train import TrainConfig, train

SAMPLE_RATE = 8000  # samples per second
MU = 255  # mu-law levels - 1
PENTATONIC = (0, 2, 4, 7, 9)  # semitones above the key note: C D E G A in C major


def _check_waveform(x: torch.Tensor, name: str = "x") -> torch.Tensor:
    check_tensor(x, name)
    if x.numel() and (x.min() < -1 or x.max() > 1):
        raise ValueError(f"{name} must be a waveform with every sample in [-1, 1], got values from "
                         f"{x.min().item():.3g} to {x.max().item():.3g}; divide by the largest absolute "
                         "value.")  # fmt: skip
    return x


def mu_law_encode(x: torch.Tensor, mu: int = MU) -> torch.Tensor:
    """Samples in [-1, 1] -> integer levels 0..mu (long), finer near 0."""
    _check_waveform(x)
    check_count(mu, "mu")
    x = x.double()  # float32 would put a few samples on the other side of a level boundary
    companded = torch.sign(x) * torch.log1p(mu * x.abs()) / math.log1p(mu)
    return ((companded + 1) / 2 * mu + 0.5).floor().long().clamp(0, mu)


def mu_law_decode(levels: torch.Tensor, mu: int = MU) -> torch.Tensor:
    """Integer levels 0..mu -> samples in [-1, 1]: the inverse of `mu_law_encode` up to its rounding."""
    check_tensor(levels, "levels", kind="int")
    check_count(mu, "mu")
    if levels.numel() and (levels.min() < 0 or levels.max() > mu):
        raise ValueError(f"levels must be whole numbers from 0 to {mu}, got {levels.min().item()} to "
                         f"{levels.max().item()}.")  # fmt: skip
    companded = levels.double() / mu * 2 - 1
    return (torch.sign(companded) * torch.expm1(companded.abs() * math.log1p(mu)) / mu).float()


def note_frequency(semitones: float, key: float = 261.63) -> float:
    """The frequency in Hz of the note `semitones` above the key (middle C by default): key * 2^(s / 12)."""
    check_number(semitones, "semitones")
    check_number(key, "key", low=0, low_open=True)
    return key * 2 ** (semitones / 12)


def melodies(
    n: int, *, seconds: float = 2.0, notes_per_second: int = 4, seed: int = 0, sample_rate: int = SAMPLE_RATE
) -> tuple[torch.Tensor, list[list[int]]]:
    """(n waveforms (n, T) in [-1, 1], the notes of each as semitones above middle C): random walks on a
    pentatonic scale over two octaves, each note a tone with an overtone that fades out."""
    check_count(n, "n")
    check_number(seconds, "seconds", low=0, low_open=True, high=60)
    check_count(notes_per_second, "notes_per_second", maximum=32)
    check_count(seed, "seed", minimum=0)
    check_count(sample_rate, "sample_rate", minimum=1000)
    rng = np.random.default_rng(seed)
    scale = [octave * 12 + step for octave in (0, 1) for step in PENTATONIC]
    count = max(1, round(seconds * notes_per_second))
    length = sample_rate // notes_per_second
    t = np.arange(length) / sample_rate
    envelope = np.exp(-t * 6.0) * np.minimum(1, t * 200)  # a quick attack, then a decay
    waves, tunes = [], []
    for _ in range(n):
        position, tune = int(rng.integers(len(scale))), []
        for _ in range(count):
            position = int(np.clip(position + rng.choice([-2, -1, 1, 2]), 0, len(scale) - 1))
            tune.append(scale[position])
        pieces = []
        for semitones in tune:
            f = note_frequency(semitones)
            pieces.append(envelope * (0.7 * np.sin(2 * np.pi * f * t) + 0.2 * np.sin(4 * np.pi * f * t)))
        waves.append(np.concatenate(pieces))
        tunes.append(tune)
    return torch.tensor(np.stack(waves), dtype=torch.float32).clamp(-1, 1), tunes


def receptive_field(kernel_size: int, dilations: Sequence[int]) -> int:
    """How many input samples one output of a stack of causal convolutions can see: 1 + sum((k - 1) d)."""
    check_count(kernel_size, "kernel_size")
    if not isinstance(dilations, (list, tuple)) or not dilations:
        raise ValueError("dilations must be a non-empty list of whole numbers, one per layer.")
    return 1 + sum((kernel_size - 1) * check_count(d, "each dilation") for d in dilations)


class CausalConv1d(torch.nn.Module):
    """A 1D convolution whose output at time t reads only inputs at t, t - d, t - 2d, ... (d the dilation)."""

    def __init__(self, channels_in: int, channels_out: int, kernel_size: int = 2, dilation: int = 1):
        super().__init__()
        for value, name in ((channels_in, "channels_in"), (channels_out, "channels_out"),
                            (kernel_size, "kernel_size"), (dilation, "dilation")):  # fmt: skip
            check_count(value, name)
        self.padding = (kernel_size - 1) * dilation  # on the left only: nothing from the future
        self.conv = torch.nn.Conv1d(channels_in, channels_out, kernel_size, dilation=dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C_in, T) -> (B, C_out, T)."""
        check_tensor(x, "x", dims=3)
        if x.shape[1] != self.conv.in_channels:
            raise ValueError(f"x must have {self.conv.in_channels} channels (shape (batch, channels, time)), "
                             f"got {tuple(x.shape)}.")  # fmt: skip
        return self.conv(F.pad(x, (self.padding, 0)))


class WaveNet(torch.nn.Module):
    """A small WaveNet: mu-law tokens in, next-token logits out, through dilated causal convolutions with
    gated activations (tanh times sigmoid) and residual connections."""

    def __init__(self, levels: int = MU + 1, channels: int = 32, dilations: Sequence[int] = (1, 2, 4, 8, 16, 32)):
        super().__init__()
        check_count(levels, "levels", minimum=2)
        check_count(channels, "channels")
        self.receptive_field = receptive_field(2, list(dilations))
        self.levels = levels
        self.embed = torch.nn.Embedding(levels, channels)
        self.gates = torch.nn.ModuleList(CausalConv1d(channels, 2 * channels, 2, d) for d in dilations)
        self.mix = torch.nn.ModuleList(torch.nn.Conv1d(channels, channels, 1) for _ in dilations)
        self.out = torch.nn.Sequential(torch.nn.Conv1d(channels, channels, 1), torch.nn.ReLU(),
                                       torch.nn.Conv1d(channels, levels, 1))  # fmt: skip

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Tokens (B, T) -> logits (B, T, levels); the logits at t predict token t + 1 from tokens <= t."""
        check_tensor(tokens, "tokens", dims=2, kind="int")
        if tokens.numel() and (tokens.min() < 0 or tokens.max() >= self.levels):
            raise ValueError(f"tokens must be levels from 0 to {self.levels - 1}.")
        x = self.embed(tokens).transpose(1, 2)  # (B, C, T)
        skip = 0
        for gate, mix in zip(self.gates, self.mix, strict=True):
            filt, g = gate(x).chunk(2, dim=1)
            h = mix(torch.tanh(filt) * torch.sigmoid(g))
            x, skip = x + h, skip + h
        return self.out(skip).transpose(1, 2)


def next_token_loss(model: WaveNet, tokens: torch.Tensor) -> torch.Tensor:
    """The mean cross-entropy (nats per sample) of predicting each token of windows (B, T) from those before it."""
    check_tensor(tokens, "tokens", dims=2, kind="int")
    if tokens.shape[1] < 2:
        raise ValueError("Each window needs at least 2 tokens: one to read and one to predict.")
    tokens = tokens.to(next(model.parameters()).device)
    logits = model(tokens[:, :-1])
    return F.cross_entropy(logits.flatten(0, 1), tokens[:, 1:].flatten())


def windows(tokens: torch.Tensor, length: int, batch_size: int):
    """A batch source for `utils.train.train`: `batch_size` random windows of `length` + 1 tokens cut from the
    clips (N, T), drawn with the generator the loop passes in."""
    check_tensor(tokens, "tokens", dims=2, kind="int")
    check_count(batch_size, "batch_size")
    check_count(length, "length", minimum=1, maximum=tokens.shape[1] - 1)

    def batch(generator: torch.Generator) -> torch.Tensor:
        clip = torch.randint(len(tokens), (batch_size,), generator=generator)
        start = torch.randint(tokens.shape[1] - length, (batch_size,), generator=generator)
        return tokens[clip[:, None], start[:, None] + torch.arange(length + 1)]

    return batch


def fit_wavenet(
    model: WaveNet,
    tokens: torch.Tensor,
    val_tokens: torch.Tensor,
    config: TrainConfig,
    *,
    length: int = 512,
    progress: bool = True,
    desc: str = "WaveNet",
) -> pd.DataFrame:
    """Train `model` to predict the next mu-law token on windows of `length` samples of the clips (N, T);
    returns the history, with the validation loss in nats per sample."""
    if not isinstance(model, WaveNet):
        raise TypeError(f"model must be a WaveNet, got {type(model).__name__}.")
    data = windows(tokens, length, config.batch_size)
    val = windows(val_tokens, length, config.batch_size)
    return train(model, next_token_loss, data, val_data=val, config=config, progress=progress, desc=desc)


def unigram_nll(tokens: torch.Tensor, val_tokens: torch.Tensor, levels: int = MU + 1) -> float:
    """The baseline that ignores the past: nats per sample of the held-out tokens under the training tokens'
    frequencies (add-one smoothed)."""
    check_tensor(tokens, "tokens", kind="int")
    check_tensor(val_tokens, "val_tokens", kind="int")
    check_count(levels, "levels", minimum=2)
    for x, name in ((tokens, "tokens"), (val_tokens, "val_tokens")):
        if x.min() < 0 or x.max() >= levels:
            raise ValueError(f"{name} must be levels from 0 to {levels - 1}.")
    counts = torch.bincount(tokens.flatten(), minlength=levels).double() + 1
    return float(-(counts / counts.sum()).log()[val_tokens.flatten()].mean())


def scale_energy(wave: torch.Tensor, sample_rate: int = SAMPLE_RATE, *, width: float = 8.0) -> float:
    """The share of a waveform's energy (its power spectrum) within `width` Hz of the notes `melodies` plays
    or their first overtones: about 1 for a tune of those notes, about the share of the spectrum those bands
    cover for noise."""
    _check_waveform(wave, "wave")
    if wave.dim() != 1 or len(wave) < 64:
        raise ValueError(f"wave must be one waveform of at least 64 samples, got shape {tuple(wave.shape)}.")
    check_count(sample_rate, "sample_rate", minimum=1000)
    check_number(width, "width", low=0, low_open=True)
    power = torch.fft.rfft(wave.double()).abs() ** 2
    if float(power.sum()) == 0:
        raise ValueError("wave is silent (every sample is 0): it has no energy to share out.")
    freqs = torch.fft.rfftfreq(len(wave), 1 / sample_rate)
    notes = [note_frequency(octave * 12 + step) for octave in (0, 1) for step in PENTATONIC]
    near = torch.zeros_like(freqs, dtype=torch.bool)
    for f in notes:
        near |= ((freqs - f).abs() < width) | ((freqs - 2 * f).abs() < width)
    return float(power[near].sum() / power.sum())


@torch.no_grad()
def generate(
    model: WaveNet, prompt: torch.Tensor, samples: int, *, temperature: float = 1.0, seed: int = 0
) -> torch.Tensor:
    """Continue `prompt` (a 1D tensor of tokens) by `samples` tokens, each drawn from the model's next-token
    distribution at `temperature`, reading only the last receptive field of tokens. Returns prompt + new tokens."""
    if not isinstance(model, WaveNet):
        raise TypeError(f"model must be a WaveNet, got {type(model).__name__}.")
    check_tensor(prompt, "prompt", dims=1, kind="int")
    check_count(samples, "samples")
    check_number(temperature, "temperature", low=0, low_open=True)
    model.eval()
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(check_count(seed, "seed", minimum=0))
    out = prompt.to(device).clone()
    for _ in range(samples):
        logits = model(out[-model.receptive_field :][None])[0, -1] / temperature
        out = torch.cat([out, torch.multinomial(logits.softmax(-1), 1, generator=generator)])
    return out.cpu()
