"""A toy text watermark (Chapter 15): a "green list" of tokens, favoured while sampling, found by a z-test.

Kirchenbauer et al. (2023) proposed watermarking a language model's text without changing the
model: before each token is drawn, the previous token seeds a random split of the vocabulary
into a green list (a share `gamma` of the tokens) and a red list, and `delta` is added to the
green tokens' logits. The text still reads naturally, because a good token usually stays
likely, but green tokens turn up more often than chance. Anyone with the key can recompute the
lists and count: with T tokens scored and G of them green, text written without the watermark
has G near gamma * T, and

    z = (G - gamma * T) / sqrt(T * gamma * (1 - gamma))

is about standard normal; watermarked text gives a large z. The test needs no access to the
model, only to the key and the tokenizer. `generate_watermarked` samples from the book's GPT with
the mark.
"""

from __future__ import annotations

import math

import torch

from .checks import check_count, check_number, check_tensor

_MIX = 1_000_003  # mixes the key and the previous token into one seed


def green_list(previous: int, vocab_size: int, *, gamma: float = 0.5, key: int = 0) -> torch.Tensor:
    """The green tokens after token `previous`: a boolean mask (vocab_size,) with round(gamma * vocab_size) True,
    the same for the same key and previous token."""
    check_count(vocab_size, "vocab_size", minimum=2)
    check_count(previous, "previous", minimum=0, maximum=vocab_size - 1)
    check_number(gamma, "gamma", low=0, high=1, low_open=True, high_open=True)
    check_count(key, "key", minimum=0)
    generator = torch.Generator().manual_seed(key * _MIX + previous)
    chosen = torch.randperm(vocab_size, generator=generator)[: max(1, round(gamma * vocab_size))]
    mask = torch.zeros(vocab_size, dtype=torch.bool)
    mask[chosen] = True
    return mask


def watermark_logits(
    logits: torch.Tensor, previous: int, *, gamma: float = 0.5, delta: float = 2.0, key: int = 0
) -> torch.Tensor:
    """Next-token logits (vocab,) with `delta` added to the green tokens after `previous`."""
    check_tensor(logits, "logits", dims=1)
    check_number(delta, "delta", low=0)
    return logits + delta * green_list(previous, len(logits), gamma=gamma, key=key).to(logits)


def green_count(
    tokens: torch.Tensor, vocab_size: int, *, gamma: float = 0.5, key: int = 0, repeats: bool = False
) -> tuple[int, int]:
    """(green tokens, tokens scored): each token after the first, checked against the green list its predecessor
    sets. A pair (previous, token) that occurs again is scored once, unless `repeats`: text repeats pairs such as
    "th", and a pair that happens to be green for the key would count again at every repeat, pushing unmarked
    text away from z = 0."""
    check_tensor(tokens, "tokens", dims=1, kind="int")
    if len(tokens) < 2:
        raise ValueError("Give at least 2 tokens: each token is scored by the one before it.")
    if tokens.min() < 0 or tokens.max() >= vocab_size:
        raise ValueError(f"tokens must be ids from 0 to {vocab_size - 1}.")
    ids = tokens.tolist()
    pairs = list(zip(ids, ids[1:], strict=False))
    if not repeats:
        pairs = list(dict.fromkeys(pairs))  # the distinct pairs, in order of first appearance
    green = sum(bool(green_list(a, vocab_size, gamma=gamma, key=key)[b]) for a, b in pairs)
    return green, len(pairs)


def z_score(tokens: torch.Tensor, vocab_size: int, *, gamma: float = 0.5, key: int = 0, repeats: bool = False) -> float:
    """The watermark test statistic: (green - gamma T) / sqrt(T gamma (1 - gamma)) over the T pairs scored (see
    `green_count`); about N(0, 1) without a watermark."""
    green, scored = green_count(tokens, vocab_size, gamma=gamma, key=key, repeats=repeats)
    return (green - gamma * scored) / math.sqrt(scored * gamma * (1 - gamma))


@torch.no_grad()
def generate_watermarked(
    model: torch.nn.Module,
    prompt: torch.Tensor,
    max_new_tokens: int,
    *,
    samples: int = 1,
    gamma: float = 0.5,
    delta: float = 2.0,
    key: int = 0,
    temperature: float = 1.0,
    seed: int = 0,
) -> torch.Tensor:
    """Continue `prompt` (1D token ids) `samples` times, each by `max_new_tokens` tokens sampled from a GPT of
    `utils.gpt` at `temperature`, with `delta` added to the green tokens at every step (delta = 0: no watermark).
    Returns the prompt followed by the new tokens, one row per sample: (samples, len(prompt) + max_new_tokens)."""
    if not hasattr(model, "config") or not hasattr(model, "check_ids"):
        raise TypeError(f"model must be a GPT from utils.gpt, got {type(model).__name__}.")
    check_tensor(prompt, "prompt", dims=1, kind="int")
    model.check_ids(prompt[None, -model.config.block_size :])
    check_count(max_new_tokens, "max_new_tokens")
    check_count(samples, "samples")
    check_number(delta, "delta", low=0)
    check_number(temperature, "temperature", low=0, low_open=True)
    generator = torch.Generator().manual_seed(check_count(seed, "seed", minimum=0))
    model.eval()
    device = next(model.parameters()).device
    vocab = model.config.vocab_size
    green = torch.stack([green_list(p, vocab, gamma=gamma, key=key) for p in range(vocab)]).float()  # (V, V)
    tokens = prompt.to(device).repeat(samples, 1)  # (samples, T)
    cache, block = model.new_cache(), model.config.block_size
    with torch.no_grad():
        for step in range(max_new_tokens):
            if tokens.shape[1] > block:  # past the context: read the last window afresh each step
                logits, _ = model(tokens[:, -block:])
            else:  # within the context: only the newest token is computed, the rest is in the key-value cache
                logits, _ = model(tokens if step == 0 else tokens[:, -1:], cache=cache)
            logits = logits[:, -1].float().cpu() / temperature + delta * green[tokens[:, -1].cpu()]
            drawn = torch.multinomial(logits.softmax(-1), 1, generator=generator)  # (samples, 1)
            tokens = torch.cat([tokens, drawn.to(device)], dim=1)
    return tokens.cpu()
