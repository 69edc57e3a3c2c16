"""A product kernel density estimator on the unit cube, as BOHB uses it.

BOHB (Falkner, Klein & Hutter, ICML 2018) models good and bad configurations
with statsmodels' ``KDEMultivariate`` (Racine & Li's product kernels) and
normal-reference bandwidths. This is that estimator, written out:

* continuous dimensions (numbers on the unit cube): Gaussian kernels,
  ``K(x, X_i) = phi((x - X_i) / h) / h``, not truncated to [0, 1] (as in
  statsmodels, so the density integrates to 1 over the real line);
* categorical dimensions (a choice's index ``0..c-1``): Aitchison & Aitken
  (1976) kernels, ``K(x, X_i) = 1 - h`` if ``x == X_i`` else ``h / (c - 1)``;
* ``p(x) = 1/n sum_i prod_j K_j(x_j, X_ij)``;
* bandwidths by the normal reference rule, for every kind of dimension as in
  statsmodels: ``h_j = 1.06 sigma_j n^(-1 / (4 + d))`` with ``sigma_j`` the
  (population) standard deviation of column j; raised to ``min_bandwidth``
  (BOHB's 1e-3) so a column of equal values keeps some spread. A
  categorical bandwidth is also capped at ``(c - 1) / c``, where the kernel
  is uniform: beyond it the kernel would favour every value but the
  observed one, which is no smoothing (statsmodels leaves it uncapped).

Sampling follows HpBandSter's BOHB: pick a data point uniformly, then per
dimension draw a normal around it truncated to [0, 1] with the bandwidth
times ``bandwidth_factor`` (continuous), or keep its value with probability
``1 - h`` and otherwise draw a value uniformly (categorical).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import logsumexp
from scipy.stats import truncnorm

_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


def normal_reference_bandwidth(data: np.ndarray) -> np.ndarray:
    """``1.06 sigma n^(-1/(4+d))`` per column (statsmodels' ``normal_reference``)."""
    n, d = data.shape
    return 1.06 * data.std(axis=0) * n ** (-1.0 / (4 + d))


class ProductKDE:
    """Product-kernel density estimate of points in ``[0, 1]^d``.

    Args:
        data: ``(n, d)`` points; categorical columns hold choice indices.
        levels: per column, 0 for continuous or the number of choices ``c``.
        min_bandwidth: lower bound on every bandwidth (BOHB: 1e-3).
    """

    def __init__(self, data: np.ndarray, levels: Sequence[int], min_bandwidth: float = 1e-3):
        self.data = np.atleast_2d(np.asarray(data, dtype=float))
        self.levels = np.asarray(levels, dtype=int)
        if self.data.shape[1] != len(self.levels) or len(self.data) == 0:
            raise ValueError(f"data of shape {self.data.shape} does not fit {len(self.levels)} levels")
        self.categorical = self.levels > 0
        bandwidth = np.maximum(normal_reference_bandwidth(self.data), min_bandwidth)
        cap = np.where(self.categorical, (self.levels - 1) / np.maximum(self.levels, 1), np.inf)
        self.bandwidth = np.minimum(bandwidth, cap)

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        """Log density at the ``(m, d)`` points ``x``; returns shape ``(m,)``."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        log_k = np.zeros((len(x), len(self.data)))  # log prod_j K_j, point by data point
        for j, (h, c) in enumerate(zip(self.bandwidth, self.levels)):
            if c == 0:
                z = (x[:, j, None] - self.data[None, :, j]) / h
                log_k += -0.5 * z * z - np.log(h) - _LOG_SQRT_2PI
            elif c > 1:  # one choice only: the kernel is 1
                same = x[:, j, None] == self.data[None, :, j]
                log_k += np.where(same, np.log1p(-h), np.log(h / (c - 1)))
        return logsumexp(log_k, axis=1) - np.log(len(self.data))

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """Density at the ``(m, d)`` points ``x``."""
        return np.exp(self.logpdf(x))

    def sample(self, rng: np.random.Generator, size: int, bandwidth_factor: float = 1.0) -> np.ndarray:
        """``size`` points around the data, in ``[0, 1]`` (continuous) or ``0..c-1`` (categorical).

        Continuous bandwidths are widened by ``bandwidth_factor`` (BOHB: 3) to
        explore around good points; categorical ones are not, as in HpBandSter.
        """
        centres = self.data[rng.integers(len(self.data), size=size)]
        out = centres.copy()
        cont = ~self.categorical
        if cont.any():
            m = centres[:, cont]
            h = np.broadcast_to(self.bandwidth[cont] * bandwidth_factor, m.shape)
            out[:, cont] = truncnorm.rvs(-m / h, (1 - m) / h, loc=m, scale=h, random_state=rng)
        for j in np.flatnonzero(self.categorical):
            move = rng.random(size) < self.bandwidth[j]
            out[move, j] = rng.integers(self.levels[j], size=int(move.sum()))
        return out
