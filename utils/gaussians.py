"""The simplest generative model: one Gaussian per class (Chapter 1).

`ClassGaussians` fits, for each class y, a mean and a covariance to the feature
vectors of that class, and the class frequencies p(y). That is a full model of the
data, p(x, y) = p(y) N(x; mu_y, Sigma_y), so it can both **generate** (draw y, then
x from its Gaussian) and **classify** with Bayes' rule, p(y | x) proportional to
p(x | y) p(y). Classifying this way is known as quadratic discriminant analysis.

Build a fitted model with `ClassGaussians.fit(x, y)`, a class method that returns it;
`ClassGaussians()` with no arguments is an empty model that cannot predict yet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import check_array, check_count, check_number


@dataclass(frozen=True)
class ClassGaussians:
    means: np.ndarray | None = None  # (K, D) mean feature vector of each class
    covariances: np.ndarray | None = None  # (K, D, D) covariance of each class
    priors: np.ndarray | None = None  # (K,) class frequencies p(y), summing to 1

    def __post_init__(self) -> None:
        parts = {"means": self.means, "covariances": self.covariances, "priors": self.priors}
        given = [value is not None for value in parts.values()]
        if not any(given):
            return  # an empty model; ClassGaussians.fit(x, y) builds a fitted one
        if not all(given):
            raise ValueError("Give means, covariances and priors together, or build the model with "
                             "ClassGaussians.fit(x, y).")  # fmt: skip
        means = np.asarray(check_array(self.means, "means", dims=2), dtype=np.float64)
        covs = np.asarray(check_array(self.covariances, "covariances", dims=3), dtype=np.float64)
        priors = np.asarray(check_array(self.priors, "priors", dims=1), dtype=np.float64)
        k, d = means.shape
        if covs.shape != (k, d, d) or priors.shape != (k,):
            raise ValueError(f"For {k} classes of {d} features, covariances must have shape ({k}, {d}, {d}) and "
                             f"priors ({k},); got {covs.shape} and {priors.shape}.")  # fmt: skip
        if (priors < 0).any() or abs(priors.sum() - 1) > 1e-6:
            raise ValueError(f"priors must be 0 or more and sum to 1, got {priors}.")
        for label, cov in enumerate(covs):
            if not np.allclose(cov, cov.T):
                raise ValueError(f"The covariance of class {label} is not symmetric.")
            try:
                np.linalg.cholesky(cov)
            except np.linalg.LinAlgError:
                raise ValueError(f"The covariance of class {label} is not positive definite (a feature that never "
                                 "varies in that class?); fit with a ridge above 0.") from None  # fmt: skip
        for name, value in (("means", means), ("covariances", covs), ("priors", priors)):
            object.__setattr__(self, name, value)  # as float arrays (the same arrays when they already are)

    def _check_fitted(self) -> None:
        if self.means is None:
            raise ValueError("This ClassGaussians is empty: fit is a class method that returns a new, fitted model, "
                             "so write model = ClassGaussians.fit(x, y).")  # fmt: skip

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, *, ridge: float = 1e-6) -> ClassGaussians:
        """Maximum-likelihood fit to features x (N, D) and integer labels y (N,) in 0..K-1.

        `ridge` is added to each covariance's diagonal so that it stays invertible.
        """
        x, y = np.asarray(check_array(x, "x"), dtype=np.float64), check_array(y, "y")
        if x.ndim != 2:
            raise ValueError(f"x must be a 2D array (examples, features), got shape {x.shape}.")
        if y.shape != (len(x),):
            raise ValueError(f"y must hold one label per row of x: expected shape ({len(x)},), got {y.shape}.")
        if not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
            raise ValueError(f"y must hold class labels 0, 1, 2, ... (whole numbers of at least 0), got {y[:5]}...")
        check_number(ridge, "ridge", low=0)
        classes = int(y.max()) + 1 if len(y) else 0
        counts = np.bincount(y, minlength=classes) if classes else np.array([])
        if classes == 0 or (counts < 2).any():
            raise ValueError("Every class needs at least two examples to estimate a covariance.")
        eye = np.eye(x.shape[1])
        means = np.stack([x[y == k].mean(axis=0) for k in range(classes)])
        covs = np.stack(
            [np.cov(x[y == k], rowvar=False, bias=True).reshape(eye.shape) + ridge * eye for k in range(classes)]
        )
        return cls(means, covs, counts / counts.sum())

    def log_likelihood(self, x: np.ndarray) -> np.ndarray:
        """log p(x | y) for every class: (N, D) -> (N, K)."""
        x = self._check(x)  # also checks that the model is fitted
        out = np.empty((len(x), len(self.means)))
        for k, (mean, cov) in enumerate(zip(self.means, self.covariances, strict=False)):
            chol = np.linalg.cholesky(cov)
            z = np.linalg.solve(chol, (x - mean).T)  # (D, N) whitened offsets
            log_det = 2 * np.log(np.diag(chol)).sum()
            out[:, k] = -0.5 * ((z * z).sum(axis=0) + log_det + x.shape[1] * np.log(2 * np.pi))
        return out

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """p(y | x) by Bayes' rule: (N, D) -> (N, K), each row summing to 1."""
        joint = self.log_likelihood(x) + np.log(self.priors)
        joint -= joint.max(axis=1, keepdims=True)
        p = np.exp(joint)
        return p / p.sum(axis=1, keepdims=True)

    def sample(self, label: int, n: int, *, seed: int = 0) -> np.ndarray:
        """Draw n new feature vectors of class `label`: returns (n, D)."""
        self._check_fitted()
        is_whole = isinstance(label, (int, np.integer)) and not isinstance(label, bool)
        if not is_whole or not 0 <= label < len(self.means):
            raise ValueError(f"label must be in 0..{len(self.means) - 1}, got {label!r}.")
        check_count(n, "n", minimum=0)
        check_count(seed, "seed", minimum=0)
        rng = np.random.default_rng(seed)
        return rng.multivariate_normal(self.means[label], self.covariances[label], size=n, method="cholesky")

    def _check(self, x: np.ndarray) -> np.ndarray:
        self._check_fitted()
        x = np.asarray(check_array(x, "x"), dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.means.shape[1]:
            raise ValueError(f"x must have shape (N, {self.means.shape[1]}), got {x.shape}.")
        return x
