"""Reinforcement learning from a reward model, with a KL penalty (Chapter 13).

The policy (a language model) answers prompts by sampling; a reward model scores each answer;
the policy gradient (REINFORCE, Williams 1992, as in Chapter 2's bandit) raises the probability
of answers that scored above the batch's average. To keep the policy near the model it started
from (the reference), each answer's reward is reduced by kl_coef times its log-ratio
log pi(y|x) - log pi_ref(y|x), whose average over the policy's own answers is the KL divergence
KL(pi || pi_ref) (Ziegler et al., 2019; Ouyang et al., 2022). Without that penalty the policy
is free to find whatever the reward model over-rates: reward hacking. Left out: PPO's clipped
ratio and value function; a batch-mean baseline stands in for the value function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import torch

from .checks import check_count, check_nonempty, check_number, check_tensor
from .finetune import complete_examples, encode_examples, response_logprob
from .preferences import RewardModel, response_logprobs
from .sampling import Strategy
from .train import TrainConfig, make_optimizer, progress_bar, seeded_loop, set_lr


def shaped_rewards(
    rewards: torch.Tensor, policy_logp: torch.Tensor, reference_logp: torch.Tensor, kl_coef: float
) -> torch.Tensor:
    """reward - kl_coef (log pi(y|x) - log pi_ref(y|x)) for each answer (B,); no gradient flows through it."""
    check_number(kl_coef, "kl_coef", low=0)
    for x, name in ((rewards, "rewards"), (policy_logp, "policy_logp"), (reference_logp, "reference_logp")):
        check_tensor(x, name, dims=1)
    if not rewards.shape == policy_logp.shape == reference_logp.shape:
        raise ValueError("rewards and both log-probabilities must hold one number per answer, of equal length.")
    return (rewards - kl_coef * (policy_logp - reference_logp)).detach()


def reinforce_loss(policy_logp: torch.Tensor, shaped: torch.Tensor) -> torch.Tensor:
    """The policy-gradient loss -mean((R - mean R) log pi(y|x)): its gradient raises the answers that beat the
    batch's average. `shaped` (B,) are the rewards after the KL penalty."""
    check_tensor(policy_logp, "policy_logp", dims=1)
    check_tensor(shaped, "shaped", dims=1)
    if policy_logp.shape != shaped.shape:
        raise ValueError(f"policy_logp and shaped must hold one number per answer; got shapes "
                         f"{tuple(policy_logp.shape)} and {tuple(shaped.shape)}.")  # fmt: skip
    if len(shaped) < 2:
        raise ValueError("REINFORCE with a batch-mean baseline needs at least 2 answers per batch.")
    advantage = shaped.detach() - shaped.detach().mean()
    return -(advantage * policy_logp).mean()


def fit_rlhf(
    policy: torch.nn.Module,
    reference: torch.nn.Module,
    reward_model: RewardModel,
    tokenizer,
    prompts: Sequence[str],
    config: TrainConfig,
    *,
    kl_coef: float = 0.1,
    judge: Callable[[list[str], list[str]], float] | None = None,
    progress: bool = True,
    desc: str = "RLHF",
) -> pd.DataFrame:
    """Train `policy` by REINFORCE against `reward_model` with a KL penalty to `reference`.

    Each step samples `config.batch_size` prompts, answers them at temperature 1, and takes one
    gradient step. Returns a history with the mean reward, the mean log-ratio (an estimate of the
    KL in nats per answer) and, if `judge(prompts, answers)` is given, its score of the answers.
    """
    if not isinstance(reward_model, RewardModel):
        raise TypeError(f"reward_model must be a RewardModel, got {type(reward_model).__name__}.")
    check_nonempty(prompts, "prompts")
    check_number(kl_coef, "kl_coef", low=0)
    check_count(config.batch_size, "batch_size", minimum=2)
    block = policy.config.block_size
    device = next(policy.parameters()).device
    rows = []
    with seeded_loop(config) as generator:
        optimizer = make_optimizer(policy, config)
        bar = progress_bar(config, progress, desc)
        for step in bar:
            picked = torch.randint(len(prompts), (config.batch_size,), generator=generator).tolist()
            asked = [prompts[i] for i in picked]
            answers, texts = complete_examples(policy, tokenizer, asked, strategy=Strategy(), generator=generator)
            ids, prompt_lengths, lengths = (t.to(device) for t in encode_examples(tokenizer, texts, block))
            policy.train()
            set_lr(optimizer, config.lr_at(step))
            logp = response_logprob(policy, ids, prompt_lengths, lengths)
            with torch.no_grad():
                reference_logp = response_logprobs(reference, ids, prompt_lengths, lengths)
                rewards = reward_model.eval()(ids, lengths)
            shaped = shaped_rewards(rewards, logp.detach(), reference_logp, kl_coef)
            loss = reinforce_loss(logp, shaped)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(policy.parameters(), config.grad_clip)
            optimizer.step()
            row = {"step": step, "reward": rewards.mean().item(), "kl": (logp.detach() - reference_logp).mean().item()}
            if judge is not None:
                row["judge"] = judge(asked, answers)
            rows.append(row)
            bar.set_postfix(reward=f"{row['reward']:.2f}", kl=f"{row['kl']:.2f}")
        bar.close()
    policy.eval()
    return pd.DataFrame(rows)


@torch.no_grad()
def sampled_kl(
    policy: torch.nn.Module,
    reference: torch.nn.Module,
    tokenizer,
    prompts: Sequence[str],
    *,
    generator: torch.Generator | None = None,
) -> tuple[float, list[str]]:
    """(KL(pi || pi_ref) estimated in nats per answer, the answers): one answer per prompt sampled from the
    policy at temperature 1, and the mean of log pi(y|x) - log pi_ref(y|x) over them. The estimate is unbiased but
    noisy: on few prompts it can even come out below zero, which the KL itself never is."""
    answers, texts = complete_examples(policy, tokenizer, prompts, strategy=Strategy(), generator=generator)
    batch = encode_examples(tokenizer, texts, policy.config.block_size)
    device = next(policy.parameters()).device
    batch = tuple(t.to(device) for t in batch)
    ratio = response_logprobs(policy, *batch) - response_logprobs(reference, *batch)
    return ratio.mean().item(), answers
