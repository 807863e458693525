"""Decoding: turning next-token logits into text (Chapter 11).

Filters are pure functions on a logits tensor (..., V): they return a new tensor and
never modify their input. A filtered-out token gets logit -inf, i.e. probability 0.
They follow the definitions used by Hugging Face `transformers` (tested against its
logits processors): temperature (Ackley et al., 1985), top-k (Fan et al., 2018), top-p
or nucleus (Holtzman et al., 2020) and min-p (Nguyen et al., 2024) sampling, and the
repetition penalty of Keskar et al. (2019).

`generate` streams tokens from a model with any combination of these, greedy or
sampled, with or without the model's key-value cache; `beam_search` keeps the `width`
most likely partial sequences instead of one; `step_seconds` times one step with and
without the cache.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from .checks import check_count, check_ids, check_logits, check_tensor

NEG_INF = float("-inf")

# Each public filter checks its settings and its logits, then calls its private twin
# (_temperature, _top_k, ...). Strategy checks the settings once, when it is made, and
# `generate` checks the prompt once, so a generation step runs only the private twins.


def _check_temperature(temperature: float) -> None:
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 < temperature < math.inf:
        raise ValueError(f"temperature must be a number above 0 (for T -> 0 use greedy decoding), got {temperature!r}.")


def _check_top_k(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"top_k must be a whole number of at least 1, got {k!r}.")


def _check_top_p(p: float) -> None:
    if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0 < p <= 1:
        raise ValueError(f"top_p must be in (0, 1], got {p!r}.")


def _check_min_p(min_p: float) -> None:
    if not isinstance(min_p, (int, float)) or isinstance(min_p, bool) or not 0 <= min_p <= 1:
        raise ValueError(f"min_p must be in [0, 1], got {min_p!r}.")


def _check_penalty(penalty: float) -> None:
    if isinstance(penalty, bool) or not isinstance(penalty, (int, float)) or not 0 < penalty < math.inf:
        raise ValueError(f"repetition penalty must be above 0 (1 means none), got {penalty!r}.")


def _check_previous(previous: torch.Tensor, logits: torch.Tensor) -> None:
    """Raise unless `previous` (..., S) holds token ids of the vocabulary, one row per row of logits (..., V)."""
    check_tensor(previous, "previous", kind="int", nonempty=False)
    if previous.dim() != logits.dim() or previous.shape[:-1] != logits.shape[:-1]:
        raise ValueError(f"previous must have shape (..., S) with the leading sizes of logits {tuple(logits.shape)}; "
                         f"got {tuple(previous.shape)}.")  # fmt: skip
    if previous.numel():
        check_ids(previous, logits.shape[-1], "previous")


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """Divide logits by T: T < 1 sharpens the distribution, T > 1 flattens it."""
    _check_temperature(temperature)
    return _temperature(check_logits(logits), temperature)


def _temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    return logits / temperature


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k highest logits (and any tied with the k-th); the rest become -inf."""
    _check_top_k(k)
    return _top_k(check_logits(logits), k)


def _top_k(logits: torch.Tensor, k: int) -> torch.Tensor:
    k = min(k, logits.shape[-1])
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, NEG_INF)


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Nucleus filter: keep the smallest set of most likely tokens whose probabilities sum to at least p."""
    _check_top_p(p)
    return _top_p(check_logits(logits), p)


def _top_p(logits: torch.Tensor, p: float) -> torch.Tensor:
    ascending, order = torch.sort(logits, dim=-1)
    cumulative = ascending.softmax(dim=-1).cumsum(dim=-1)
    drop = cumulative <= 1 - p  # the unlikely tail that together holds at most 1 - p
    drop[..., -1] = False  # always keep the most likely token
    return logits.masked_fill(drop.scatter(-1, order, drop), NEG_INF)


def min_p_filter(logits: torch.Tensor, min_p: float) -> torch.Tensor:
    """Keep tokens whose probability is at least min_p times that of the most likely token."""
    _check_min_p(min_p)
    return _min_p(check_logits(logits), min_p)


def _min_p(logits: torch.Tensor, min_p: float) -> torch.Tensor:
    probs = logits.softmax(dim=-1)
    return logits.masked_fill(probs < min_p * probs.amax(dim=-1, keepdim=True), NEG_INF)


def repetition_penalty(logits: torch.Tensor, previous: torch.Tensor, penalty: float) -> torch.Tensor:
    """Make tokens already in `previous` (..., S) less likely: positive logits / penalty, negative * penalty."""
    _check_penalty(penalty)
    _check_previous(previous, check_logits(logits))
    return _repetition(logits, previous, penalty)


def _repetition(logits: torch.Tensor, previous: torch.Tensor, penalty: float) -> torch.Tensor:
    seen = logits.gather(-1, previous)
    seen = torch.where(seen < 0, seen * penalty, seen / penalty)
    return logits.scatter(-1, previous, seen)


def sample(logits: torch.Tensor, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw one token id per row of logits (..., V) from softmax(logits): (...)."""
    return _sample(check_logits(logits), generator)


