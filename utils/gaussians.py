"""The simplest generative model: one Gaussian per class (Chapter 1).

`ClassGaussians` fits, for each class y, a mean and a covariance to the feature
vectors of that class, and the class frequencies p(y). That is a full model of the
data, p(x, y) = p(y) N(x; mu_y, Sigma_y), so it can both **generate** (draw y, then
x from its Gaussian) and **classify** with Bayes' rule, p(y | x) proportional to
p(x | y) p(y). Classifying this way is known as quadratic discriminant analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ClassGaussians:
    means: np.ndarray  # (K, D) mean feature vector of each class
    covariances: np.ndarray  # (K, D, D) covariance of each class
    priors: np.ndarray  # (K,) class frequencies p(y), summing to 1

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, *, ridge: float = 1e-6) -> ClassGaussians:
        """Maximum-likelihood fit to features x (N, D) and integer labels y (N,) in 0..K-1.

        `ridge` is added to each covariance's diagonal so that it stays invertible.
        """
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y)
        if x.ndim != 2:
            raise ValueError(f"x must be a 2D array (examples, features), got shape {x.shape}.")
        if y.shape != (len(x),):
            raise ValueError(f"y must hold one label per row of x: expected shape ({len(x)},), got {y.shape}.")
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
        x = self._check(x)
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
        if not 0 <= label < len(self.means):
            raise ValueError(f"label must be in 0..{len(self.means) - 1}, got {label}.")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n must be a whole number of at least 0, got {n!r}.")
        rng = np.random.default_rng(seed)
        return rng.multivariate_normal(self.means[label], self.covariances[label], size=n, method="cholesky")

    def _check(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.means.shape[1]:
            raise ValueError(f"x must have shape (N, {self.means.shape[1]}), got {x.shape}.")
        return x
