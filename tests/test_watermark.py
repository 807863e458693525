"""The toy watermark (Chapter 15): green lists are fixed by key and predecessor, and the z-test finds the mark."""

import math

import pytest
import torch

from utils.watermark import generate_watermarked, green_count, green_list, watermark_logits, z_score

V = 64


def test_green_lists_have_the_right_size_and_depend_on_key_and_previous_token():
    mask = green_list(5, V, gamma=0.25, key=7)
    assert mask.dtype == torch.bool and int(mask.sum()) == 16
    assert torch.equal(mask, green_list(5, V, gamma=0.25, key=7))
    assert not torch.equal(mask, green_list(6, V, gamma=0.25, key=7))
    assert not torch.equal(mask, green_list(5, V, gamma=0.25, key=8))


def test_the_bias_lands_on_the_green_tokens_only():
    logits = torch.randn(V)
    marked = watermark_logits(logits, 3, gamma=0.5, delta=2.0, key=1)
    assert torch.allclose(marked - logits, 2.0 * green_list(3, V, gamma=0.5, key=1).float())


def test_the_z_score_is_the_formula_and_near_zero_for_unmarked_text():
    tokens = torch.randint(0, V, (401,), generator=torch.Generator().manual_seed(0))
    green, scored = green_count(tokens, V, gamma=0.5, key=3, repeats=True)
    assert scored == 400
    assert z_score(tokens, V, gamma=0.5, key=3, repeats=True) == pytest.approx((green - 200) / math.sqrt(100))
    distinct = len(set(zip(tokens.tolist(), tokens[1:].tolist(), strict=False)))
    green, scored = green_count(tokens, V, gamma=0.5, key=3)
    assert scored == distinct < 400
    assert z_score(tokens, V, gamma=0.5, key=3) == pytest.approx((green - distinct / 2) / math.sqrt(distinct / 4))
    scores = [z_score(torch.randint(0, V, (201,), generator=torch.Generator().manual_seed(s)), V, key=3)
              for s in range(40)]  # fmt: skip
    assert abs(sum(scores) / 40) < 0.5 and max(abs(z) for z in scores) < 4


def test_a_repeated_green_pair_counts_once():
    """Unmarked text that repeats one pair which happens to be green would look marked if every repeat counted."""
    first = 0
    second = int(green_list(first, V, gamma=0.5, key=7).float().argmax())  # a token green after `first`
    tokens = torch.tensor([first, second] * 60)
    assert green_count(tokens, V, gamma=0.5, key=7, repeats=True)[0] >= 60
    assert z_score(tokens, V, key=7, repeats=True) > 5  # a false alarm
    assert green_count(tokens, V, gamma=0.5, key=7)[1] <= 2  # only (first, second) and (second, first) are scored


def test_text_sampled_with_the_mark_gives_a_large_z():
    generator = torch.Generator().manual_seed(1)
    base = torch.zeros(V)  # every token equally likely before the mark: the hardest case for detection
    tokens = [0]
    for _ in range(200):
        probs = watermark_logits(base, tokens[-1], gamma=0.5, delta=2.0, key=9).softmax(-1)
        tokens.append(int(torch.multinomial(probs, 1, generator=generator)))
    assert z_score(torch.tensor(tokens), V, gamma=0.5, key=9) > 6
    assert abs(z_score(torch.tensor(tokens), V, gamma=0.5, key=10)) < 4  # the wrong key sees no mark


def test_a_gpt_sampling_with_the_mark_is_detected_and_without_it_is_not():
    from utils.gpt import GPT, GPTConfig

    torch.manual_seed(0)
    model = GPT(GPTConfig.tiny(V))
    prompt = torch.tensor([1, 2, 3])
    marked = generate_watermarked(model, prompt, 150, samples=3, delta=4.0, key=5, seed=0)
    plain = generate_watermarked(model, prompt, 150, samples=3, delta=0.0, key=5, seed=0)
    assert marked.shape == (3, 153) and torch.equal(marked[:, :3], prompt.repeat(3, 1))
    assert not torch.equal(marked[0], marked[1])  # each sample draws its own tokens
    for row, other in zip(marked, plain, strict=True):
        assert z_score(row[2:], V, key=5) > 5 and abs(z_score(other[2:], V, key=5)) < 4
    assert torch.equal(marked, generate_watermarked(model, prompt, 150, samples=3, delta=4.0, key=5, seed=0))
