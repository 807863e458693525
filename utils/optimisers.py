"""Optimisers written out: SGD, momentum, RMSprop, Adam and AdamW, a few lines each (Chapter 2).

Each class follows the update rule of its `torch.optim` namesake with the settings exposed here
(no Nesterov, no dampening, no AMSGrad), so the tests can check them step by step against torch.
Adam is Kingma and Ba (2015); AdamW decays the weights directly instead of adding an L2 term to
the gradient (Loshchilov and Hutter, 2019). The chapter races them on 2D loss surfaces with
`descend`; the book's own training loop (utils.train) uses torch's AdamW.

    >>> w = torch.zeros(2, requires_grad=True)
    >>> optimiser = SGD([w], lr=0.1)
    >>> ((w - 1) ** 2).sum().backward(); optimiser.step()
    >>> w   # moved 0.1 * gradient (-2 each) towards 1
    tensor([0.2000, 0.2000], requires_grad=True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import torch

from .checks import check_count, check_nonempty, check_number, check_tensor


class Optimiser:
    """What every optimiser shares: the parameters, a learning rate, per-parameter state, zero_grad and step."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float) -> None:
        self.params = check_nonempty(list(params), "params")
        for p in self.params:
            if not isinstance(p, torch.Tensor) or not p.requires_grad:
                raise ValueError("every parameter must be a tensor with requires_grad=True (a model's parameters).")
        self.lr = check_number(lr, "lr (the learning rate)", low=0.0, low_open=True)
        self.state: dict[int, dict] = {}  # per parameter (by id): running averages, step counts

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """Move every parameter that has a gradient by one update."""
        with_grad = [p for p in self.params if p.grad is not None]
        for p in with_grad:  # all checked before any moves: a NaN leaves every parameter as it was
            check_tensor(p.grad, "a parameter's gradient", kind=None)
        for p in with_grad:
            self._update(p, p.grad, self.state.setdefault(id(p), {}))

    def _update(self, p: torch.Tensor, g: torch.Tensor, state: dict[str, torch.Tensor]) -> None:
        raise NotImplementedError


class SGD(Optimiser):
    """Gradient descent, optionally with momentum: v <- momentum * v + g;  p <- p - lr * v."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float = 0.01, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = check_number(momentum, "momentum", low=0.0, high=1.0, high_open=True)

    def _update(self, p, g, state):
        if self.momentum:
            v = state["velocity"] = self.momentum * state["velocity"] + g if "velocity" in state else g.clone()
            g = v
        p -= self.lr * g


class RMSprop(Optimiser):
    """Divide each step by a running root-mean-square of the gradient.

    s <- alpha s + (1 - alpha) g^2;  p <- p - lr g / (sqrt(s) + eps).
    """

    def __init__(
        self, params: Iterable[torch.Tensor], lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8
    ) -> None:
        super().__init__(params, lr)
        self.alpha = check_number(alpha, "alpha", low=0.0, high=1.0, high_open=True)
        self.eps = check_number(eps, "eps", low=0.0, low_open=True)

    def _update(self, p, g, state):
        s = state["square_avg"] = self.alpha * state.get("square_avg", torch.zeros_like(p)) + (1 - self.alpha) * g * g
        p -= self.lr * g / (s.sqrt() + self.eps)


class Adam(Optimiser):
    """Momentum and RMSprop together, with both running averages corrected for starting at zero.

    m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;  p <- p - lr * m_hat / (sqrt(v_hat) + eps),
    with m_hat = m / (1 - b1^t) and v_hat = v / (1 - b2^t) after this parameter's t-th update. `weight_decay` adds
    weight_decay * p to the gradient (an L2 penalty), as torch.optim.Adam does.
    """

    decoupled = False

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair of numbers such as (0.9, 0.999), got {betas!r}.")
        self.betas = tuple(check_number(b, "each of betas", low=0.0, high=1.0, high_open=True) for b in betas)
        self.eps = check_number(eps, "eps", low=0.0, low_open=True)
        self.weight_decay = check_number(weight_decay, "weight_decay", low=0.0)

    def _update(self, p, g, state):
        b1, b2 = self.betas
        if self.decoupled:
            p *= 1 - self.lr * self.weight_decay  # AdamW: shrink the weights themselves
        elif self.weight_decay:
            g = g + self.weight_decay * p  # Adam: an L2 penalty's gradient
        t = state["t"] = state.get("t", 0) + 1  # counted per parameter, as torch does: some may skip steps
        m = state["m"] = b1 * state.get("m", torch.zeros_like(p)) + (1 - b1) * g
        v = state["v"] = b2 * state.get("v", torch.zeros_like(p)) + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        p -= self.lr * m_hat / (v_hat.sqrt() + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay: p <- p (1 - lr * weight_decay) before the Adam step."""

    decoupled = True

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)


def descend(
    loss: Callable[[torch.Tensor], torch.Tensor],
    start: tuple[float, float],
    make_optimiser: Callable[[list[torch.Tensor]], Optimiser],
    steps: int = 100,
) -> torch.Tensor:
    """The path (steps + 1, 2) an optimiser takes from `start` down a 2D loss surface `loss(xy) -> scalar`.

    Stops early (the rest of the path repeats the last point) if the point runs off to infinity.
    """
    steps = check_count(steps, "steps")
    xy = torch.tensor([float(s) for s in start], dtype=torch.float64, requires_grad=True)
    check_tensor(xy.detach(), "start", shape=(2,))
    optimiser = make_optimiser([xy])
    path = [xy.detach().clone()]
    for _ in range(steps):
        optimiser.zero_grad()
        value = loss(xy)
        if not math.isfinite(float(value.detach())):
            break
        value.backward()
        optimiser.step()
        if not bool(torch.isfinite(xy).all()):
            break
        path.append(xy.detach().clone())
    path += [path[-1]] * (steps + 1 - len(path))
    return torch.stack(path)


def _check_points(xy: torch.Tensor) -> torch.Tensor:
    check_tensor(xy, "xy", kind="float")
    if xy.dim() == 0 or xy.shape[-1] != 2:
        raise ValueError(f"xy must hold points (x, y) along its last dimension, shape (..., 2), got {tuple(xy.shape)}.")
    return xy


def banana_valley(xy: torch.Tensor) -> torch.Tensor:
    """A curved, narrow valley: (1 - x)^2 + 5 (y - x^2)^2 for points xy (..., 2) -> (...); lowest (0) at (1, 1).

    A gentler Rosenbrock function, which optimisation people call the banana function for its shape.
    """
    x, y = _check_points(xy).unbind(-1)
    return (1 - x) ** 2 + 5 * (y - x**2) ** 2


def saddle(xy: torch.Tensor) -> torch.Tensor:
    """0.5 x^2 + 0.25 (y^2 - 1)^2 for points xy (..., 2) -> (...): a saddle point at (0, 0) between minima at (0, +-1).

    At the saddle the gradient is zero, so a descent that starts near y = 0 creeps away from it slowly.
    """
    x, y = _check_points(xy).unbind(-1)
    return 0.5 * x**2 + 0.25 * (y**2 - 1) ** 2
