"""Log expected improvement, stable where expected improvement underflows.

For minimisation with incumbent ``best`` and a Gaussian posterior ``N(mu,
sigma^2)``, EI = sigma * h(z) with z = (best - mu) / sigma and
h(z) = phi(z) + z Phi(z). Following Ament et al., "Unexpected Improvements to
Expected Improvement for Bayesian Optimization" (NeurIPS 2023, eq. 9), log h
is computed directly for z > -1 and, below, as

    log h(z) = -z^2/2 - log(2 pi)/2 + log1mexp(log(erfcx(-z/sqrt 2) |z|) + log(pi/2)/2),

with erfcx the scaled complementary error function; far in the tail
(z < -1/sqrt(eps)) the asymptote -z^2/2 - log(2 pi)/2 - 2 log|z| is used.
EI itself is 0 in float64 once z < about -38; log EI stays finite and keeps
a useful gradient there.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erfcx, log_ndtr, ndtr

_C1 = 0.5 * math.log(2 * math.pi)
_C2 = 0.5 * math.log(math.pi / 2)
_TAIL = -1.0 / math.sqrt(np.finfo(float).eps)


def log1mexp(x: np.ndarray) -> np.ndarray:
    """log(1 - exp(x)) for x < 0, accurate on both sides of -log 2 (Mächler 2012)."""
    x = np.asarray(x, dtype=float)
    near = x > -math.log(2.0)
    out = np.empty_like(x)
    out[near] = np.log(-np.expm1(x[near]))
    out[~near] = np.log1p(-np.exp(x[~near]))
    return out


def log_h(z: np.ndarray) -> np.ndarray:
    """log(phi(z) + z Phi(z)), finite for every finite z."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    upper = z > -1.0
    zu = z[upper]
    out[upper] = np.log(np.exp(-0.5 * zu**2 - _C1) + zu * ndtr(zu))
    mid = ~upper & (z >= _TAIL)
    zm = z[mid]
    out[mid] = -0.5 * zm**2 - _C1 + log1mexp(np.log(erfcx(-zm / math.sqrt(2.0)) * np.abs(zm)) + _C2)
    tail = z < _TAIL
    out[tail] = -0.5 * z[tail] ** 2 - _C1 - 2.0 * np.log(np.abs(z[tail]))
    return out


def log_ei(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    """Log expected improvement below ``best`` (minimisation)."""
    std = np.asarray(std, dtype=float)
    return np.log(std) + log_h((best - np.asarray(mean)) / std)


def log_ei_grad(mean: float, std: float, dmean: np.ndarray, dstd: np.ndarray, best: float) -> tuple[float, np.ndarray]:
    """Log EI at one point and its gradient, from the posterior's gradients.

    d log h / dz = Phi(z) / h(z), computed in logs so it is stable in the tail.
    """
    z = (best - mean) / std
    lh = float(log_h(np.array([z]))[0])
    dlh_dz = math.exp(float(log_ndtr(z)) - lh)
    dz = -(dmean + z * dstd) / std
    return math.log(std) + lh, dstd / std + dlh_dz * dz
