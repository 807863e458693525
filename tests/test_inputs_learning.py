"""Bad inputs for Chapter 2's written-out losses and optimisers (see tests/bad_inputs.py)."""

import pandas as pd
import torch
from bad_inputs import Case, run_cases

from utils import losses
from utils.bandit import log_policy_gradient, play_bandit
from utils.graphs import MessagePassing, similarity_graph
from utils.optimisers import SGD, Adam, AdamW, RMSprop, banana_valley, descend, saddle
from utils.regularisation import MLP, KeepBest, MLPConfig, accuracy


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

_MLP = MLP(MLPConfig(inputs=4, classes=3, hidden=8, depth=2, norm="batch", dropout=0.1))
_HISTORY = pd.DataFrame({"step": [10], "train_loss": [0.9], "val_loss": [1.1]})

CASES += [
    Case(banana_valley, lambda: dict(xy=torch.randn(5, 2))),
    Case(saddle, lambda: dict(xy=torch.randn(2, 3, 2))),
    Case(
        MLPConfig,
        lambda: dict(inputs=4, classes=3, hidden=8, depth=2, norm="layer", dropout=0.5),
        extra={"dropout": [1.0], "norm": ["group"]},
    ),  # fmt: skip
    Case(MLP, lambda: dict(config=MLPConfig(inputs=4)), extra={"config": [None, {"inputs": 4}]}),
    Case(
        MLP.forward,
        lambda: dict(x=torch.randn(6, 4)),
        call=lambda x: _MLP.train()(x),
        extra={"x": [torch.randn(1, 4)]},
    ),  # fmt: skip
    Case(
        accuracy,
        lambda: dict(model=_MLP, x=torch.randn(6, 4), y=torch.tensor([0, 1, 2, 0, 1, 2])),
        fixed=("model",),
        extra={"y": [torch.tensor([0, 1, 2])]},
    ),  # fmt: skip
    Case(KeepBest, lambda: dict(model=_MLP), extra={"model": ["a model", None]}),
    Case(
        KeepBest,  # calling it, as train() does after each evaluation
        lambda: dict(history=_HISTORY.copy()),
        call=lambda history: KeepBest(_MLP)(history),
        extra={"history": [_HISTORY.iloc[:0], _HISTORY.drop(columns="val_loss"), [0.5]]},
    ),  # fmt: skip
]

EXEMPT = {
    "utils.regularisation.KeepBest.restore": "takes no arguments: loads the weights it kept (or refuses)",
    "utils.bandit.BanditRun": "the record play_bandit returns; a reader reads it and never builds one",
    "utils.optimisers.Optimiser": "the shared base class; a reader builds SGD, RMSprop, Adam or AdamW (cases above)",
    "utils.optimisers.Optimiser.step": "reads the gradients torch stored (torch refuses a wrong shape); a NaN gradient "
    "is tested in tests/test_optimisers.py",
    "utils.optimisers.Optimiser.zero_grad": "takes no arguments: clears the gradients of the parameters it was given",
}

test_bad_inputs = run_cases(CASES)
