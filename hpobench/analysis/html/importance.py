"""Hyperparameter importance by PED-ANOVA, from a run's trials alone.

PED-ANOVA (Watanabe, Bansal and Hutter, "PED-ANOVA: Efficiently Quantifying
Hyperparameter Importance in Arbitrary Subspaces", IJCAI 2023) scores a
hyperparameter by how much the distribution of its values among the best
configurations differs from their distribution in a larger region: the
Pearson divergence between the density of the top-γ' trials and that of the
top-γ trials (γ' < γ), each a one-dimensional Parzen estimator of that
parameter alone. A parameter that does not matter is spread alike in both
(divergence near 0); one that matters is concentrated among the best.

Defaults follow the paper and Optuna's ``PedAnovaImportanceEvaluator``:
target quantile γ' = 0.1, region quantile γ = 1.0 (all trials), densities
discretised on 50 steps of the unit interval. Numeric parameters are
encoded on the unit interval (logarithmically when log-scaled) and smoothed
with Gaussian kernels of Scott's bandwidth; categorical ones are histograms
smoothed with a uniform prior of weight one (an Aitchison-Aitken-like kernel).
Both estimators mix in that uniform prior, as Optuna's Parzen estimators do,
so a handful of trials cannot give an infinite ratio.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hpobench.analysis.html.space import ParamInfo

STEPS = 50  # grid points of a numeric density on [0, 1]
MIN_TOP = 2  # fewer top trials than this say nothing about a distribution


def ped_anova(params: Sequence[ParamInfo], columns: dict[str, list], losses: np.ndarray,
              target_quantile: float = 0.1, region_quantile: float = 1.0) -> dict[str, float]:
    """The importance of each parameter, normalised to sum to one (all zero when nothing stands out).

    Args:
        params: the parameters, with their kinds and scales.
        columns: name -> the parameter's value in every trial (same order as ``losses``).
        losses: the trials' losses; non-finite ones (failures) are left out.
        target_quantile: γ', the fraction of best trials whose distribution is compared.
        region_quantile: γ, the fraction of best trials it is compared against.

    Returns:
        name -> importance, in the order of ``params``; empty with fewer than
        ``MIN_TOP`` top trials.
    """
    if not 0 < target_quantile < region_quantile <= 1:
        raise ValueError("need 0 < target_quantile < region_quantile <= 1")
    losses = np.asarray(losses, dtype=float)
    finite = np.isfinite(losses)
    order = np.argsort(np.where(finite, losses, np.inf), kind="stable")[: int(finite.sum())]
    n_top = int(np.ceil(target_quantile * len(order)))
    n_region = int(np.ceil(region_quantile * len(order)))
    if n_top < MIN_TOP or n_region <= n_top:
        return {}
    top, region = order[:n_top], order[:n_region]
    raw = {}
    for p in params:
        x = p.encode(columns[p.name])
        density = _categorical if p.kind == "categorical" else _numeric
        q_top, q_region = density(x[top], p), density(x[region], p)
        raw[p.name] = float(np.sum(q_region * (q_top / q_region - 1.0) ** 2))  # Pearson divergence
    total = sum(raw.values())
    return {name: (value / total if total > 0 else 0.0) for name, value in raw.items()}


def _numeric(u: np.ndarray, p: ParamInfo) -> np.ndarray:
    """A Gaussian Parzen estimator on [0, 1] with a uniform prior of weight one, on ``STEPS`` points."""
    grid = np.linspace(0.0, 1.0, STEPS)
    n = len(u)
    sigma = float(np.std(u)) if n > 1 else 1.0
    bandwidth = max(1.059 * sigma * n ** (-0.2), 1.0 / STEPS)  # Scott's rule, at least one grid step
    kernels = np.exp(-0.5 * ((grid[None, :] - u[:, None]) / bandwidth) ** 2)
    kernels /= kernels.sum(axis=1, keepdims=True)  # each kernel truncated to the grid and normalised
    mass = kernels.sum(axis=0) + 1.0 / STEPS  # + the uniform prior, weight one
    return mass / mass.sum()


def _categorical(index: np.ndarray, p: ParamInfo) -> np.ndarray:
    """Counts of each choice with a uniform prior of weight one."""
    k = len(p.choices)
    counts = np.bincount(index.astype(int), minlength=k).astype(float) + 1.0 / k
    return counts / counts.sum()