def _sample(logits: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    probs = logits.softmax(dim=-1)
    flat = probs.reshape(-1, probs.shape[-1])
    if generator is not None and generator.device != flat.device:  # e.g. the book's seeded CPU generator, GPU logits
        return torch.multinomial(flat.cpu(), 1, generator=generator).to(flat.device).reshape(probs.shape[:-1])
    return torch.multinomial(flat, 1, generator=generator).reshape(probs.shape[:-1])


def entropy(logits: torch.Tensor) -> torch.Tensor:
    """Entropy in nats of softmax(logits) along the last dimension (0 log 0 counts as 0)."""
    logp = check_logits(logits).log_softmax(dim=-1)
    return -(logp.exp() * logp.nan_to_num(neginf=0.0)).sum(dim=-1)


@dataclass(frozen=True)
class Strategy:
    """How to pick each next token. Greedy ignores the sampling settings."""

    greedy: bool = False
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    min_p: float | None = None
    repetition_penalty: float | None = None

    def __post_init__(self) -> None:  # validate once, with the functions' own messages
        _check_temperature(self.temperature)
        if self.top_k is not None:
            _check_top_k(self.top_k)
        if self.top_p is not None:
            _check_top_p(self.top_p)
        if self.min_p is not None:
            _check_min_p(self.min_p)
        if self.repetition_penalty is not None:
            _check_penalty(self.repetition_penalty)

    def filter(self, logits: torch.Tensor, previous: torch.Tensor | None = None) -> torch.Tensor:
        """The logits after the repetition penalty, temperature, top-k, top-p and min-p, in that order."""
        self._check(logits, previous)
        return self._filter(logits, previous)

    def pick(self, logits: torch.Tensor, previous: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """One token id per row of logits (..., V): the most likely one if greedy, else a draw after the filters."""
        self._check(logits, previous)
        return self._pick(logits, previous, generator)

    def _check(self, logits: torch.Tensor, previous: torch.Tensor | None) -> None:
        check_logits(logits)
        if previous is not None:
            _check_previous(previous, logits)

    def _filter(self, logits: torch.Tensor, previous: torch.Tensor | None = None) -> torch.Tensor:
        if self.repetition_penalty is not None and previous is not None:
            logits = _repetition(logits, previous, self.repetition_penalty)
        logits = _temperature(logits, self.temperature)
        if self.top_k is not None:
            logits = _top_k(logits, self.top_k)
        if self.top_p is not None:
            logits = _top_p(logits, self.top_p)
        if self.min_p is not None:
            logits = _min_p(logits, self.min_p)
        return logits

    def _pick(self, logits: torch.Tensor, previous: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        if self.greedy:
            return self._filter(logits, previous).argmax(dim=-1) if self.repetition_penalty else logits.argmax(dim=-1)
        return _sample(self._filter(logits, previous), generator)


MAX_NEW_TOKENS = 10_000


def generate(
    model: torch.nn.Module,
    prompt: torch.Tensor,
    max_new_tokens: int,
    strategy: Strategy = Strategy(),
    *,
    generator: torch.Generator | None = None,
    use_cache: bool = True,
) -> Iterator[torch.Tensor]:
    """Yield `max_new_tokens` new token ids (B,) one step at a time, continuing `prompt` (B, T).

    The model reads a window of its context length. When the text outgrows it, the window
    jumps forward by half its length; with `use_cache` the keys and values of the window
    are kept between steps (see `utils.gpt.GPT.forward`), which gives the same tokens faster.
    The prompt and settings are checked at the call, before the first token.
    """
    _check_model(model)
    _check_prompt(model, prompt)
    count_ok = isinstance(max_new_tokens, int) and not isinstance(max_new_tokens, bool)
    if not count_ok or not 0 <= max_new_tokens <= MAX_NEW_TOKENS:
        raise ValueError(f"max_new_tokens must be a whole number from 0 to {MAX_NEW_TOKENS}, got {max_new_tokens!r}.")
    if not isinstance(strategy, Strategy):
        raise TypeError(f"strategy must be a Strategy (e.g. Strategy(top_k=20)), got {type(strategy).__name__}.")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}.")
    return _generate(model, prompt, max_new_tokens, strategy, generator, use_cache)


def _check_model(model: torch.nn.Module) -> None:
    if not all(hasattr(model, name) for name in ("config", "check_ids", "new_cache")):
        raise TypeError(f"model must be a GPT from utils.gpt (or have its config, check_ids and new_cache), "
                        f"got {type(model).__name__}.")  # fmt: skip


def _check_prompt(model: torch.nn.Module, prompt: torch.Tensor) -> None:
    """Raise unless `prompt` is a (batch, time) tensor of at least one token id of the model's vocabulary."""
    if not isinstance(prompt, torch.Tensor):
        raise TypeError(f"The prompt must be a torch tensor of token ids (batch, time), got {type(prompt).__name__}.")
    if prompt.dim() != 2 or prompt.shape[1] == 0:
        raise ValueError("The prompt must hold at least one token (shape (batch, time)).")
    check_tensor(prompt, "prompt", kind="int")
    for window in prompt.split(model.config.block_size, dim=1):  # the model reads at most a context at a time
        model.check_ids(window)


def _generate(
    model: torch.nn.Module,
    prompt: torch.Tensor,
    max_new_tokens: int,
    strategy: Strategy,
    generator: torch.Generator | None,
    use_cache: bool,
) -> Iterator[torch.Tensor]:
    """The steps of `generate`, after its checks."""
    block = model.config.block_size
    tokens = prompt
    start = max(0, tokens.shape[1] - block)  # first position of the current window
    cache = None
    with torch.inference_mode():  # like no_grad, with less bookkeeping per step
        for _ in range(max_new_tokens):
            if tokens.shape[1] - start > block:
                start += block // 2
                cache = None  # the window moved: positions changed, so the cache must be rebuilt
            if use_cache:
                if cache is None:
                    cache = model.new_cache()
                    logits, _ = model(tokens[:, start:], cache=cache)
                else:
                    logits, _ = model(tokens[:, -1:], cache=cache)
            else:
                logits, _ = model(tokens[:, start:])
            nxt = strategy._pick(logits[:, -1], tokens, generator)  # (B,)
            tokens = torch.cat([tokens, nxt[:, None]], dim=1)
            yield nxt


def step_seconds(model: torch.nn.Module, length: int, *, repeats: int = 30, seed: int = 0) -> tuple[float, float]:
    """Median seconds of one generation step with `length` tokens of context: (without, with the KV cache).

    Without the cache the model reads all `length` tokens; with it, only the newest one,
    after the others have been cached. The two are timed in alternation, so that a busy
    moment of the machine slows both alike. The token ids are random: speed does not
    depend on them.
    """
    _check_model(model)
    block = model.config.block_size
    check_count(seed, "seed", minimum=0)
    if isinstance(length, bool) or not isinstance(length, int) or not 2 <= length <= block:
        raise ValueError(f"length must be a whole number from 2 to the model's context ({block}), got {length!r}.")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a whole number of at least 1, got {repeats!r}.")
    device = next(model.parameters()).device
    ids = torch.randint(0, model.config.vocab_size, (1, length), generator=torch.Generator().manual_seed(seed))
    ids = ids.to(device)

    def timed(step) -> float:
        start = time.perf_counter()
        step()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        return time.perf_counter() - start

    with torch.inference_mode():
        cache = model.new_cache()
        model(ids[:, :-1], cache=cache)

        def cached() -> None:
            for layer in cache:  # forget the newest position again, so every call sees the same context
                layer.crop(length - 1)
            model(ids[:, -1:], cache=cache)

        def uncached() -> None:
            model(ids)

        cached()  # warm up both
        uncached()
        pairs = [(timed(uncached), timed(cached)) for _ in range(repeats)]
    return statistics.median(u for u, _ in pairs), statistics.median(c for _, c in pairs)


def beam_search(model: torch.nn.Module, prompt: torch.Tensor, max_new_tokens: int, width: int = 4) -> torch.Tensor:
    """The most likely continuation found by keeping `width` partial sequences: prompt (1, T) -> (1, T + n)."""
    _check_model(model)
    if not isinstance(prompt, torch.Tensor):
        raise TypeError(f"The prompt must be a torch tensor of token ids (1, time), got {type(prompt).__name__}.")
    if prompt.dim() != 2 or prompt.shape[0] != 1 or prompt.shape[1] == 0:
        raise ValueError("beam_search takes one non-empty prompt of shape (1, time).")
    model.check_ids(prompt, name="prompt")
    check_count(max_new_tokens, "max_new_tokens", minimum=0)
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise ValueError(f"width must be a whole number of at least 1, got {width!r}.")
    if prompt.shape[1] + max_new_tokens > model.config.block_size:
        raise ValueError(f"Beam search here stays inside the context: prompt + new tokens must be at most "
                         f"{model.config.block_size}.")  # fmt: skip
    beams, scores = prompt, torch.zeros(1, device=prompt.device)
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits, _ = model(beams)
            logp = logits[:, -1].log_softmax(dim=-1)  # (beams, V)
            total = (scores[:, None] + logp).flatten()
            best = total.topk(min(width, total.numel()))
            rows, cols = best.indices // logp.shape[-1], best.indices % logp.shape[-1]
            beams = torch.cat([beams[rows], cols[:, None]], dim=1)
            scores = best.values
    return beams[:1]


def log_probability(model: torch.nn.Module, ids: torch.Tensor, prompt_length: int) -> float:
    """Sum of log p(token | previous) over the tokens after the prompt: a sequence's score.

    `ids` (1, T) holds the prompt's `prompt_length` tokens and then the continuation.
    """
    _check_model(model)
    check_tensor(ids, "ids", shape=(1, None), kind="int")
    check_ids(ids, model.config.vocab_size, "ids")
    check_count(prompt_length, "prompt_length", maximum=ids.shape[1])
    if ids.shape[1] == prompt_length:
        return 0.0  # no continuation to score
    with torch.no_grad():
        logits, _ = model(ids[:, :-1])
    logp = logits.log_softmax(-1).gather(-1, ids[:, 1:, None])[0, :, 0]
    return float(logp[prompt_length - 1 :].sum())
