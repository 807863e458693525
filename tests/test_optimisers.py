"""The written-out optimisers against torch.optim, step by step; the 2D descent helper."""

import pytest
import torch

from utils.optimisers import SGD, Adam, AdamW, RMSprop, descend

# (ours, torch's, settings): each pair must take identical steps
PAIRS = [
    (SGD, torch.optim.SGD, dict(lr=0.05)),
    (SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, eps=1e-8)),
    (Adam, torch.optim.Adam, dict(lr=0.01, betas=(0.8, 0.99))),
    (Adam, torch.optim.Adam, dict(lr=0.01, weight_decay=0.1)),
    (AdamW, torch.optim.AdamW, dict(lr=0.01, weight_decay=0.1)),
]


def _problem(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(32, 5, generator=g, dtype=torch.float64), torch.randn(32, 3, generator=g, dtype=torch.float64)
    return x, y, torch.randn(5, 3, generator=g, dtype=torch.float64)


@pytest.mark.parametrize(("ours", "theirs", "settings"), PAIRS, ids=lambda v: getattr(v, "__name__", str(v)))
def test_written_out_optimiser_equals_torch_for_100_steps(ours, theirs, settings):
    x, y, w0 = _problem(0)
    w_ours, w_torch = w0.clone().requires_grad_(), w0.clone().requires_grad_()
    opt_ours, opt_torch = ours([w_ours], **settings), theirs([w_torch], **settings)
    for _ in range(100):
        for w, opt in ((w_ours, opt_ours), (w_torch, opt_torch)):
            opt.zero_grad()
            (torch.tanh(x @ w) - y).pow(2).mean().backward()
            opt.step()
    assert (w_ours - w_torch).abs().max().item() < 1e-6
    assert (w_ours - w0).abs().max().item() > 1e-2  # it did move


def test_sgd_step_is_minus_lr_times_gradient_by_hand():
    w = torch.tensor([3.0], requires_grad=True)
    opt = SGD([w], lr=0.1)
    (w**2).sum().backward()  # gradient 2w = 6
    opt.step()
    assert w.item() == pytest.approx(3.0 - 0.1 * 6.0)


def test_first_adam_step_has_size_lr_whatever_the_gradient_scale():
    # after one step m_hat = g and v_hat = g^2, so the step is lr * g / |g| = lr (eps aside)
    for scale in (1e-3, 1.0, 1e3):
        w = torch.tensor([1.0], requires_grad=True)
        opt = Adam([w], lr=0.1)
        (scale * w).sum().backward()
        opt.step()
        assert w.item() == pytest.approx(0.9, abs=1e-6)


def test_descend_reaches_the_bottom_of_a_bowl_and_stops_when_it_blows_up():
    bowl = lambda xy: (xy**2).sum()  # noqa: E731
    path = descend(bowl, (1.0, -2.0), lambda p: SGD(p, lr=0.1), steps=100)
    assert path.shape == (101, 2) and path[0].tolist() == [1.0, -2.0]
    assert path[-1].abs().max() < 1e-6  # each step multiplies by 1 - 2 * 0.1 = 0.8
    assert torch.allclose(path[1], torch.tensor([0.8, -1.6], dtype=torch.float64))
    wild = descend(bowl, (1.0, 1.0), lambda p: SGD(p, lr=2000.0), steps=200)  # x <- x (1 - 2 lr): explodes
    assert torch.isfinite(wild).all() and wild.shape == (201, 2)
    assert wild[-1].abs().max() > 1e100 and (wild[-1] == wild[-2]).all()  # stopped, then held


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: SGD(p, lr=0.0), "lr"),
        (lambda p: SGD(p, lr=-1.0), "lr"),
        (lambda p: SGD(p, lr=0.1, momentum=1.0), "momentum"),
        (lambda p: Adam(p, betas=(0.9, 1.0)), "betas"),
        (lambda p: Adam(p, betas=(-0.1, 0.9)), "betas"),
        (lambda p: Adam(p, betas=0.9), "pair"),
        (lambda p: RMSprop(p, eps=0.0), "eps"),
        (lambda p: AdamW(p, weight_decay=-1.0), "weight_decay"),
        (lambda p: SGD([], lr=0.1), "empty"),
        (lambda p: SGD([torch.zeros(2)], lr=0.1), "requires_grad"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(make, message):
    with pytest.raises(ValueError, match=message):
        make([torch.zeros(2, requires_grad=True)])


def test_a_nan_gradient_is_reported_not_applied():
    w = torch.ones(2, requires_grad=True)
    opt = Adam([w])
    (w * torch.tensor([1.0, float("nan")])).sum().backward()
    with pytest.raises(ValueError, match="NaN"):
        opt.step()
    assert w.tolist() == [1.0, 1.0]


def test_loss_surfaces_have_their_minima_and_saddle_where_the_docstrings_say():
    from utils.optimisers import banana_valley, saddle

    points = torch.tensor([[1.0, 1.0], [0.0, 1.0], [0.0, -1.0], [0.0, 0.0]], requires_grad=True)
    assert banana_valley(points)[0].item() == 0.0 and saddle(points)[1:3].abs().max().item() == 0.0
    (grad,) = torch.autograd.grad(saddle(points).sum(), points)
    assert grad[3].abs().max().item() == 0.0  # a flat point that is not a minimum:
    assert saddle(torch.tensor([0.0, 0.1])) < saddle(torch.tensor([0.0, 0.0])) < saddle(torch.tensor([0.1, 0.0]))
    grid = torch.stack(torch.meshgrid(torch.linspace(-2, 2, 5), torch.linspace(-1, 3, 4), indexing="xy"), -1)
    assert banana_valley(grid).shape == (4, 5)
    with pytest.raises(ValueError, match="last dimension"):
        saddle(torch.zeros(3))


def test_adam_counts_steps_per_parameter_like_torch():
    # the second parameter gets its first gradient only at step 5: its bias correction starts then
    a, b = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    a2, b2 = a.detach().clone().requires_grad_(), b.detach().clone().requires_grad_()
    ours, theirs = AdamW([a, b], lr=0.1), torch.optim.AdamW([a2, b2], lr=0.1)
    for step in range(8):
        for x, y, opt in ((a, b, ours), (a2, b2, theirs)):
            opt.zero_grad()
            loss = (x**2).sum() + ((y - 3) ** 2).sum() * (step >= 5)
            loss.backward()
            if step < 5:
                y.grad = None  # no gradient yet for the second parameter
            opt.step()
    assert torch.allclose(a, a2, atol=1e-6) and torch.allclose(b, b2, atol=1e-6)
    assert not torch.allclose(b, torch.ones(2))
