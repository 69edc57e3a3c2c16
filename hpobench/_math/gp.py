"""Gaussian-process regression on the unit cube with a Matérn-5/2 ARD kernel.

The model (Rasmussen & Williams, "Gaussian Processes for Machine Learning",
2006, ch. 2, 4 and 5): ``y = f(x) + eps`` with ``f ~ GP(0, k)``,
``eps ~ N(0, noise)`` and, with ``r^2 = sum_j ((x_j - x'_j) / l_j)^2``,

    k(x, x') = s * (1 + sqrt(5) r + 5/3 r^2) * exp(-sqrt(5) r).

Categorical inputs (``categorical``, a mask over the dimensions) enter
through the Hamming distance instead: their term of ``r^2`` is
``[x_j != x'_j] / l_j^2``, 0 at the same choice and ``1 / l_j^2`` at any
other, so no order is imposed on the choices. This is the weighted Hamming
kernel of Hutter, Hoos & Leyton-Brown ("Sequential Model-Based Optimization
for General Algorithm Configuration", LION 2011, sec. 4.1), also the overlap
kernel of Ru et al. ("Bayesian Optimisation over Multiple Continuous and
Categorical Inputs", ICML 2020), here inside the Matérn-5/2 as in Optuna's
GPSampler (``optuna/_gp/gp.py``, ``GPRegressor.kernel``). Integers stay
ordered numbers on their unit-cube cells. Without categoricals every
computation is the one of the all-continuous kernel, bit for bit.

Outputs are expected standardised (mean 0, variance 1). The hyperparameters
``theta = (log l_1..l_d, log s, log noise)`` maximise the log marginal
likelihood plus log priors (a MAP fit) with L-BFGS-B and analytic gradients.
The length-scale prior follows Hvarfner, Hellsten & Nardi, "Vanilla Bayesian
Optimization Performs Great in High Dimensions" (ICML 2024), as adopted by
BoTorch: ``log l ~ N(sqrt(2) + log(d) / 2, 3)``, a dimension-scaled
log-normal; ``log s ~ N(0, 1)`` keeps the signal variance near the
standardised data's. The noise variance has a Gamma(1.1, 30) prior (the
numbers of Optuna's GPSampler), as a density over the variance, so over
``log noise`` its log density is ``1.1 log noise - 30 noise``; a noiseless
function is fitted with small noise once the data ask for it, where
BoTorch's log-normal noise prior, N(-4, 1) in log noise, held the
noise near 1e-2 and blurred the last digits of Branin's optimum (median
regret after 50 evaluations 1e-4 instead of 1e-6). Hard bounds keep every
fit well conditioned.

``prior="optuna"`` takes Optuna's GPSampler's priors instead
(``optuna/_gp/prior.py``, ``default_log_prior``): with ``q = 1 / l^2``,
``log p(q) = -(0.1 / q + 0.1 q)`` per dimension, which is symmetric in
``log l`` around 0 and keeps every length scale near the unit cube's own
scale (a penalty of 10 at ``l = 10``), Gamma(2, 1) on the signal variance
and Gamma(1.1, 30) on the noise, each written as Optuna writes it: the log
density of the value, ``(a - 1) log v - b v``, added to a fit over ``log v``
without the Jacobian ``log v``. The difference matters: with the Jacobian
(as the default prior has it) the noise term is ``1.1 log v``, which costs
5 nats for going from noise 0.03 to 2e-4, and on a mixed-space run it held
the noise at 0.03 under the best trial, so the model smoothed it away
where Optuna's fit, on the same data, interpolated it with a short length
scale (docs/benchmarks-model-based.md). It is the prior for spaces with
integers or categoricals: there the dimension-scaled one, made for
continuous inputs whose distances grow as ``sqrt(d)``, let the fit declare
inputs irrelevant (length scales 10-50 on Hartmann-3 with five discrete
inputs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import LinAlgError
from scipy.linalg.lapack import dpotrf, dpotri, dpotrs, dtrtrs
from scipy.optimize import minimize

SQRT5 = math.sqrt(5.0)
MIN_NOISE = 1e-9  # noise floor; lower floors let the model resolve the last digits of smooth noiseless functions
_JITTERS = (0.0, 1e-8, 1e-6, 1e-4, 1e-2)
NOISE_PRIOR = (1.1, 30.0)  # Gamma(shape, rate) on the noise variance


def matern52(r2: np.ndarray, scale: float) -> np.ndarray:
    """The Matérn-5/2 kernel as a function of the squared scaled distance."""
    r = np.sqrt(np.maximum(r2, 0.0))
    return scale * (1.0 + SQRT5 * r + (5.0 / 3.0) * r2) * np.exp(-SQRT5 * r)


_SAME = 1e-9  # categorical coordinates closer than this are the same choice (they sit on exact cell centres)


def scaled_sq_dist(a: np.ndarray, b: np.ndarray, lengthscales: np.ndarray,
                   categorical: np.ndarray | None = None) -> np.ndarray:
    """Squared distances ``(len(a), len(b))`` after dividing each column by
    its length scale; ``categorical`` columns add their Hamming term instead."""
    if categorical is not None and categorical.any():
        num = ~categorical
        d2 = scaled_sq_dist(a[:, num], b[:, num], lengthscales[num]) if num.any() else 0.0
        for j in np.flatnonzero(categorical):
            d2 = d2 + (np.abs(a[:, j, None] - b[None, :, j]) > _SAME) / lengthscales[j] ** 2
        return d2
    a, b = a / lengthscales, b / lengthscales
    d2 = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2.0 * a @ b.T
    return np.maximum(d2, 0.0)


def coordinate_sq_diffs(x: np.ndarray, categorical: np.ndarray | None = None) -> np.ndarray:
    """``(d, n, n)`` squared coordinate differences of the rows of ``x``; a
    categorical coordinate gives 1 where the choices differ, 0 where they agree."""
    d2 = (x.T[:, :, None] - x.T[:, None, :]) ** 2
    if categorical is not None and categorical.any():
        d2[categorical] = d2[categorical] > _SAME**2
    return d2


# LAPACK is called directly: scipy.linalg's wrappers cost more than the maths at these sizes.


def safe_cholesky(k: np.ndarray) -> np.ndarray:
    """Lower Cholesky factor, adding diagonal jitter (up to 1e-2) only when needed."""
    diag = np.arange(len(k))
    for jitter in _JITTERS:
        kj = k.copy()
        kj[diag, diag] += jitter
        chol, info = dpotrf(kj, lower=1, clean=1)
        if info == 0:
            return chol
    raise LinAlgError("kernel matrix is not positive definite even with jitter 1e-2")


def chol_solve(chol: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``A^-1 b`` given the lower Cholesky factor of ``A``."""
    return dpotrs(chol, b, lower=1)[0]


