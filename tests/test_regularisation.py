"""The small classifier of Chapter 2: its layers, batch norm against layer norm, accuracy and early stopping."""

import pandas as pd
import pytest
import torch
from torch import nn

from utils.regularisation import MLP, KeepBest, MLPConfig, accuracy
from utils.train import TrainConfig, train


def test_mlp_has_the_layers_its_config_names():
    model = MLP(MLPConfig(inputs=5, classes=4, hidden=7, depth=3, norm="layer", dropout=0.2))
    kinds = [type(layer) for layer in model.net]
    assert kinds.count(nn.Linear) == 4 and kinds.count(nn.LayerNorm) == 3 and kinds.count(nn.Dropout) == 3
    assert model(torch.randn(6, 5)).shape == (6, 4)
    plain = MLP(MLPConfig(inputs=5, depth=2))
    assert not any(isinstance(layer, (nn.Dropout, nn.BatchNorm1d, nn.LayerNorm)) for layer in plain.net)


def test_layer_norm_treats_each_example_alone_and_batch_norm_does_not():
    torch.manual_seed(0)
    x = torch.randn(8, 5)
    for norm, alone in (("layer", True), ("batch", False)):
        torch.manual_seed(1)
        model = MLP(MLPConfig(inputs=5, hidden=6, depth=1, norm=norm)).train()
        together = model(x)[:2]
        apart = model(x[:2])
        assert torch.allclose(together, apart, atol=1e-6) == alone


def test_batch_norm_refuses_a_single_example_while_training():
    model = MLP(MLPConfig(inputs=3, norm="batch"))
    with pytest.raises(ValueError, match="at least two"):
        model(torch.randn(1, 3))
    assert model.eval()(torch.randn(1, 3)).shape == (1, 3)  # running statistics: one example is fine


def test_accuracy_counts_by_hand_and_keeps_the_mode():
    model = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.eye(2))  # the score of class k is x[k]
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [0.0, 3.0]])
    assert accuracy(model.train(), x, torch.tensor([0, 1, 1, 0])) == pytest.approx(0.5)
    assert model.training  # put back in the mode it was in


def test_keep_best_restores_the_weights_of_the_lowest_validation_loss():
    torch.manual_seed(0)
    x, y = torch.randn(40, 4), torch.randint(0, 3, (40,))
    model = MLP(MLPConfig(inputs=4, hidden=32))
    keep = KeepBest(model)
    history = train(model, lambda m, b: nn.functional.cross_entropy(m(b[0]), b[1]), (x[:20], y[:20]),
                    val_data=(x[20:], y[20:]), config=TrainConfig(steps=60, batch_size=20, lr=1e-2, eval_every=5),
                    progress=False, on_evaluate=keep)  # fmt: skip
    best = history.loc[history.val_loss.idxmin()]
    assert keep.best_step == best.step and keep.best_loss == pytest.approx(best.val_loss)
    keep.restore()
    with torch.no_grad():
        loss = nn.functional.cross_entropy(model.eval()(x[20:]), y[20:]).item()
    assert loss == pytest.approx(best.val_loss, rel=1e-5)


def test_keep_best_needs_a_validation_history():
    keep = KeepBest(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="No evaluation"):
        keep.restore()
    with pytest.raises(ValueError, match="val_loss"):
        keep(pd.DataFrame({"step": [1], "train_loss": [0.5]}))
