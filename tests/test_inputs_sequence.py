"""Bad inputs for the sequence models and decoding: attention, positions, GPT, sampling, AR(p)."""

import functools
import math

import numpy as np
import pytest
import torch
from bad_inputs import Case, run_cases

from utils.attention import (
    KVCache,
    MultiHeadAttention,
    causal_mask,
    padding_mask,
    scaled_dot_product_attention,
)
from utils.autoregressive import ARModel, fit_ar, simulate_ar
from utils.decoding_views import next_token_figure
from utils.gpt import GPT, MLP, Block, GPTConfig, flops_per_token
from utils.positional import LearnedPositions, frequencies, rotary_embedding, sinusoidal_encoding
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

CONFIG = GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8)
NOT_CONFIGS = [None, "tiny", 3, {"vocab_size": 11}]
NOT_MODELS = [None, "gpt", torch.nn.Linear(2, 2)]
STRATEGY = Strategy(temperature=0.8, top_k=4, top_p=0.9, min_p=0.05, repetition_penalty=1.2)


def _seeded(build):
    """Build a module from a fixed seed without touching the global random state."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return build()


@functools.cache
def _gpt() -> GPT:
    return _seeded(lambda: GPT(CONFIG).eval())


@functools.cache
def _cross() -> MultiHeadAttention:
    return _seeded(lambda: MultiHeadAttention(8, 2, context_dim=6).eval())


@functools.cache
def _positions() -> LearnedPositions:
    return _seeded(lambda: LearnedPositions(10, 6))


def _rand(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def _ids(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randint(0, CONFIG.vocab_size, shape, generator=torch.Generator().manual_seed(seed))


def _logits() -> torch.Tensor:
    x = _rand(2, 6, seed=1) * 2
    x[0, 3] = -math.inf  # a banned token is legal
    return x


def _cache_with(length: int) -> KVCache:
    cache = KVCache(5)
    cache.extend(_rand(1, 2, length, 4), _rand(1, 2, length, 4, seed=1))
    return cache


def _padding() -> torch.Tensor:
    return torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]).bool()[:, None, None, :]  # (B, 1, 1, S)


CASES = [
    # attention
    Case(scaled_dot_product_attention,
         valid=lambda: dict(q=_rand(2, 3, 4), k=_rand(2, 5, 4, seed=1), v=_rand(2, 5, 4, seed=2),
                            mask=torch.ones(2, 3, 5, dtype=torch.bool).tril(2), dropout=0.0),
         extra={"mask": [torch.ones(3, 4, dtype=torch.bool), torch.zeros(3, 5, dtype=torch.bool)]}),
    Case(causal_mask, valid=lambda: dict(length=4, keys=6)),
    Case(KVCache, valid=lambda: dict(capacity=5)),
    Case(KVCache.extend, valid=lambda: dict(k=_rand(1, 2, 3, 4), v=_rand(1, 2, 3, 4, seed=1)),
         call=lambda k, v: KVCache(5).extend(k, v)),
    Case(KVCache.crop, valid=lambda: dict(length=2), call=lambda length: _cache_with(3).crop(length)),
    Case(padding_mask, valid=lambda: dict(attention_mask=torch.tensor([[1, 1, 0], [1, 1, 1]])),
         extra={"attention_mask": [torch.tensor([[1, 1, 0], [0, 0, 0]]), torch.tensor([[1, 2, 0]])]}),
    Case(MultiHeadAttention, valid=lambda: dict(dim=8, n_heads=2, dropout=0.1, context_dim=6)),
    Case(MultiHeadAttention.forward,  # cross-attention over a padded context
         valid=lambda: dict(x=_rand(2, 3, 8), context=_rand(2, 5, 6, seed=1), mask=_padding()),
         call=lambda **kwargs: _cross()(**kwargs, need_weights=True),
         extra={"mask": [torch.ones(3, 5, dtype=torch.bool)[None], _padding()[..., :4]], "context": [None]}),
    Case(MultiHeadAttention.forward,  # causal self-attention that fills a cache
         valid=lambda: dict(x=_rand(1, 3, 8), cache=KVCache(4)),
         call=lambda x, cache: _gpt().blocks[0].attn(x, causal=True, cache=cache),
         extra={"cache": ["cache", KVCache(2), [KVCache(4)]]}),
    # positions
    Case(frequencies, valid=lambda: dict(dim=8, base=10000.0), extra={"dim": [7], "base": [1.0, 0.5]}),
    Case(sinusoidal_encoding, valid=lambda: dict(length=5, dim=8, base=100.0), extra={"dim": [5]}),
    Case(LearnedPositions, valid=lambda: dict(max_length=10, dim=6)),
    Case(LearnedPositions.forward, valid=lambda: dict(length=4, start=2), call=lambda **kw: _positions()(**kw),
         extra={"length": [9, 2**40], "start": [7]}),
    Case(rotary_embedding, valid=lambda: dict(x=_rand(2, 5, 8), positions=torch.arange(5), base=10000.0),
         extra={"x": [_rand(2, 5, 7)], "positions": [torch.arange(5).bool(), torch.arange(6)]}),
    # GPT
    Case(GPTConfig, valid=lambda: dict(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8, dropout=0.1),
         extra={"n_head": [3], "dropout": [1.0]}),
    *[Case(preset, valid=lambda: dict(vocab_size=20))
      for preset in (GPTConfig.tiny, GPTConfig.baby, GPTConfig.book, GPTConfig.small)],
    Case(MLP, valid=lambda: dict(config=CONFIG), extra={"config": NOT_CONFIGS}),
    Case(MLP.forward, valid=lambda: dict(x=_rand(2, 3, 8)), call=lambda x: _gpt().blocks[0].mlp(x)),
    Case(Block, valid=lambda: dict(config=CONFIG), extra={"config": NOT_CONFIGS}),
    Case(Block.forward, valid=lambda: dict(x=_rand(1, 3, 8), cache=KVCache(8)),
         call=lambda x, cache: _gpt().blocks[0](x, cache),
         extra={"cache": ["cache", KVCache(2), [KVCache(8)]]}),
    Case(GPT, valid=lambda: dict(config=CONFIG), extra={"config": NOT_CONFIGS}),
    Case(GPT.check_ids, valid=lambda: dict(idx=_ids(2, 4), start=1), call=lambda **kw: _gpt().check_ids(**kw),
         extra={"start": [5]}),
    Case(GPT.forward, valid=lambda: dict(idx=_ids(2, 5), targets=_ids(2, 5, seed=1), cache=_gpt().new_cache()),
         call=lambda **kw: _gpt()(**kw),
         extra={"cache": ["cache", [KVCache(8)], [None]], "targets": [_ids(2, 4), _ids(5, 2)]}),
    Case(GPT.greedy, valid=lambda: dict(idx=_ids(1, 3), max_new_tokens=3), call=lambda **kw: _gpt().greedy(**kw)),
    Case(GPT.num_parameters, valid=lambda: dict(embeddings=False), call=lambda **kw: _gpt().num_parameters(**kw)),
    Case(flops_per_token, valid=lambda: dict(config=CONFIG, n_params=1000), extra={"config": NOT_CONFIGS}),
    # sampling
    Case(apply_temperature, valid=lambda: dict(logits=_logits(), temperature=0.7)),
    Case(top_k_filter, valid=lambda: dict(logits=_logits(), k=3)),
    Case(top_p_filter, valid=lambda: dict(logits=_logits(), p=0.9), extra={"p": [1.5]}),
    Case(min_p_filter, valid=lambda: dict(logits=_logits(), min_p=0.1), extra={"min_p": [1.5]}),
    Case(repetition_penalty, valid=lambda: dict(logits=_logits(), previous=_ids(2, 3) % 6, penalty=1.3),
         extra={"previous": [torch.tensor([[0, 1]]), torch.tensor([[0], [6]])]}),
    Case(sample, valid=lambda: dict(logits=_logits(), generator=torch.Generator().manual_seed(0)),
         extra={"logits": [torch.full((2, 3), -math.inf)]}),
    Case(entropy, valid=lambda: dict(logits=_logits()), extra={"logits": [torch.tensor(1.0)]}),
    Case(Strategy, valid=lambda: dict(greedy=False, temperature=0.8, top_k=4, top_p=0.9, min_p=0.05,
                                      repetition_penalty=1.2), extra={"top_p": [1.5], "min_p": [1.5]}),
    Case(Strategy.filter, valid=lambda: dict(logits=_logits(), previous=_ids(2, 3) % 6),
         call=lambda **kw: STRATEGY.filter(**kw)),
    Case(Strategy.pick, valid=lambda: dict(logits=_logits(), previous=_ids(2, 3) % 6),
         call=lambda **kw: STRATEGY.pick(**kw, generator=torch.Generator().manual_seed(0))),
    Case(generate,
         valid=lambda: dict(model=_gpt(), prompt=_ids(2, 3), max_new_tokens=4, strategy=STRATEGY,
                            generator=torch.Generator().manual_seed(0), use_cache=True),
         call=lambda **kw: list(generate(**kw)),
         extra={"model": NOT_MODELS, "strategy": [None, "greedy"], "generator": [0, "seed"],
                "prompt": [_ids(1, 12), torch.cat([_ids(1, 9), torch.tensor([[99]])], 1)]}),
    Case(step_seconds, valid=lambda: dict(model=_gpt(), length=4, repeats=2, seed=0),
         extra={"model": NOT_MODELS, "length": [1, 9]}),
    Case(beam_search, valid=lambda: dict(model=_gpt(), prompt=_ids(1, 3), max_new_tokens=3, width=3),
         extra={"model": NOT_MODELS, "prompt": [_ids(2, 3)], "max_new_tokens": [6]}),
    Case(log_probability, valid=lambda: dict(model=_gpt(), ids=_ids(1, 6), prompt_length=2),
         extra={"model": NOT_MODELS, "ids": [_ids(2, 6), _ids(1, 10)], "prompt_length": [7]}),
    Case(next_token_figure,
         valid=lambda: dict(logits=_logits()[0], tokens=list("abcdef"), strategy=STRATEGY, top_n=4, title="t"),
         extra={"tokens": [list("abc"), None], "strategy": [None, "greedy"]}),
    # AR(p)
    Case(ARModel, valid=lambda: dict(intercept=0.5, coefficients=np.array([0.5, -0.2]), noise_std=0.1),
         extra={"coefficients": [np.array(["a", "b"]), None]}),
    Case(fit_ar, valid=lambda: dict(series=np.sin(np.arange(40) * 0.3), p=2),
         extra={"series": [np.zeros(5), np.array([1e300, -1e300] * 10)]}),
    Case(simulate_ar,
         valid=lambda: dict(model=ARModel(0.5, np.array([0.5, -0.2]), 0.1), history=np.array([1.0, 0.5, 0.2]),
                            steps=5, rng=np.random.default_rng(0), paths=2),
         extra={"model": [None, "ar"], "rng": ["seed", 3], "history": [np.zeros(1)]}),
]  # fmt: skip

EXEMPT = {
    "utils.gpt.GPT.new_cache": "takes no arguments: it builds empty caches from the model's own config",
}

test_bad_inputs = run_cases(CASES)


def test_an_explosive_ar_model_raises_instead_of_returning_infinity():
    explosive = ARModel(0.0, np.array([10.0]), 0.0)
    with pytest.raises(ValueError, match="explosive"):
        simulate_ar(explosive, np.array([1.0]), 400)


@pytest.mark.parametrize("call, message", [
    (lambda: next_token_figure(torch.tensor([0.0, math.nan]), ["a", "b"], Strategy()), "NaN"),
    (lambda: next_token_figure(torch.zeros(3), ["a", "b"], Strategy()), "one label per token"),
    (lambda: next_token_figure(torch.zeros(2), ["a", "b"], Strategy(), top_n=0), "top_n must be at least 1"),
    (lambda: next_token_figure(torch.zeros(2), ["a", "b"], "greedy"), "must be a Strategy"),
])  # fmt: skip
def test_next_token_figure_says_what_is_wrong(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_next_token_figure_accepts_a_banned_token_and_a_string_of_labels():
    fig = next_token_figure(torch.tensor([1.0, -math.inf, 0.0]), "abc", Strategy(top_k=1))
    assert fig.data[0].y[0] == pytest.approx(0.7311, abs=1e-4)  # softmax([1, 0]) over the two finite tokens
