"""Decoding filters equal Hugging Face's logits processors; sampling is reproducible and unbiased."""

import math

import numpy as np
import pytest
import torch
from scipy.stats import chisquare

from utils.gpt import GPT, GPTConfig
from utils.sampling import (
    Strategy,
    apply_temperature,
    beam_search,
    entropy,
    generate,
    log_probability,
    min_p_filter,
    repetition_penalty,
    sample,
    step_seconds,
    top_k_filter,
    top_p_filter,
)


@pytest.fixture(scope="module")
def lp():
    """Hugging Face's logits processors: only the comparisons with them skip when transformers is missing."""
    return pytest.importorskip("transformers.generation.logits_process")


def _logits(seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(6, 50, generator=g) * 3
    x[1, :10] = 2.0  # ties
    x[2] = torch.tensor([1000.0, -1000.0] * 25)  # extreme values
    x[3, 5] = 50.0  # one dominant token
    return x


def _same(ours: torch.Tensor, theirs: torch.Tensor) -> None:
    assert torch.equal(torch.isinf(ours), torch.isinf(theirs))
    finite = torch.isfinite(theirs)
    assert (ours[finite] - theirs[finite]).abs().max() <= 1e-6
    assert (ours.softmax(-1) - theirs.softmax(-1)).abs().max() <= 1e-6


@pytest.mark.parametrize("t", [0.3, 1.0, 2.5])
def test_temperature(lp, t):
    x = _logits()
    _same(apply_temperature(x, t), lp.TemperatureLogitsWarper(t)(None, x.clone()))


@pytest.mark.parametrize("k", [1, 5, 10, 50, 80])
def test_top_k(lp, k):
    x = _logits(1)
    _same(top_k_filter(x, k), lp.TopKLogitsWarper(k)(None, x.clone()))


@pytest.mark.parametrize("p", [0.05, 0.5, 0.9, 0.999, 1.0])
def test_top_p(lp, p):
    x = _logits(2)
    _same(top_p_filter(x, p), lp.TopPLogitsWarper(p)(None, x.clone()))


@pytest.mark.parametrize("m", [0.0, 0.05, 0.3, 1.0])
def test_min_p(lp, m):
    x = _logits(3)
    _same(min_p_filter(x, m), lp.MinPLogitsWarper(m)(None, x.clone()))


def test_repetition_penalty(lp):
    x = _logits(4)
    previous = torch.randint(0, 50, (6, 7), generator=torch.Generator().manual_seed(5))
    _same(repetition_penalty(x, previous, 1.3), lp.RepetitionPenaltyLogitsProcessor(1.3)(previous, x.clone()))


def test_filters_never_modify_their_input():
    x = _logits()
    before = x.clone()
    for f in (
        lambda: apply_temperature(x, 0.5),
        lambda: top_k_filter(x, 3),
        lambda: top_p_filter(x, 0.5),
        lambda: min_p_filter(x, 0.1),
        lambda: repetition_penalty(x, torch.zeros(6, 2, dtype=torch.long), 2.0),
    ):
        f()
        assert torch.equal(x, before)


def test_top_p_by_hand():
    probs = torch.tensor([0.5, 0.3, 0.15, 0.05])
    kept = torch.isfinite(top_p_filter(probs.log(), 0.75))
    assert kept.tolist() == [True, True, False, False]  # 0.5 + 0.3 reaches 0.75


def test_seeded_sampling_is_reproducible_and_matches_the_distribution():
    logits = torch.tensor([2.0, 1.0, 0.5, -1.0, -3.0])
    filtered = top_k_filter(logits, 4)
    draws = sample(filtered.expand(100_000, 5), generator=torch.Generator().manual_seed(0))
    again = sample(filtered.expand(100_000, 5), generator=torch.Generator().manual_seed(0))
    assert torch.equal(draws, again)
    counts = np.bincount(draws.numpy(), minlength=5)
    assert counts[4] == 0  # cut by top-k
    expected = filtered.softmax(-1).double().numpy()[:4]
    expected = expected / expected.sum() * 100_000
    assert chisquare(counts[:4], expected).pvalue > 0.001


def test_entropy():
    assert entropy(torch.zeros(4)).item() == pytest.approx(np.log(4))
    assert entropy(torch.tensor([0.0, float("-inf")])).item() == pytest.approx(0.0)


@pytest.mark.parametrize("call, message", [
    (lambda: apply_temperature(torch.zeros(3), 0), "temperature must be a number above 0"),
    (lambda: top_k_filter(torch.zeros(3), 0), "top_k must be a whole number"),
    (lambda: top_k_filter(torch.zeros(3), 2.5), "top_k must be a whole number"),
    (lambda: top_p_filter(torch.zeros(3), 1.5), r"top_p must be in \(0, 1\]"),
    (lambda: top_p_filter(torch.zeros(3), 0), r"top_p must be in \(0, 1\]"),
    (lambda: min_p_filter(torch.zeros(3), -0.1), "min_p"),
    (lambda: Strategy(temperature=-1), "temperature"),
])  # fmt: skip
def test_bad_settings(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.fixture(scope="module")
def gpt():
    torch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=13, block_size=16, n_layer=2, n_head=2, n_embd=32)).eval()


