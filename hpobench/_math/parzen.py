"""Parzen estimators (weighted kernel density estimators) on the unit cube.

TPE (Bergstra et al., "Algorithms for Hyper-Parameter Optimization", NeurIPS
2011) and BOHB (Falkner et al., ICML 2018) model the good and the bad
configurations with one Parzen estimator each. Following Watanabe, "Tree-
Structured Parzen Estimator: Understanding Its Algorithm Components and Their
Roles for Better Empirical Performance" (arXiv:2304.11127, 2023), an
estimator here is a weighted mixture of product kernels:

* numerical columns (Float and Int, already on the unit cube): a Gaussian
  truncated to ``[0, 1]``, as wide as the larger gap to its neighbours with
  the "magic clip" floor (Hyperopt's rule), or by Scott's rule;
* categorical columns (choice indices ``0 .. C-1``): the Aitchison-Aitken
  kernel, which keeps probability ``top`` on the observed choice and spreads
  the rest evenly over the other choices;
* one extra *prior* component: a wide Gaussian (centre 0.5, bandwidth 1) on
  numerical columns and the uniform distribution on categorical ones, so the
  estimator never rules out a region the data have not seen.

The same estimator serves the univariate TPE (each column its own mixture:
``joint=False``) and the multivariate TPE (one mixture over whole rows:
``joint=True``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
SCOTT_FACTOR = 1.059  # (4 / 3)^(1/5): Scott's rule for a Gaussian kernel


@dataclass(frozen=True)
class ParzenEstimator:
    """A weighted mixture of product kernels on the unit cube.

    Attributes:
        centres: ``(m, d)`` component centres; categorical columns hold
            choice indices.
        weights: ``(m,)`` mixture weights, summing to one.
        bandwidths: ``(m, d)`` Gaussian bandwidths (numerical columns only).
        n_choices: ``(d,)`` choices per column, 0 for numerical columns.
        top: ``(m, d)`` probability a categorical kernel keeps on its centre.
    """

    centres: np.ndarray
    weights: np.ndarray
    bandwidths: np.ndarray
    n_choices: np.ndarray
    top: np.ndarray

    def __post_init__(self) -> None:
        # Per-kernel constants of the truncated Gaussians, computed once: -log(h sqrt(2 pi) mass).
        num = self.n_choices == 0
        mu, h = self.centres[:, num], self.bandwidths[:, num]
        mass = ndtr((1 - mu) / h) - ndtr(-mu / h)  # >= ~0.5 since centres lie in [0, 1]
        object.__setattr__(self, "_log_norm", -np.log(h) - _LOG_SQRT_2PI - np.log(mass))

    def log_pdf(self, x: np.ndarray, joint: bool = True) -> np.ndarray:
        """Log density of rows ``x`` ``(n, d)``: ``(n,)`` for the joint
        mixture, or ``(n, d)`` per-column marginal mixtures when not ``joint``."""
        log_k = self._log_kernels(np.atleast_2d(x))  # (n, m, d)
        log_w = np.log(self.weights)
        if joint:
            return _logsumexp(log_w[None, :] + log_k.sum(axis=2), axis=1)
        return _logsumexp(log_w[None, :, None] + log_k, axis=1)

    def sample(self, rng: np.random.Generator, n: int, joint: bool = True) -> np.ndarray:
        """Draw ``n`` rows. ``joint``: one component per row (multivariate);
        otherwise a component per cell, so columns are independent."""
        m, d = self.centres.shape
        shape = (n,) if joint else (n, d)
        comp = rng.choice(m, size=shape, p=self.weights)
        comp = np.broadcast_to(comp[:, None], (n, d)) if joint else comp
        cols = np.arange(d)[None, :]
        mu, h, top = self.centres[comp, cols], self.bandwidths[comp, cols], self.top[comp, cols]
        u, r = rng.random((n, d)), rng.random((n, d))
        out = mu.copy()
        num = self.n_choices == 0
        # Numerical columns: inverse-CDF draws from the Gaussians truncated to [0, 1].
        m_, h_ = mu[:, num], h[:, num]
        lo, hi = ndtr(-m_ / h_), ndtr((1 - m_) / h_)
        out[:, num] = np.clip(m_ + h_ * ndtri(lo + u[:, num] * (hi - lo)), 0.0, 1.0)
        for j in np.flatnonzero(self.n_choices > 1):
            # Categorical: keep the centre with probability top, else a uniform other choice.
            c = int(self.n_choices[j])
            other = np.minimum((r[:, j] * (c - 1)).astype(np.int64), c - 2)
            other = other + (other >= mu[:, j])
            out[:, j] = np.where(u[:, j] < top[:, j], mu[:, j], other)
        out[:, self.n_choices == 1] = 0.0
        return out

    def _log_kernels(self, x: np.ndarray) -> np.ndarray:
        """Log kernel values ``(n, m, d)`` of every row under every component."""
        log_k = np.zeros((len(x), *self.centres.shape))
        num = self.n_choices == 0
        z = (x[:, None, num] - self.centres[None, :, num]) / self.bandwidths[None, :, num]
        log_k[:, :, num] = -0.5 * z**2 + self._log_norm[None, :, :]
        for j in np.flatnonzero(self.n_choices > 1):
            c = int(self.n_choices[j])
            top = self.top[None, :, j]
            same = x[:, None, j] == self.centres[None, :, j]
            log_k[:, :, j] = np.where(same, np.log(top), np.log((1 - top) / (c - 1)))
        return log_k  # a column with a single choice keeps log 1 = 0


def fit_parzen(
    points: np.ndarray,
    weights: np.ndarray,
    n_choices: np.ndarray,
    *,
    multivariate: bool,
    prior_weight: float = 1.0,
    min_bandwidth: float = 0.01,
    top: float = 0.8,
    bandwidth: str = "hyperopt",
) -> ParzenEstimator:
    """Build a Parzen estimator from weighted observations plus a prior component.

    Args:
        points: ``(n, d)`` observations: unit-cube values in numerical
            columns, choice indices in categorical ones. ``n`` may be 0.
        weights: ``(n,)`` non-negative observation weights.
        n_choices: ``(d,)`` choices per column, 0 for numerical columns.
        multivariate: use the multivariate Scott exponent ``-1/(d+4)``
            rather than the univariate ``-1/5``.
        prior_weight: weight of the prior component relative to an
            observation of weight 1 (Watanabe 2023: 1.0).
        min_bandwidth: the smallest bandwidth, as a fraction of the unit
            range (Watanabe 2023's minimum bandwidth factor, 0.01).
        top: the Aitchison-Aitken kernel's probability of the observed choice.
        bandwidth: ``"hyperopt"``: each kernel as wide as the larger gap to
            its neighbours, clipped below by the "magic clip" ``1 / min(100,
            n + 2)`` (Bergstra et al. 2011; Hyperopt; Optuna); ``"scott"``:
            one width per column by Scott's rule (Watanabe 2023, App. C),
            clipped below by ``min_bandwidth``.

    Returns:
        The estimator; its last component is the prior.
    """
    points = np.asarray(points, dtype=float).reshape(-1, len(n_choices))
    weights = np.asarray(weights, dtype=float)
    n, d = points.shape
    prior_centre = np.where(n_choices > 0, 0.0, 0.5)
    centres = np.vstack([points, prior_centre])
    all_w = np.append(weights, prior_weight)
    all_w = all_w / all_w.sum()
    if bandwidth == "scott":
        bw = np.broadcast_to(scott_bandwidth(centres, all_w, d if multivariate else 1, min_bandwidth), (n, d))
    elif bandwidth == "hyperopt":
        bw = neighbour_bandwidth(points, max(min_bandwidth, 1.0 / min(100.0, n + 2.0)))
    else:
        raise ValueError(f"unknown bandwidth rule {bandwidth!r}; use 'hyperopt' or 'scott'")
    bandwidths = np.vstack([bw, np.ones((1, d))])
    tops = np.full((n + 1, d), float(top))
    tops[n] = 1.0 / np.maximum(n_choices, 1)  # the prior is uniform over the choices
    return ParzenEstimator(centres, all_w, bandwidths, np.asarray(n_choices), tops)


def scott_bandwidth(points: np.ndarray, weights: np.ndarray, dim: int, min_bandwidth: float) -> np.ndarray:
    """Scott's rule per column, ``1.059 * sigma * n^(-1/(dim+4))``, clipped to ``[min_bandwidth, 1]``.

    ``sigma`` is the weighted standard deviation of ``points``, which include
    the prior's centre: a lone observation then still gets a finite width.
    """
    mean = weights @ points
    sigma = np.sqrt(np.maximum(weights @ (points - mean) ** 2, 0.0))
    n = len(points)
    return np.clip(SCOTT_FACTOR * sigma * n ** (-1.0 / (dim + 4)), min_bandwidth, 1.0)


def neighbour_bandwidth(points: np.ndarray, floor: float) -> np.ndarray:
    """Per-observation bandwidths ``(n, d)``: the larger of the gaps to the
    left and right neighbours in each column (the interval ends count as
    neighbours, except that the outermost points use their inner gap, as
    Optuna does without ``consider_endpoints``), clipped to ``[floor, 1]``."""
    n, d = points.shape
    if n == 0:
        return np.empty((0, d))
    order = np.argsort(points, axis=0, kind="stable")
    ranked = points[order, np.arange(d)]
    padded = np.vstack([np.zeros((1, d)), ranked, np.ones((1, d))])
    gaps = np.diff(padded, axis=0)  # (n + 1, d)
    widths = np.maximum(gaps[:-1], gaps[1:])
    if n >= 2:
        widths[0], widths[-1] = gaps[1], gaps[-2]
    out = np.empty_like(widths)
    out[order, np.arange(d)] = widths  # undo the sort, column by column
    return np.clip(out, floor, 1.0)


def _logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    """log(sum(exp(a))) along ``axis``; scipy's version costs more than the sum at these sizes."""
    top = a.max(axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    return np.log(np.exp(a - top).sum(axis=axis)) + np.squeeze(top, axis=axis)


def older_smaller_weights(n: int, flat: int = 25) -> np.ndarray:
    """Weights for ``n`` observations in time order: the newest ``flat`` get 1,
    older ones a linear ramp from ``1/n`` up to 1 (Optuna's default, the
    "older-smaller" weighting studied by Watanabe 2023)."""
    if n <= flat:
        return np.ones(n)
    return np.concatenate([np.linspace(1.0 / n, 1.0, n - flat), np.ones(flat)])
