"""A three-armed bandit solved by a policy-gradient update: reinforcement learning in a few lines (Chapter 2).

An agent picks one of K arms, gets a reward of 1 with the arm's (unknown) probability and 0
otherwise, and must learn which arm pays best. Its policy is a softmax over K preferences; after
each pull, REINFORCE (Williams, 1992) moves the preferences along the gradient of the log-probability
of the arm it pulled, scaled by how much better than average the reward was:

    theta <- theta + lr * (reward - baseline) * grad log pi(arm),   grad log pi(a) = onehot(a) - pi

The baseline is the running mean reward; it leaves the expected update unchanged and makes it less noisy.
Chapter 13's RLHF loop uses the same update on a language model.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .checks import check_count, check_number, check_tensor


@dataclass
class BanditRun:
    """What a run of the bandit recorded, one row per pull."""

    policies: torch.Tensor  # (steps + 1, K) the policy's probabilities before each pull, and after the last
    arms: torch.Tensor  # (steps,) the arm pulled at each step
    rewards: torch.Tensor  # (steps,) the reward received (0 or 1)


def log_policy_gradient(preferences: torch.Tensor, arm: int) -> torch.Tensor:
    """grad of log softmax(preferences)[arm] with respect to the preferences: onehot(arm) - softmax (K,)."""
    check_tensor(preferences, "preferences", dims=1)
    check_count(arm, "arm", minimum=0, maximum=len(preferences) - 1)
    gradient = -torch.softmax(preferences, dim=0)
    gradient[arm] += 1
    return gradient


def play_bandit(pay_probabilities: torch.Tensor, *, steps: int = 500, lr: float = 0.1, seed: int = 0) -> BanditRun:
    """Learn which arm pays best by REINFORCE with a running-mean baseline; pay_probabilities is (K,)."""
    check_tensor(pay_probabilities, "pay_probabilities", dims=1)
    if bool(((pay_probabilities < 0) | (pay_probabilities > 1)).any()) or len(pay_probabilities) < 2:
        raise ValueError("pay_probabilities must hold at least two probabilities, each between 0 and 1.")
    steps, lr = check_count(steps, "steps"), check_number(lr, "lr", low=0.0, low_open=True)
    generator = torch.Generator().manual_seed(check_count(seed, "seed", minimum=0))
    preferences = torch.zeros(len(pay_probabilities), dtype=torch.float64)
    baseline, policies, arms, rewards = 0.0, [], [], []
    for t in range(steps):
        policy = torch.softmax(preferences, dim=0)
        arm = int(torch.multinomial(policy, 1, generator=generator))
        reward = float(torch.rand((), generator=generator) < pay_probabilities[arm])
        preferences = preferences + lr * (reward - baseline) * log_policy_gradient(preferences, arm)
        baseline += (reward - baseline) / (t + 1)  # the mean reward so far
        policies.append(policy)
        arms.append(arm)
        rewards.append(reward)
    policies.append(torch.softmax(preferences, dim=0))
    return BanditRun(torch.stack(policies).float(), torch.tensor(arms), torch.tensor(rewards))
