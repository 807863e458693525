"""Bad inputs for Chapter 2's written-out losses and optimisers (see tests/bad_inputs.py)."""

import torch
from bad_inputs import Case, run_cases

from utils import losses
from utils.bandit import log_policy_gradient, play_bandit
from utils.graphs import MessagePassing, similarity_graph
from utils.optimisers import SGD, Adam, AdamW, RMSprop, descend


def _param() -> torch.Tensor:
    return torch.ones(3, requires_grad=True)


def _probs() -> torch.Tensor:
    return torch.tensor([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]])


CASES = [
    Case(losses.mse, lambda: dict(prediction=torch.randn(4, 2), target=torch.randn(4, 2))),
    Case(losses.log_softmax, lambda: dict(logits=torch.randn(3, 5))),
    Case(losses.softmax, lambda: dict(logits=torch.randn(3, 5))),
    Case(losses.cross_entropy, lambda: dict(logits=torch.randn(3, 5), targets=torch.tensor([0, 4, 2]))),
    Case(losses.entropy, lambda: dict(p=_probs())),
    Case(losses.kl_divergence, lambda: dict(p=_probs(), q=_probs().flip(-1))),
    Case(SGD, lambda: dict(params=[_param()], lr=0.1, momentum=0.5)),
    Case(RMSprop, lambda: dict(params=[_param()], lr=0.1, alpha=0.9, eps=1e-8)),
    Case(
        Adam,
        lambda: dict(params=[_param()], lr=0.1, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.0),
        extra={"betas": [(0.9, 1.0), (0.9,), 0.9]},
    ),  # fmt: skip
    Case(AdamW, lambda: dict(params=[_param()], lr=0.1, weight_decay=0.01)),
    Case(
        descend,
        lambda: dict(loss=lambda xy: (xy**2).sum(), start=(1.0, 2.0), make_optimiser=lambda p: SGD(p, lr=0.1), steps=5),
        fixed=("loss", "make_optimiser"),
        extra={"start": [(1.0,), (float("nan"), 0.0)]},
    ),
]

_LAYER = MessagePassing(2, 3)
_ADJACENCY = torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])

CASES += [
    Case(log_policy_gradient, lambda: dict(preferences=torch.randn(3), arm=1), extra={"arm": [3, -1]}),
    Case(
        play_bandit,
        lambda: dict(pay_probabilities=torch.tensor([0.2, 0.7]), steps=5, lr=0.1, seed=0),
        extra={"pay_probabilities": [torch.tensor([0.2, 1.7])]},
    ),  # fmt: skip
    Case(MessagePassing, lambda: dict(in_features=2, out_features=3)),
    Case(
        MessagePassing.forward,
        lambda: dict(h=torch.randn(3, 2), adjacency=_ADJACENCY.clone()),
        call=lambda h, adjacency: _LAYER(h, adjacency),
        extra={"adjacency": [_ADJACENCY * 2]},
    ),  # fmt: skip
    Case(similarity_graph, lambda: dict(x=torch.randn(4, 2), k=2), extra={"k": [0, 4]}),
]

EXEMPT = {
    "utils.bandit.BanditRun": "the record play_bandit returns; a reader reads it and never builds one",
    "utils.optimisers.Optimiser": "the shared base class; a reader builds SGD, RMSprop, Adam or AdamW (cases above)",
    "utils.optimisers.Optimiser.step": "reads the gradients torch stored (torch refuses a wrong shape); a NaN gradient "
    "is tested in tests/test_optimisers.py",
    "utils.optimisers.Optimiser.zero_grad": "takes no arguments: clears the gradients of the parameters it was given",
}

test_bad_inputs = run_cases(CASES)
