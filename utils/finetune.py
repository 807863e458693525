"""Fine-tuning losses for a language model that reads prompts and writes responses (Chapter 13).

An example is a text with a prompt and a response, split by the marker `RESPONSE` ("\\nA: ").
Supervised fine-tuning (SFT) trains on the response only: the model should learn to answer,
not to write questions, so the prompt's positions get no loss (`sft_loss`). Preference
methods compare the log-probability a model gives a whole response (`response_logprob`):
DPO (Rafailov et al., 2023) raises the chosen response's log-probability, relative to a
frozen reference model, above the rejected one's (`dpo_loss`).

Batches are token ids (B, T) padded on the right, with each row's prompt length and total
length (`encode_examples`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch
import torch.nn.functional as F

from .checks import check_count, check_nonempty, check_number, check_tensor
from .sampling import Strategy, generate
from .train import TrainConfig, train

RESPONSE = "\nA: "  # what separates a prompt from its response
IGNORE = -100  # a target cross_entropy skips
GREEDY = Strategy(greedy=True)


def split_example(text: str) -> tuple[str, str]:
    """(prompt including the marker, response) of one example text; a ValueError without the marker."""
    if not isinstance(text, str):
        raise TypeError(f"An example must be a string, got {type(text).__name__}.")
    at = text.find(RESPONSE)
    if at < 0:
        raise ValueError(f"An example needs the response marker {RESPONSE!r} between prompt and response: {text!r}.")
    if at + len(RESPONSE) == len(text):
        raise ValueError(f"The example has an empty response: {text!r}.")
    return text[: at + len(RESPONSE)], text[at + len(RESPONSE) :]


def encode_examples(
    tokenizer, texts: Sequence[str], block_size: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(ids (B, T) padded with 0, prompt lengths (B,), lengths (B,)) for example texts, each at most block_size
    tokens long."""
    check_nonempty(texts, "texts")
    rows, prompts = [], []
    for text in texts:
        prompt, _ = split_example(text)
        ids = tokenizer.encode(text)
        if len(ids) > block_size:
            raise ValueError(f"An example has {len(ids)} tokens, more than the model's context of {block_size}.")
        rows.append(ids)
        prompts.append(len(tokenizer.encode(prompt)))
    lengths = torch.tensor([len(r) for r in rows])
    ids = torch.zeros(len(rows), int(lengths.max()), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
    return ids, torch.tensor(prompts), lengths


def _check_batch(ids: torch.Tensor, prompt_lengths: torch.Tensor, lengths: torch.Tensor) -> None:
    check_tensor(ids, "ids", dims=2, kind="int")
    for x, name in ((prompt_lengths, "prompt_lengths"), (lengths, "lengths")):
        check_tensor(x, name, shape=(len(ids),), kind="int")
    if bool((prompt_lengths < 1).any() | (lengths > ids.shape[1]).any() | (prompt_lengths >= lengths).any()):
        raise ValueError("Each row needs 1 <= prompt length < length <= the batch's width: a prompt and a "
                         "non-empty response.")  # fmt: skip


def response_targets(ids: torch.Tensor, prompt_lengths: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """The next-token targets (B, T - 1) of ids with every position outside the responses set to IGNORE."""
    _check_batch(ids, prompt_lengths, lengths)
    targets = ids[:, 1:].clone()
    position = torch.arange(1, ids.shape[1], device=ids.device)[None]  # the position each target sits at
    inside = (position >= prompt_lengths[:, None]) & (position < lengths[:, None])
    return targets.masked_fill(~inside, IGNORE)


def sft_loss(
    model: torch.nn.Module, ids: torch.Tensor, prompt_lengths: torch.Tensor, lengths: torch.Tensor
) -> torch.Tensor:
    """Mean cross-entropy of the response tokens only (the prompt and the padding give no loss)."""
    targets = response_targets(ids, prompt_lengths, lengths)
    logits, _ = model(ids[:, :-1])  # (B, T - 1, V)
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=IGNORE)


def response_logprob(
    model: torch.nn.Module, ids: torch.Tensor, prompt_lengths: torch.Tensor, lengths: torch.Tensor
) -> torch.Tensor:
    """log p(response | prompt) under `model` for each row: the sum of its response tokens' log-probabilities (B,)."""
    targets = response_targets(ids, prompt_lengths, lengths)
    logits, _ = model(ids[:, :-1])
    logp = torch.log_softmax(logits.float(), dim=-1)  # (B, T - 1, V)
    picked = logp.gather(-1, targets.clamp(min=0)[..., None])[..., 0]
    return (picked * (targets != IGNORE)).sum(dim=1)


def dpo_loss(
    policy_chosen: torch.Tensor,
    policy_rejected: torch.Tensor,
    reference_chosen: torch.Tensor,
    reference_rejected: torch.Tensor,
    beta: float = 0.1,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The DPO loss and each pair's reward margin, from response log-probabilities (B,) of the two models.

    Each response's implicit reward is beta (log pi(y|x) - log pi_ref(y|x)); the margin is the
    chosen reward minus the rejected one, and the loss is the mean of -log sigmoid(margin).
    When the policy equals the reference every margin is 0 and the loss is log 2.
    """
    check_number(beta, "beta", low=0, low_open=True)
    values = (policy_chosen, policy_rejected, reference_chosen, reference_rejected)
    names = ("policy_chosen", "policy_rejected", "reference_chosen", "reference_rejected")
    for x, name in zip(values, names, strict=True):
        check_tensor(x, name, dims=1)
    if len({tuple(x.shape) for x in values}) != 1:
        raise ValueError(f"The four log-probabilities must be one per pair, of equal length; got shapes "
                         f"{[tuple(x.shape) for x in values]}.")  # fmt: skip
    margin = beta * ((policy_chosen - reference_chosen) - (policy_rejected - reference_rejected))
    return -F.logsigmoid(margin).mean(), margin.detach()


def respond(
    model: torch.nn.Module,
    tokenizer,
    prompts: Sequence[str],
    *,
    max_new_tokens: int = 40,
    strategy: Strategy = GREEDY,
    generator: torch.Generator | None = None,
) -> list[str]:
    """The model's response to each prompt (which ends with the response marker), up to its first newline.

    Prompts of equal token length are generated together as one batch, with the key-value cache.
    """
    return _respond(model, tokenizer, prompts, max_new_tokens, strategy, generator)[0]


def complete_examples(
    model: torch.nn.Module,
    tokenizer,
    prompts: Sequence[str],
    *,
    strategy: Strategy = GREEDY,
    generator: torch.Generator | None = None,
    max_new_tokens: int = 40,
) -> tuple[list[str], list[str]]:
    """(the responses, the example texts prompt + response): a response that ended with a newline keeps it in
    its example text; one cut off at `max_new_tokens` does not, so the text holds only what was generated."""
    answers, finished = _respond(model, tokenizer, prompts, max_new_tokens, strategy, generator)
    texts = [p + a + ("\n" if done else "") for p, a, done in zip(prompts, answers, finished, strict=True)]
    return answers, texts


def _respond(
    model: torch.nn.Module,
    tokenizer,
    prompts: Sequence[str],
    max_new_tokens: int,
    strategy: Strategy,
    generator: torch.Generator | None,
) -> tuple[list[str], list[bool]]:
    """(responses, whether each ended with a newline) for `respond` and `complete_examples`."""
    check_nonempty(prompts, "prompts")
    for prompt in prompts:
        if not isinstance(prompt, str) or not prompt.endswith(RESPONSE):
            raise ValueError(f"Each prompt must be a string ending with the response marker {RESPONSE!r}, "
                             f"got {prompt!r}.")  # fmt: skip
    check_count(max_new_tokens, "max_new_tokens")
    newline = tokenizer.encode("\n")[0]
    device = next(model.parameters()).device
    encoded = [tokenizer.encode(p) for p in prompts]
    groups: dict[int, list[int]] = {}
    for i, ids in enumerate(encoded):
        groups.setdefault(len(ids), []).append(i)
    responses: list[str] = [""] * len(prompts)
    finished = [False] * len(prompts)
    was_training = model.training
    model.eval()
    for members in groups.values():
        batch = torch.tensor([encoded[i] for i in members], device=device)
        steps = torch.stack(list(generate(model, batch, max_new_tokens, strategy, generator=generator)), dim=1)
        for i, row in zip(members, steps.tolist(), strict=True):
            finished[i] = newline in row
            responses[i] = tokenizer.decode(row[: row.index(newline)] if finished[i] else row)
    model.train(was_training)
    return responses, finished


def sft_objective(model: torch.nn.Module, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """`sft_loss` in the form the shared training loop calls: (model, (ids, prompt lengths, lengths))."""
    if not isinstance(batch, (tuple, list)) or len(batch) != 3:
        raise ValueError("batch must be the three tensors (ids, prompt lengths, lengths) from encode_examples.")
    return sft_loss(model, *batch)


def fit_sft(
    model: torch.nn.Module,
    tokenizer,
    texts: Sequence[str],
    config: TrainConfig,
    *,
    val_texts: Sequence[str] | None = None,
    progress: bool = True,
    desc: str = "SFT",
) -> pd.DataFrame:
    """Supervised fine-tuning of a GPT on example texts (prompt, marker, response) with the shared loop."""
    block = model.config.block_size
    data = encode_examples(tokenizer, texts, block)
    val = encode_examples(tokenizer, val_texts, block) if val_texts is not None else None
    return train(model, sft_objective, data, val_data=val, config=config, progress=progress, desc=desc)
