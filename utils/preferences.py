"""Learning from preferences (Chapter 13): a reward model, and DPO, which needs none.

A preference pair is a prompt with two responses, one chosen over the other. A reward model
reads prompt and response and gives one number; the Bradley-Terry model (1952) says the chosen
response wins with probability sigmoid(r_chosen - r_rejected), so the reward model is trained by
minimising -log sigmoid of that difference (`reward_loss`). DPO (Rafailov et al., 2023) skips the
reward model and trains the policy directly on the pairs (`utils.finetune.dpo_loss`), against a
frozen copy of itself (the reference); `fit_dpo` runs it with the shared training loop.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import pandas as pd
import torch
import torch.nn.functional as F

from .checks import check_count, check_nonempty, check_number, check_tensor
from .finetune import dpo_loss, encode_examples, response_logprob, response_targets
from .gpt import GPT
from .train import TrainConfig, train

Pairs = tuple[torch.Tensor, ...]  # chosen (ids, prompt lengths, lengths), then rejected (the same three)


class RewardModel(torch.nn.Module):
    """A GPT body with a scalar head: the reward of a text is read from the vector of its last token."""

    def __init__(self, gpt: GPT):
        if not isinstance(gpt, GPT):
            raise TypeError(f"A reward model is built on a GPT from utils.gpt, got {type(gpt).__name__}.")
        super().__init__()
        self.gpt = copy.deepcopy(gpt)
        self.score = torch.nn.Linear(gpt.config.n_embd, 1)
        torch.nn.init.zeros_(self.score.weight)  # every text starts with reward 0
        torch.nn.init.zeros_(self.score.bias)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Token ids (B, T) padded on the right, and each row's length (B,) -> one reward per row (B,)."""
        self.gpt.check_ids(ids)
        check_tensor(lengths, "lengths", shape=(len(ids),), kind="int")
        if bool((lengths < 1).any() | (lengths > ids.shape[1]).any()):
            raise ValueError(f"Each length must be from 1 to the batch's width {ids.shape[1]}.")
        hidden = self.gpt.hidden(ids)  # (B, T, C)
        last = hidden[torch.arange(len(ids), device=ids.device), lengths - 1]  # (B, C)
        return self.score(last)[:, 0]


def encode_pairs(
    tokenizer, prompts: Sequence[str], chosen: Sequence[str], rejected: Sequence[str], block_size: int
) -> Pairs:
    """The six tensors of a set of preference pairs: chosen (ids, prompt lengths, lengths), then rejected."""
    for values, name in ((prompts, "prompts"), (chosen, "chosen"), (rejected, "rejected")):
        check_nonempty(values, name)
    if not len(prompts) == len(chosen) == len(rejected):
        raise ValueError(f"Each pair needs one prompt, one chosen and one rejected response; got "
                         f"{len(prompts)}, {len(chosen)} and {len(rejected)}.")  # fmt: skip
    texts = [p + c for p, c in zip(prompts, chosen, strict=True)] + [
        p + r for p, r in zip(prompts, rejected, strict=True)
    ]
    both = encode_examples(tokenizer, texts, block_size)  # one width for both halves (see `_logprobs`)
    n = len(prompts)
    return tuple(t[:n] for t in both) + tuple(t[n:] for t in both)


def encode_preferences(tokenizer, pairs: pd.DataFrame, block_size: int) -> Pairs:
    """`encode_pairs` for a table with columns prompt, chosen and rejected (utils.fruit_qa.fruit_preferences)."""
    if not isinstance(pairs, pd.DataFrame) or not {"prompt", "chosen", "rejected"} <= set(pairs.columns):
        raise ValueError("pairs must be a table (DataFrame) with the columns prompt, chosen and rejected.")
    return encode_pairs(tokenizer, list(pairs.prompt), list(pairs.chosen), list(pairs.rejected), block_size)


def _check_pairs(pairs: Pairs) -> Pairs:
    if not isinstance(pairs, tuple) or len(pairs) != 6 or not all(isinstance(t, torch.Tensor) for t in pairs):
        raise ValueError("pairs must be the six tensors from encode_pairs: chosen ids, prompt lengths and lengths, "
                         "then the same three for the rejected responses.")  # fmt: skip
    if len({len(t) for t in pairs}) != 1:
        raise ValueError(f"The chosen and rejected halves must hold the same number of pairs, got "
                         f"{[len(t) for t in pairs]}.")  # fmt: skip
    return pairs


def reward_loss(model: RewardModel, pairs: Pairs) -> torch.Tensor:
    """Bradley-Terry: the mean of -log sigmoid(r_chosen - r_rejected) over the pairs."""
    c_ids, _, c_len, r_ids, _, r_len = _check_pairs(pairs)
    return -F.logsigmoid(model(c_ids, c_len) - model(r_ids, r_len)).mean()


