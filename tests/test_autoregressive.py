"""AR(p): least squares recovers known coefficients; simulation feeds outputs back in."""

import numpy as np
import pytest

from utils.autoregressive import ARModel, fit_ar, simulate_ar


def test_recovers_the_coefficients_of_a_known_process():
    truth = ARModel(intercept=0.5, coefficients=np.array([0.6, -0.3]), noise_std=0.2)
    series = np.concatenate([[0.0, 0.0], simulate_ar(truth, np.zeros(2), 20_000, rng=np.random.default_rng(0))[0]])
    fitted = fit_ar(series, 2)
    assert np.allclose(fitted.coefficients, truth.coefficients, atol=0.02)
    assert fitted.intercept == pytest.approx(0.5, abs=0.02) and fitted.noise_std == pytest.approx(0.2, abs=0.01)


def test_forecast_by_hand_and_shapes():
    model = ARModel(1.0, np.array([0.5]), 0.1)
    forecast = simulate_ar(model, np.array([4.0]), 3)
    assert forecast.tolist() == [[3.0, 2.5, 2.25]]  # 1 + 0.5 * 4, 1 + 0.5 * 3, 1 + 0.5 * 2.5
    assert simulate_ar(model, np.array([4.0]), 5, rng=np.random.default_rng(1), paths=7).shape == (7, 5)


@pytest.mark.parametrize("call, message", [
    (lambda: fit_ar(np.zeros((3, 3)), 1), "1D"), (lambda: fit_ar(np.zeros(50), 0), "at least 1"),
    (lambda: fit_ar(np.zeros(5), 3), "too short"),
    (lambda: simulate_ar(ARModel(0.0, np.array([0.1, 0.2]), 1.0), np.zeros(1), 3), "at least 2 past values"),
])  # fmt: skip
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: fit_ar(np.array([1.0, np.nan] * 10), 2), "series contains NaN"),
    (lambda: fit_ar(np.zeros(7), 2), "too short"),
    (lambda: fit_ar(np.array([]), 1), "series is empty"),
    (lambda: simulate_ar(ARModel(0.0, np.array([0.5]), 1.0), np.ones(3), -1), "steps must be at least 0"),
    (lambda: simulate_ar(ARModel(0.0, np.array([0.5]), 1.0), np.array([1.0, np.inf]), 3), "history contains NaN"),
    (lambda: simulate_ar(ARModel(0.0, np.array([0.5]), 1.0), np.ones(3), 3, paths=0), "paths must be at least 1"),
    (lambda: ARModel(0.0, np.array([np.nan]), 1.0), "coefficients contains NaN"),
    (lambda: ARModel(0.0, np.array([0.5]), -1.0), r"noise_std must be in \[0, inf\]"),
])  # fmt: skip
def test_bad_series_and_settings(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_zero_steps_give_an_empty_forecast():
    assert simulate_ar(ARModel(1.0, np.array([0.5]), 0.1), np.ones(2), 0, paths=3).shape == (3, 0)
