"""ClassGaussians agrees with SciPy's multivariate normal (densities and Bayes' rule) and scikit-learn's QDA."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis

from utils.gaussians import ClassGaussians


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    means = np.array([[0.0, 0.0, 0.0], [3.0, 1.0, -1.0], [-2.0, 4.0, 1.0]])
    x = np.concatenate([rng.multivariate_normal(m, np.diag([1.0, 0.5, 2.0]) + 0.3, size=n)
                        for m, n in zip(means, (200, 300, 100), strict=False)])  # fmt: skip
    y = np.repeat([0, 1, 2], (200, 300, 100))
    return x, y


def test_log_likelihood_matches_scipy(data):
    x, y = data
    model = ClassGaussians.fit(x, y, ridge=0.0)
    for k in range(3):
        expected = multivariate_normal(model.means[k], model.covariances[k]).logpdf(x)
        np.testing.assert_allclose(model.log_likelihood(x)[:, k], expected, rtol=1e-10)
    np.testing.assert_allclose(model.priors, [200 / 600, 300 / 600, 100 / 600])


def test_bayes_rule_matches_scipy_and_sklearn_qda(data):
    """The posterior over classes equals Bayes' rule written out with SciPy's densities; scikit-learn's QDA, the
    same model, picks the same class. (QDA's probabilities are not compared: scikit-learn 1.3 divides each class's
    covariance by n - 1 and later releases by n, as we do, so they differ by up to 1% between releases.)"""
    x, y = data
    model = ClassGaussians.fit(x, y, ridge=0.0)
    ours = model.predict_proba(x)
    joint = np.stack([model.priors[k] * multivariate_normal(model.means[k], model.covariances[k]).pdf(x)
                      for k in range(3)], axis=1)  # fmt: skip
    np.testing.assert_allclose(ours, joint / joint.sum(1, keepdims=True), atol=1e-10)
    np.testing.assert_allclose(ours.sum(1), 1.0)
    qda = QuadraticDiscriminantAnalysis().fit(x, y)
    assert (qda.predict(x) == ours.argmax(1)).mean() >= 0.99


def test_samples_have_the_fitted_moments(data):
    x, y = data
    model = ClassGaussians.fit(x, y)
    draws = model.sample(1, 40_000, seed=3)
    assert np.abs(draws.mean(0) - model.means[1]).max() < 0.03
    assert np.abs(np.cov(draws, rowvar=False) - model.covariances[1]).max() < 0.05
    assert np.array_equal(draws, model.sample(1, 40_000, seed=3))


@pytest.mark.parametrize("call, message", [
    (lambda m, x, y: ClassGaussians.fit(x[:, 0], y), "2D array"),
    (lambda m, x, y: ClassGaussians.fit(x, y[:-1]), "one label per row"),
    (lambda m, x, y: ClassGaussians.fit(x[:3], np.array([0, 1, 1])), "at least two examples"),
    (lambda m, x, y: m.log_likelihood(x[:, :2]), r"shape \(N, 3\)"),
    (lambda m, x, y: m.sample(5, 3), "label must be in 0..2"),
    (lambda m, x, y: m.sample(0, -1), "at least 0"),
])  # fmt: skip
def test_bad_arguments(data, call, message):
    x, y = data
    with pytest.raises(ValueError, match=message):
        call(ClassGaussians.fit(x, y), x, y)


def test_an_empty_model_says_how_to_fit_one(data):
    x, y = data
    model = ClassGaussians()
    model.fit(x, y)  # returns a new fitted model; `model` stays empty
    for call in (lambda: model.predict_proba(x), lambda: model.log_likelihood(x), lambda: model.sample(0, 3)):
        with pytest.raises(ValueError, match=r"write model = ClassGaussians.fit\(x, y\)"):
            call()


@pytest.mark.parametrize("call, message", [
    (lambda x, y: ClassGaussians.fit(x[:0], y[:0]), "x is empty"),
    (lambda x, y: ClassGaussians.fit(np.where(x > 2, np.nan, x), y), "x contains NaN"),
    (lambda x, y: ClassGaussians.fit(x, y[:10]), r"one label per row of x: expected shape \(600,\)"),
    (lambda x, y: ClassGaussians.fit(x, y * 1.0), "y must hold class labels"),
    (lambda x, y: ClassGaussians.fit(x, y - 1), "y must hold class labels"),
    (lambda x, y: ClassGaussians.fit(x, y, ridge=-1.0), r"ridge must be in \[0, inf\]"),
    (lambda x, y: ClassGaussians.fit(np.c_[x, np.zeros(len(x))], y, ridge=0.0), "not positive definite"),
    (lambda x, y: ClassGaussians.fit(x, y).log_likelihood(np.full((2, 3), np.inf)), "x contains NaN or infinite"),
    (lambda x, y: ClassGaussians.fit(x, y).sample(1.5, 3), "label must be in 0..2, got 1.5"),
    (lambda x, y: ClassGaussians.fit(x, y).sample(1, 3, seed=-1), "seed must be at least 0"),
    (lambda x, y: ClassGaussians(np.zeros((2, 3)), np.stack([np.eye(3)] * 2), np.array([0.5, 0.6])), "sum to 1"),
    (lambda x, y: ClassGaussians(np.zeros((2, 3)), np.stack([np.eye(3)] * 2)), "together"),
])  # fmt: skip
def test_bad_data_raise_clear_errors(data, call, message):
    x, y = data
    with pytest.raises(ValueError, match=message):
        call(x, y)
