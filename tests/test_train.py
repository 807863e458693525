"""The training loop learns, is reproducible, reports a history and saves checkpoints."""

import math

import numpy as np
import pytest
import torch

from utils.train import TrainConfig, train


def _line_data(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, generator=g)
    return x, 3 * x + 1 + 0.01 * torch.randn(n, 1, generator=g)


def _mse(model, batch):
    x, y = batch
    return torch.nn.functional.mse_loss(model(x), y)


def _fit(seed=0, **kwargs):
    torch.manual_seed(0)
    model = torch.nn.Linear(1, 1)
    config = TrainConfig(steps=200, batch_size=32, lr=0.05, eval_every=50, seed=seed)
    history = train(model, _mse, _line_data(), val_data=_line_data(seed=1), config=config, progress=False, **kwargs)
    return model, history


def test_learns_a_line():
    model, history = _fit()
    assert abs(model.weight.item() - 3) < 0.02 and abs(model.bias.item() - 1) < 0.02
    assert history["val_loss"].iloc[-1] < 1e-3 < history["val_loss"].iloc[0]


def test_history_has_one_row_per_evaluation():
    _, history = _fit()
    assert list(history.columns) == ["step", "train_loss", "val_loss", "seconds"]
    assert history["step"].tolist() == [50, 100, 150, 200]
    assert history["seconds"].is_monotonic_increasing


def test_same_seed_same_result_other_seed_other_result():
    _, first = _fit(seed=5)
    _, second = _fit(seed=5)
    _, other = _fit(seed=6)
    assert np.array_equal(first["train_loss"].to_numpy(), second["train_loss"].to_numpy())
    assert not np.array_equal(first["train_loss"].to_numpy(), other["train_loss"].to_numpy())


def test_train_does_not_consume_the_global_rng():
    model = torch.nn.Linear(1, 1)
    torch.manual_seed(42)
    expected = torch.rand(3)
    torch.manual_seed(42)
    train(model, _mse, _line_data(), config=TrainConfig(steps=5, eval_every=5), progress=False)
    assert torch.equal(torch.rand(3), expected)


def test_batches_from_a_function_and_no_validation():
    def get_batch(generator):
        x = torch.randn(16, 1, generator=generator)
        return x, 2 * x

    model = torch.nn.Linear(1, 1, bias=False)
    config = TrainConfig(steps=150, lr=0.05, eval_every=150, eval_batches=3)
    history = train(model, _mse, get_batch, val_data=get_batch, config=config, progress=False)
    assert abs(model.weight.item() - 2) < 0.01 and history["val_loss"].iloc[-1] < 1e-4
    history = train(model, _mse, get_batch, config=TrainConfig(steps=2, eval_every=1), progress=False)
    assert math.isnan(history["val_loss"].iloc[0])


def test_a_loss_that_is_not_one_number_is_refused():
    model = torch.nn.Linear(1, 1)
    vector_loss = lambda m, b: (m(b[0]) - b[1]).pow(2)  # noqa: E731 - forgot .mean()
    with pytest.raises(ValueError, match="one number .* .mean\\(\\)"):
        train(model, vector_loss, _line_data(), config=TrainConfig(steps=2), progress=False)


def test_learning_rate_schedules():
    cosine = TrainConfig(steps=100, lr=1.0, warmup_steps=10, min_lr=0.1)
    linear = TrainConfig(steps=100, lr=1.0, warmup_steps=10, min_lr=0.1, decay="linear")
    assert cosine.lr_at(5) == linear.lr_at(5) == 0.5  # warm-up
    assert cosine.lr_at(100) == pytest.approx(0.1) and linear.lr_at(100) == pytest.approx(0.1)
    assert linear.lr_at(55) == pytest.approx(0.55)  # half-way down a straight line
    assert cosine.lr_at(55) == pytest.approx(0.55)  # and of the cosine too, by symmetry
    assert cosine.lr_at(30) > linear.lr_at(30)  # the cosine stays high for longer
    for step in (0, -1, 101, 2.5):
        with pytest.raises(ValueError, match="step must be"):
            cosine.lr_at(step)
    short = cosine.shortened(3)
    assert (short.steps, short.warmup_steps, short.eval_every, short.lr) == (3, 2, 3, 1.0)


