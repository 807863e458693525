"""The policy-gradient bandit: its gradient against autograd, and that it learns the best arm."""

import pytest
import torch

from utils.bandit import log_policy_gradient, play_bandit


def test_log_policy_gradient_equals_autograd():
    preferences = torch.tensor([0.3, -1.2, 2.0], dtype=torch.float64, requires_grad=True)
    for arm in range(3):
        (auto,) = torch.autograd.grad(torch.log_softmax(preferences, 0)[arm], preferences)
        assert torch.allclose(log_policy_gradient(preferences.detach(), arm), auto)


def test_bandit_converges_to_the_best_arm():
    run = play_bandit(torch.tensor([0.2, 0.8, 0.5]), steps=800, lr=0.2, seed=0)
    assert run.policies.shape == (801, 3) and run.arms.shape == run.rewards.shape == (800,)
    assert torch.allclose(run.policies[0], torch.full((3,), 1 / 3))  # starts knowing nothing
    assert run.policies[-1].argmax().item() == 1 and run.policies[-1][1] > 0.9
    assert run.rewards[-200:].mean() > 0.7  # late pulls earn about what the best arm pays
    assert torch.allclose(run.policies.sum(1), torch.ones(801))


def test_bandit_refuses_what_is_not_a_probability():
    with pytest.raises(ValueError, match="between 0 and 1"):
        play_bandit(torch.tensor([0.2, 1.5]))
    with pytest.raises(ValueError, match="at least two"):
        play_bandit(torch.tensor([0.5]))
    with pytest.raises(ValueError, match="lr"):
        play_bandit(torch.tensor([0.2, 0.5]), lr=0.0)