@pytest.mark.parametrize("strategy", [Strategy(greedy=True), Strategy(temperature=0.9, top_k=5, top_p=0.9),
                                      Strategy(repetition_penalty=1.5, min_p=0.05)])  # fmt: skip
def test_cached_generation_equals_uncached(gpt, strategy):
    prompt = torch.tensor([[1, 2, 3], [4, 5, 6]])
    runs = [torch.stack(list(generate(gpt, prompt, 40, strategy, generator=torch.Generator().manual_seed(3),
                                      use_cache=c)), dim=1) for c in (True, False)]  # fmt: skip
    assert runs[0].shape == (2, 40) and torch.equal(runs[0], runs[1])  # 43 tokens: the window moves twice


def test_cache_gives_the_same_logits(gpt):
    ids = torch.randint(0, 13, (1, 10), generator=torch.Generator().manual_seed(1))
    full, _ = gpt(ids)
    cache = gpt.new_cache()
    first, _ = gpt(ids[:, :6], cache=cache)
    rest = [gpt(ids[:, i : i + 1], cache=cache)[0] for i in range(6, 10)]
    assert torch.allclose(torch.cat([first, *rest], dim=1), full, atol=1e-5)
    with pytest.raises(ValueError, match="context is 16"):
        gpt(torch.zeros(1, 7, dtype=torch.long), cache=cache)


def test_beam_search_finds_at_least_the_greedy_score(gpt):
    prompt = torch.tensor([[1, 2]])
    greedy = torch.cat([prompt, torch.stack(list(generate(gpt, prompt, 8, Strategy(greedy=True))), 1)], 1)
    beam = beam_search(gpt, prompt, 8, width=5)
    assert log_probability(gpt, beam, 2) >= log_probability(gpt, greedy, 2) - 1e-6
    assert torch.equal(beam_search(gpt, prompt, 8, width=1), greedy)


def test_generate_bad_input(gpt):
    with pytest.raises(ValueError, match="at least one token"):
        next(generate(gpt, torch.zeros(1, 0, dtype=torch.long), 3))
    with pytest.raises(ValueError, match="max_new_tokens"):
        next(generate(gpt, torch.tensor([[1]]), 100_000))
    with pytest.raises(ValueError, match="0..12"):
        next(generate(gpt, torch.tensor([[99]]), 3))


def test_step_seconds_times_both_ways_and_leaves_no_trace(gpt):
    state = {k: v.clone() for k, v in gpt.state_dict().items()}
    without, with_cache = step_seconds(gpt, 16, repeats=5)
    assert 0 < without < 1 and 0 < with_cache < 1
    assert all(torch.equal(v, gpt.state_dict()[k]) for k, v in state.items())
    for bad in (1, 17, 2.5):
        with pytest.raises(ValueError, match="from 2 to the model's context"):
            step_seconds(gpt, bad)
    with pytest.raises(ValueError, match="repeats must be"):
        step_seconds(gpt, 8, repeats=0)