def chol_inverse(chol: np.ndarray) -> np.ndarray:
    """``A^-1`` given the lower Cholesky factor of ``A``."""
    low = dpotri(chol, lower=1)[0]  # the lower triangle; the upper stays zero as in ``chol``
    return low + low.T - np.diag(np.diag(low))


def tri_solve(chol: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``L^-1 b`` for the lower triangular ``L``."""
    return dtrtrs(chol, b, lower=1)[0]


@dataclass(frozen=True)
class Hyper:
    """Kernel hyperparameters: per-dimension length scales, signal variance, noise variance."""

    lengthscales: np.ndarray
    scale: float
    noise: float

    def to_theta(self) -> np.ndarray:
        return np.log(np.concatenate([self.lengthscales, [self.scale, self.noise]]))

    @classmethod
    def from_theta(cls, theta: np.ndarray) -> Hyper:
        e = np.exp(theta)
        return cls(e[:-2], float(e[-2]), float(e[-1]))


def lengthscale_prior_loc(dim: int) -> float:
    """Mean of log length scale under the prior: sqrt(2) + log(d) / 2 (Hvarfner et al. 2024)."""
    return math.sqrt(2.0) + 0.5 * math.log(dim)


def default_start(dim: int) -> Hyper:
    """Where a fit starts without a previous one: length scale 1 in every
    dimension, the unit cube's own scale (Optuna's and scikit-learn's start).
    Starting at the priors' mode (length scales near 10 in 6-D) instead left
    the fit in a basin where most inputs look irrelevant, and BO stalled in
    Hartmann6's local minimum more often."""
    return Hyper(np.ones(dim), 1.0, 1e-3)


def fresh_starts(dim: int, prior: str = "hvarfner") -> list[Hyper]:
    """The starts of a fit made afresh: :func:`default_start`, and under
    Optuna's prior also length scale 0.2 with noise 1e-3. With that prior
    the posterior can have two modes, a smooth fit that calls the best trial
    noise and one that interpolates it with short length scales; on a
    mixed_hartmann run (seed 8, 60 trials) starts at length scale 1 all
    ended in the first and starts at 0.1-0.3 in the second, whose posterior
    was higher (the mode Optuna's own fit found on the same data)."""
    starts = [default_start(dim)]
    if prior == "optuna":
        starts.append(Hyper(np.full(dim, 0.2), 1.0, 1e-3))
    return starts


def _bounds(dim: int) -> list[tuple[float, float]]:
    ls = (math.log(1e-3), math.log(1e3))
    return [ls] * dim + [(math.log(1e-2), math.log(1e2)), (math.log(MIN_NOISE), 0.0)]


PRIORS = ("hvarfner", "optuna")  # the length-scale priors: dimension-scaled log-normal, Optuna's


def neg_log_posterior(theta: np.ndarray, d2: np.ndarray, y: np.ndarray,
                      prior: str = "hvarfner") -> tuple[float, np.ndarray]:
    """Negative log marginal likelihood minus log prior, and its gradient in ``theta``.

    Args:
        theta: ``(d + 2,)`` log length scales, log signal variance, log noise.
        d2: ``(d, n, n)`` squared coordinate differences of the inputs.
        y: ``(n,)`` standardised outputs.
        prior: the length-scale prior, one of ``PRIORS``.
    """
    dim, n = d2.shape[0], len(y)
    inv_l2 = np.exp(-2.0 * theta[:dim])
    scale, noise = math.exp(theta[dim]), math.exp(theta[dim + 1])
    r2 = np.tensordot(inv_l2, d2, axes=1)
    r = np.sqrt(r2)
    e = np.exp(-SQRT5 * r)
    kf = scale * (1.0 + SQRT5 * r + (5.0 / 3.0) * r2) * e
    try:
        chol = safe_cholesky(kf + noise * np.eye(n))
    except LinAlgError:
        return 1e10, np.zeros_like(theta)
    alpha = chol_solve(chol, y)
    nll = 0.5 * y @ alpha + np.log(np.diag(chol)).sum() + 0.5 * n * math.log(2 * math.pi)
    # dNLL/dtheta = 0.5 tr((K^-1 - alpha alpha^T) dK/dtheta)
    w = chol_inverse(chol) - np.outer(alpha, alpha)
    dk_dl = scale * (5.0 / 3.0) * (1.0 + SQRT5 * r) * e  # times d2_j / l_j^2 gives dK/dlog l_j
    grad = np.empty_like(theta)
    grad[:dim] = 0.5 * inv_l2 * np.tensordot(d2, w * dk_dl, axes=([1, 2], [0, 1]))
    grad[dim] = 0.5 * np.sum(w * kf)
    grad[dim + 1] = 0.5 * noise * np.trace(w)
    if prior == "optuna":  # -log p = 0.1 / q + 0.1 q with q = 1 / l^2 = exp(-2 log l)
        up, down = np.exp(2.0 * theta[:dim]), np.exp(-2.0 * theta[:dim])
        nll += 0.1 * float(np.sum(up + down))
        grad[:dim] += 0.2 * (up - down)
        # Optuna's Gamma(2, 1) on the signal and Gamma(1.1, 30) on the noise as Optuna writes them: the log
        # density of the variance itself, (a - 1) log v - b v, added to a fit over log v (no Jacobian term).
        nll -= theta[dim] - scale
        grad[dim] -= 1.0 - scale
        noise_power = NOISE_PRIOR[0] - 1.0
    else:
        # Log-normal priors on the length scales, log l ~ N(sqrt 2 + log(d)/2, 3), and the signal, log s ~ N(0, 1).
        mu = np.concatenate([np.full(dim, lengthscale_prior_loc(dim)), [0.0]])
        var = np.concatenate([np.full(dim, 3.0), [1.0]])
        nll += 0.5 * np.sum((theta[:-1] - mu) ** 2 / var)
        grad[:-1] += (theta[:-1] - mu) / var
        noise_power = NOISE_PRIOR[0]  # the Gamma density over log noise: a log(noise) - b noise
    nll -= noise_power * theta[-1] - NOISE_PRIOR[1] * noise
    grad[-1] -= noise_power - NOISE_PRIOR[1] * noise
    return float(nll), grad


def fit_hyper(x: np.ndarray, y: np.ndarray, starts: list[Hyper], max_iter: int = 50, gtol: float = 1e-2,
              categorical: np.ndarray | None = None, prior: str = "hvarfner") -> Hyper:
    """MAP hyperparameters from each start with L-BFGS-B; the best end wins.
    ``categorical`` marks the dimensions under the Hamming kernel; ``prior``
    is the length-scale prior (``PRIORS``)."""
    d2 = coordinate_sq_diffs(x, categorical)
    bounds = _bounds(x.shape[1])
    best, best_val = starts[0], math.inf
    for start in starts:
        theta0 = np.clip(start.to_theta(), [b[0] for b in bounds], [b[1] for b in bounds])
        res = minimize(neg_log_posterior, theta0, args=(d2, y, prior), jac=True, method="L-BFGS-B", bounds=bounds,
                       options={"maxiter": max_iter, "gtol": gtol})
        if np.isfinite(res.fun) and res.fun < best_val:
            best, best_val = Hyper.from_theta(res.x), res.fun
    return best


@dataclass(frozen=True)
class GaussianProcess:
    """A GP conditioned on data, ready to predict.

    Attributes:
        x: ``(n, d)`` inputs in the unit cube.
        y: ``(n,)`` standardised outputs.
        hyper: kernel hyperparameters.
        chol: lower Cholesky factor of ``K + noise I``.
        alpha: ``(K + noise I)^-1 y``.
        categorical: mask of the dimensions under the Hamming kernel, or None.
    """

    x: np.ndarray
    y: np.ndarray
    hyper: Hyper
    chol: np.ndarray
    alpha: np.ndarray
    categorical: np.ndarray | None = None

    @classmethod
    def condition(cls, x: np.ndarray, y: np.ndarray, hyper: Hyper, noise: np.ndarray | None = None,
                  categorical: np.ndarray | None = None) -> GaussianProcess:
        """Condition on ``(x, y)``; ``noise`` gives per-point noise variances (default: ``hyper.noise``)."""
        k = matern52(scaled_sq_dist(x, x, hyper.lengthscales, categorical), hyper.scale)
        k[np.diag_indices(len(x))] += hyper.noise if noise is None else noise
        chol = safe_cholesky(k)
        return cls(x, y, hyper, chol, chol_solve(chol, y), categorical)

    def predict(self, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of the latent ``f`` at rows ``xs``."""
        ks = matern52(scaled_sq_dist(xs, self.x, self.hyper.lengthscales, self.categorical), self.hyper.scale)
        mean = ks @ self.alpha
        v = tri_solve(self.chol, ks.T)
        var = np.maximum(self.hyper.scale - (v**2).sum(0), 1e-12)
        return mean, np.sqrt(var)

    def predict_grad(self, x: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
        """Mean, standard deviation and their gradients at one point ``x`` ``(d,)``
        (zero in categorical coordinates, where the kernel has no gradient)."""
        ls2 = self.hyper.lengthscales**2
        diff = x[None, :] - self.x  # (n, d)
        if self.categorical is not None and self.categorical.any():
            diff[:, self.categorical] = np.abs(diff[:, self.categorical]) > _SAME  # Hamming: 1 if another choice
        r2 = np.maximum((diff**2 / ls2).sum(1), 0.0)
        r = np.sqrt(r2)
        e = np.exp(-SQRT5 * r)
        ks = self.hyper.scale * (1.0 + SQRT5 * r + (5.0 / 3.0) * r2) * e
        dks = -(self.hyper.scale * (5.0 / 3.0) * (1.0 + SQRT5 * r) * e)[:, None] * diff / ls2  # (n, d)
        if self.categorical is not None:
            dks[:, self.categorical] = 0.0
        mean = float(ks @ self.alpha)
        dmean = self.alpha @ dks
        kinv_ks = chol_solve(self.chol, ks)
        var = max(self.hyper.scale - float(ks @ kinv_ks), 1e-12)
        std = math.sqrt(var)
        dstd = -(kinv_ks @ dks) / std
        return mean, std, dmean, dstd
