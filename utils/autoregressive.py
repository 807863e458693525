"""Autoregressive models of a time series, AR(p) (Chapter 11).

An AR(p) model predicts each value from the p before it:
x_t = c + phi_1 x_{t-1} + ... + phi_p x_{t-p} + noise, with Gaussian noise of standard
deviation sigma (Box and Jenkins, 1970). `fit_ar` estimates c, phi and sigma by least
squares; `simulate_ar` continues a series, feeding each new value back in as input.
This feedback is what "autoregressive" means, and it is exactly how a GPT writes text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .checks import check_array, check_count, check_number


@dataclass(frozen=True)
class ARModel:
    intercept: float  # c
    coefficients: np.ndarray  # (p,) phi_1 .. phi_p, phi_1 multiplies the most recent value
    noise_std: float  # sigma of the residuals

    def __post_init__(self) -> None:
        check_number(self.intercept, "intercept")
        coefficients = check_array(self.coefficients, "coefficients", dims=1)
        object.__setattr__(self, "coefficients", coefficients)  # a list becomes an array
        check_number(self.noise_std, "noise_std", low=0)

    @property
    def order(self) -> int:
        return len(self.coefficients)


def fit_ar(series: np.ndarray, p: int) -> ARModel:
    """Least-squares fit of an AR(p) model to a 1D series."""
    x = check_array(series, "series").astype(np.float64)
    if x.ndim != 1:
        raise ValueError(f"Expected a 1D series, got shape {x.shape}.")
    if isinstance(p, bool) or not isinstance(p, int) or p < 1:
        raise ValueError(f"The order p must be a whole number of at least 1, got {p!r}.")
    if len(x) < 3 * p + 2:
        raise ValueError(f"A series of {len(x)} values is too short to fit an AR({p}) model.")
    lags = np.stack([x[p - i - 1 : len(x) - i - 1] for i in range(p)], axis=1)  # (N - p, p), column i = lag i + 1
    design = np.hstack([np.ones((len(lags), 1)), lags])
    target = x[p:]
    solution, *_ = np.linalg.lstsq(design, target, rcond=None)
    residuals = target - design @ solution
    noise_std = float(residuals.std(ddof=p + 1))
    if not (np.isfinite(solution).all() and math.isfinite(noise_std)):
        raise ValueError("The fit overflowed: the series holds values too large to square; rescale it first.")
    return ARModel(float(solution[0]), solution[1:], noise_std)


def simulate_ar(model: ARModel, history: np.ndarray, steps: int, *, rng: np.random.Generator | None = None,
                paths: int = 1) -> np.ndarray:  # fmt: skip
    """Continue `history` by `steps` values: (paths, steps). Without `rng`, the noise-free forecast."""
    if not isinstance(model, ARModel):
        raise TypeError(f"model must be an ARModel (e.g. from fit_ar), got {type(model).__name__}.")
    history = check_array(history, "history", dims=1).astype(np.float64)
    check_count(steps, "steps", minimum=0)
    check_count(paths, "paths")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a NumPy Generator (np.random.default_rng(seed)) or None, got {type(rng).__name__}."
        )
    if len(history) < model.order:
        raise ValueError(f"Need at least {model.order} past values to continue an AR({model.order}) series.")
    window = np.tile(history[-model.order :][::-1], (paths, 1))  # most recent first
    out = np.empty((paths, steps))
    with np.errstate(over="ignore", invalid="ignore"):  # an explosive model is reported below
        for t in range(steps):
            nxt = model.intercept + window @ model.coefficients
            if rng is not None:
                nxt = nxt + rng.normal(0, model.noise_std, paths)
            out[:, t] = nxt
            window = np.hstack([nxt[:, None], window[:, :-1]])
    if not np.isfinite(out).all():
        raise ValueError("The simulated series grew beyond the largest float: this AR model is explosive (its "
                         "values grow without bound); simulate fewer steps.")  # fmt: skip
    return out