NAN_ROW = torch.tensor([[0.5, math.nan, 1.0]])


@pytest.mark.parametrize("call", [
    lambda x: apply_temperature(x, 0.7), lambda x: top_k_filter(x, 2), lambda x: top_p_filter(x, 0.9),
    lambda x: min_p_filter(x, 0.1), lambda x: repetition_penalty(x, torch.tensor([[0]]), 1.2), lambda x: sample(x),
    lambda x: entropy(x), lambda x: Strategy(top_k=2).filter(x),
    lambda x: Strategy().pick(x, torch.tensor([[0]]), None),
])  # fmt: skip
def test_nan_or_plus_inf_logits_are_refused_and_minus_inf_is_a_banned_token(call):
    with pytest.raises(ValueError, match="NaN or \\+inf"):
        call(NAN_ROW)
    with pytest.raises(ValueError, match="NaN or \\+inf"):
        call(torch.tensor([[0.5, math.inf, 1.0]]))
    with pytest.raises(ValueError, match="all -inf"):
        call(torch.full((1, 3), -math.inf))
    banned = torch.tensor([[0.5, -math.inf, 1.0]])
    result = call(banned)
    assert not bool(torch.isnan(torch.as_tensor(result, dtype=torch.float)).any())


@pytest.mark.parametrize("previous, message", [
    (torch.tensor([[0.0, 1.0]]), "previous must hold whole numbers"),
    (torch.tensor([[0, 3]]), "token id 3, outside the vocabulary"),
    (torch.tensor([[0, -1]]), "token id -1, outside the vocabulary"),
    (torch.tensor([0, 1]), "previous must have shape"),
])  # fmt: skip
def test_repetition_penalty_checks_previous(previous, message):
    with pytest.raises(ValueError, match=message):
        repetition_penalty(torch.zeros(1, 3), previous, 1.2)


def test_settings_must_be_finite():
    for call in (lambda: Strategy(temperature=math.inf), lambda: Strategy(repetition_penalty=math.inf),
                 lambda: apply_temperature(torch.zeros(3), math.nan)):  # fmt: skip
        with pytest.raises(ValueError, match="must be .*above 0"):
            call()


def test_generation_checks_run_at_the_call_and_refuse_bad_prompts(gpt):
    with pytest.raises(ValueError, match="prompt must hold whole numbers"):
        generate(gpt, torch.tensor([[1.0, 2.0]]), 3)  # raised at the call, before the first token
    with pytest.raises(ValueError, match="max_new_tokens must be a whole number from 0"):
        generate(gpt, torch.tensor([[1]]), -1)
    assert list(generate(gpt, torch.tensor([[1]]), 0)) == []
    long_prompt = torch.cat([torch.tensor([[13]]), torch.ones(1, 20, dtype=torch.long)], dim=1)
    with pytest.raises(ValueError, match="0..12"):  # an id outside the vocabulary, before the last window
        generate(gpt, long_prompt, 3)
    with pytest.raises(TypeError, match="strategy must be a Strategy"):
        generate(gpt, torch.tensor([[1]]), 3, "greedy")
    with pytest.raises(ValueError, match="max_new_tokens must be at least 0"):
        beam_search(gpt, torch.tensor([[1, 2]]), -2)
    with pytest.raises(ValueError, match="0..12"):
        beam_search(gpt, torch.tensor([[1, 20]]), 2)


def test_log_probability_checks_its_ids(gpt):
    assert log_probability(gpt, torch.tensor([[1, 2, 3]]), 3) == 0.0  # nothing after the prompt
    with pytest.raises(ValueError, match="ids is empty"):
        log_probability(gpt, torch.zeros(1, 0, dtype=torch.long), 1)
    with pytest.raises(ValueError, match="token id 13, outside the vocabulary"):
        log_probability(gpt, torch.tensor([[1, 2, 13]]), 1)
    with pytest.raises(ValueError, match="prompt_length must be at least 1 and at most 3"):
        log_probability(gpt, torch.tensor([[1, 2, 3]]), 4)