@torch.no_grad()
def pair_accuracy(model: RewardModel, pairs: Pairs, batch_size: int = 64) -> float:
    """The fraction of pairs whose chosen response gets the higher reward."""
    c_ids, _, c_len, r_ids, _, r_len = _check_pairs(pairs)
    check_count(batch_size, "batch_size")
    device = next(model.parameters()).device  # the pairs may be on the CPU, the model on a GPU
    c_ids, c_len, r_ids, r_len = (x.to(device) for x in (c_ids, c_len, r_ids, r_len))
    was_training = model.training
    model.eval()
    wins = sum(int((model(c_ids[i : i + batch_size], c_len[i : i + batch_size])
                    > model(r_ids[i : i + batch_size], r_len[i : i + batch_size])).sum())
               for i in range(0, len(c_ids), batch_size))  # fmt: skip
    model.train(was_training)
    return wins / len(c_ids)


def fit_reward_model(
    model: RewardModel, pairs: Pairs, config: TrainConfig, *, progress: bool = True, desc: str = "reward model"
) -> pd.DataFrame:
    """Train a reward model on preference pairs with the shared loop; returns its history."""
    return train(model, reward_loss, _check_pairs(pairs), config=config, progress=progress, desc=desc)


def _logprobs(model: torch.nn.Module, pairs: Pairs) -> tuple[torch.Tensor, torch.Tensor]:
    """log pi(chosen | prompt) and log pi(rejected | prompt) from one forward pass over both halves.

    Chosen and rejected responses share their prompt (and often their first words), whose
    log-probabilities cancel in the DPO margin. Computed in one batch they cancel exactly; in two
    batches of different widths they differ by rounding, and Adam, which scales every gradient to
    a step of about the learning rate, would turn that rounding noise into real steps.
    """
    n = len(pairs[0])
    both = response_logprob(model, *(torch.cat([a, b]) for a, b in zip(pairs[:3], pairs[3:], strict=True)))
    return both[:n], both[n:]


@torch.no_grad()
def response_logprobs(model: torch.nn.Module, ids: torch.Tensor, prompt_lengths: torch.Tensor,
                      lengths: torch.Tensor, batch_size: int = 64) -> torch.Tensor:  # fmt: skip
    """`utils.finetune.response_logprob` for many rows, a batch at a time and without gradients (N,), on the
    model's device."""
    check_count(batch_size, "batch_size")
    response_targets(ids, prompt_lengths, lengths)  # checks the three tensors (an empty batch too) before any move
    device = next(model.parameters()).device
    ids, prompt_lengths, lengths = (x.to(device) for x in (ids, prompt_lengths, lengths))
    was_training = model.training
    model.eval()
    rows = [slice(i, i + batch_size) for i in range(0, len(ids), batch_size)]
    out = torch.cat([response_logprob(model, ids[r], prompt_lengths[r], lengths[r]) for r in rows])
    model.train(was_training)
    return out


def fit_dpo(
    policy: torch.nn.Module,
    reference: torch.nn.Module,
    pairs: Pairs,
    config: TrainConfig,
    *,
    beta: float = 0.1,
    nll_weight: float = 0.0,
    progress: bool = True,
    desc: str = "DPO",
) -> pd.DataFrame:
    """Train `policy` with DPO on preference pairs against the frozen `reference`; returns its history.

    The DPO loss only asks the chosen response to gain on the rejected one; it is just as happy
    when both lose probability to a third answer. `nll_weight` > 0 adds that weight times the
    chosen responses' cross-entropy per token (as Pang et al., 2024 do), which keeps the chosen
    answers likely. The reference's log-probabilities never change, so they are computed once.
    """
    check_number(beta, "beta", low=0, low_open=True)
    check_number(nll_weight, "nll_weight", low=0)
    c_ids, c_prompt, c_len, r_ids, r_prompt, r_len = _check_pairs(pairs)
    ref_chosen = response_logprobs(reference, c_ids, c_prompt, c_len)
    ref_rejected = response_logprobs(reference, r_ids, r_prompt, r_len)

    def loss(model: torch.nn.Module, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        chosen, rejected = _logprobs(model, batch[:6])
        loss = dpo_loss(chosen, rejected, batch[6], batch[7], beta=beta)[0]
        if nll_weight:
            loss = loss - nll_weight * (chosen / (batch[2] - batch[1])).mean()
        return loss

    data = (*pairs, ref_chosen, ref_rejected)
    return train(policy, loss, data, config=config, progress=progress, desc=desc)


@torch.no_grad()
def dpo_margins(policy: torch.nn.Module, reference: torch.nn.Module, pairs: Pairs, beta: float = 0.1) -> torch.Tensor:
    """Each pair's DPO reward margin beta((log pi - log pi_ref)(chosen) - (log pi - log pi_ref)(rejected)) (N,)."""
    c_ids, c_prompt, c_len, r_ids, r_prompt, r_len = _check_pairs(pairs)
    logps = [response_logprobs(m, *half) for m in (policy, reference)
             for half in ((c_ids, c_prompt, c_len), (r_ids, r_prompt, r_len))]  # fmt: skip
    return dpo_loss(*logps[:2], *logps[2:], beta=beta)[1]