def test_nan_in_the_data_is_reported_before_training():
    x, y = _line_data()
    x[3] = math.nan
    with pytest.raises(ValueError, match="contains NaN"):
        train(torch.nn.Linear(1, 1), _mse, (x, y), config=TrainConfig(steps=2), progress=False)


def test_divergence_is_reported():
    model = torch.nn.Linear(1, 1)
    with pytest.raises(FloatingPointError, match="smaller lr"):
        train(model, lambda m, b: m(b[0]).sum() * float("inf"), _line_data(),
              config=TrainConfig(steps=2), progress=False)  # fmt: skip


@pytest.mark.parametrize("kwargs, message", [
    ({"steps": 0}, "steps"), ({"batch_size": 1.5}, "batch_size"), ({"lr": 0}, "learning rate"),
    ({"grad_clip": -1.0}, "grad_clip"), ({"decay": "step"}, "Unknown decay"), ({"min_lr": 2.0}, "min_lr"),
    ({"betas": (0.9, 1.5)}, "betas"), ({"warmup_steps": 500}, "warmup_steps"),
])  # fmt: skip
def test_bad_config(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)


def test_bad_data():
    model = torch.nn.Linear(1, 1)
    with pytest.raises(ValueError, match="share their first size"):
        train(model, _mse, (torch.zeros(3, 1), torch.zeros(4, 1)), progress=False)
    with pytest.raises(ValueError, match="tensor"):
        train(model, _mse, [1, 2, 3], progress=False)


def test_learning_rate_schedule_and_callback():
    config = TrainConfig(steps=100, lr=1.0, warmup_steps=10, min_lr=0.1, eval_every=25)
    assert config.lr_at(5) == pytest.approx(0.5) and config.lr_at(10) == pytest.approx(1.0)
    assert config.lr_at(100) == pytest.approx(0.1) and config.lr_at(55) == pytest.approx(0.55)
    assert TrainConfig(steps=10).lr_at(7) == pytest.approx(1e-3)
    seen = []
    model = torch.nn.Linear(1, 1)
    train(model, _mse, _line_data(), config=TrainConfig(steps=50, eval_every=25, warmup_steps=5, min_lr=1e-4),
          progress=False, on_evaluate=lambda h: seen.append(len(h)))  # fmt: skip
    assert seen == [1, 2]
    with pytest.raises(ValueError, match="warmup_steps"):
        TrainConfig(steps=10, warmup_steps=10)


def test_weight_decay_skips_biases():
    from utils.train import make_optimizer

    groups = make_optimizer(torch.nn.Linear(3, 2), TrainConfig(weight_decay=0.1)).param_groups
    assert [(len(g["params"]), g["weight_decay"]) for g in groups] == [(1, 0.1), (1, 0.0)]


def test_ema_leaves_the_model_with_the_moving_average_of_its_weights():
    """With ema=d the loop ends with a = w_1, then a = d a + (1 - d) w_k after each step k (torch's AveragedModel)."""
    model = torch.nn.Linear(1, 1, bias=False)
    seen = []
    config = TrainConfig(steps=6, batch_size=4, lr=0.1, eval_every=1, ema=0.5, grad_clip=None)
    x = torch.randn(16, 1, generator=torch.Generator().manual_seed(0))
    train(model, lambda m, b: ((m(b) - 3 * b) ** 2).mean(), x, config=config, progress=False,
          on_evaluate=lambda history: seen.append(model.weight.item()))  # fmt: skip
    average = seen[0]
    for w in seen[1:]:
        average = 0.5 * average + 0.5 * w
    assert model.weight.item() == pytest.approx(average, rel=1e-6)
    assert model.weight.item() != pytest.approx(seen[-1])
