"""The written-out losses against torch.nn.functional and hand-worked numbers."""

import math

import pytest
import torch
import torch.nn.functional as F

from utils.losses import cross_entropy, entropy, kl_divergence, log_softmax, mse, softmax


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_losses_equal_torch_on_random_inputs(seed):
    g = torch.Generator().manual_seed(seed)
    a, b = torch.randn(7, 4, generator=g), torch.randn(7, 4, generator=g)
    assert torch.allclose(mse(a, b), F.mse_loss(a, b))
    logits = 5 * torch.randn(6, 9, generator=g)
    targets = torch.randint(0, 9, (6,), generator=g)
    assert torch.allclose(cross_entropy(logits, targets), F.cross_entropy(logits, targets), atol=1e-6)
    assert torch.allclose(log_softmax(logits), F.log_softmax(logits, dim=-1), atol=1e-6)
    assert torch.allclose(softmax(logits), F.softmax(logits, dim=-1), atol=1e-6)
    p, q = F.softmax(torch.randn(5, 3, generator=g), -1), F.softmax(torch.randn(5, 3, generator=g), -1)
    # F.kl_div(log q, p) computes sum p (log p - log q): KL(p || q)
    assert torch.allclose(kl_divergence(p, q), F.kl_div(q.log(), p, reduction="none").sum(-1), atol=1e-6)
    assert torch.allclose(entropy(p), torch.distributions.Categorical(probs=p).entropy(), atol=1e-6)


def test_hand_worked_numbers():
    assert entropy(torch.tensor([0.5, 0.5])).item() == pytest.approx(math.log(2))  # a fair coin: 0.693 nats
    assert entropy(torch.tensor([1.0, 0.0])).item() == 0.0  # a sure thing
    uniform = torch.full((4,), 0.25)
    assert kl_divergence(uniform, uniform).item() == 0.0
    assert kl_divergence(torch.tensor([1.0, 0.0]), torch.tensor([0.5, 0.5])).item() == pytest.approx(math.log(2))
    assert cross_entropy(torch.zeros(1, 10), torch.tensor([3])).item() == pytest.approx(math.log(10))  # guessing
    assert softmax(torch.tensor([1000.0, 1000.0])).tolist() == [0.5, 0.5]  # no overflow


def test_kl_is_not_symmetric():
    p, q = torch.tensor([0.9, 0.1]), torch.tensor([0.5, 0.5])
    assert kl_divergence(p, q).item() != pytest.approx(kl_divergence(q, p).item(), abs=1e-3)


def test_distributions_must_add_up_to_one_and_targets_must_fit():
    with pytest.raises(ValueError, match="add up to 1"):
        entropy(torch.tensor([0.5, 0.6]))
    with pytest.raises(ValueError, match="negative"):
        kl_divergence(torch.tensor([1.2, -0.2]), torch.tensor([0.5, 0.5]))
    with pytest.raises(ValueError, match="same shape"):
        kl_divergence(torch.tensor([1.0, 0.0]), torch.tensor([0.2, 0.3, 0.5]))
    with pytest.raises(ValueError, match="one class id per row"):
        cross_entropy(torch.zeros(3, 4), torch.tensor([0, 1]))
    with pytest.raises(ValueError):
        cross_entropy(torch.zeros(2, 4), torch.tensor([0, 4]))  # no class 4
