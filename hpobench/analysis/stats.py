"""Statistics for comparing methods: bands over seeds, ranks, Friedman, Nemenyi, Wilcoxon.

The Friedman test and the Nemenyi critical difference follow Demšar,
"Statistical Comparisons of Classifiers over Multiple Data Sets", JMLR 7
(2006), sections 3.2.2 and 3.2.2.1; scipy.stats supplies only the
distributions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

BANDS = ("sem", "iqr", "range")


def band(values: np.ndarray, kind: str = "sem") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre and band over the rows (seeds) of ``values``, per column.

    Args:
        values: (seeds, points). A column with any nan gives nan, so a curve
            starts only once every seed has a value.
        kind: ``"sem"``: mean and mean ± standard error (sample standard
            deviation / sqrt(seeds); zero width for one seed); ``"iqr"``:
            median and the 25th and 75th percentiles; ``"range"``: median, best
            and worst seed (for "is the worst seed still good?").

    Returns:
        (centre, low, high), each of shape (points,).
    """
    values = np.asarray(values, dtype=float)
    if kind == "sem":
        centre = values.mean(axis=0)
        n = values.shape[0]
        sem = values.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.zeros_like(centre)
        return centre, centre - sem, centre + sem
    if kind == "iqr":
        low, centre, high = np.percentile(values, [25, 50, 75], axis=0)
        return centre, low, high
    if kind == "range":
        return np.median(values, axis=0), values.min(axis=0), values.max(axis=0)
    raise ValueError(f"band must be one of {BANDS}, got {kind!r}")


def ranks(scores: np.ndarray) -> np.ndarray:
    """Rank the methods (columns) within each block (row); 1 is the lowest score.

    Ties share their average rank; a nan score gets a nan rank and the others
    are ranked among themselves.
    """
    return stats.rankdata(np.asarray(scores, dtype=float), axis=-1, nan_policy="omit")


@dataclass(frozen=True)
class Friedman:
    """The Friedman test of k methods over n blocks.

    Attributes:
        mean_ranks: the average rank of each method, (k,).
        statistic: Friedman's chi-square, corrected for ties.
        pvalue: from the chi-square distribution with k - 1 degrees of freedom.
        f_statistic: Iman and Davenport's less conservative F; nan when every
            block ranks the methods alike (F is then unbounded).
        f_pvalue: from the F distribution with (k - 1, (k - 1)(n - 1)) degrees
            of freedom; nan with ``f_statistic``.
        n: blocks.
        k: methods.
    """

    mean_ranks: np.ndarray
    statistic: float
    pvalue: float
    f_statistic: float
    f_pvalue: float
    n: int
    k: int


def friedman(scores: np.ndarray) -> Friedman:
    """Friedman's test that all methods (columns) perform alike over the blocks (rows).

    chi2 = 12 n / (k (k + 1)) * (sum_j R_j^2 - k (k + 1)^2 / 4) with R_j the
    average ranks (Demšar 2006, eq. 3), divided by 1 - sum(t^3 - t) /
    (n k (k^2 - 1)) over groups of t tied scores, as scipy.stats.
    friedmanchisquare does; F = (n - 1) chi2 / (n (k - 1) - chi2).

    Args:
        scores: (n blocks, k methods), lower is better, no nan.
    """
    scores = np.asarray(scores, dtype=float)
    n, k = scores.shape
    if n < 2 or k < 2 or np.isnan(scores).any():
        raise ValueError(f"Friedman's test needs at least 2 blocks and 2 methods without nan, got {n} x {k}.")
    r = ranks(scores)
    mean_ranks = r.mean(axis=0)
    chi2 = 12 * n / (k * (k + 1)) * (np.sum(mean_ranks**2) - k * (k + 1) ** 2 / 4)
    ties = sum(np.sum(counts**3 - counts) for counts in (np.unique(row, return_counts=True)[1] for row in scores))
    correction = 1 - ties / (n * k * (k * k - 1))
    chi2 = chi2 / correction if correction > 0 else 0.0  # every block all tied: no evidence of a difference
    denominator = n * (k - 1) - chi2
    f = (n - 1) * chi2 / denominator if denominator > 1e-12 else np.nan
    f_p = stats.f.sf(f, k - 1, (k - 1) * (n - 1)) if np.isfinite(f) else np.nan
    return Friedman(mean_ranks, float(chi2), float(stats.chi2.sf(chi2, k - 1)), float(f), float(f_p), n, k)


def nemenyi_q(k: int, alpha: float = 0.05) -> float:
    """Nemenyi's critical value q_alpha for k methods (Demšar 2006, table 5a).

    It is the studentized range quantile for k groups and infinite degrees of
    freedom, divided by sqrt(2): 1.960, 2.343, 2.569, ... for alpha = 0.05.
    """
    return float(stats.studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2))


def critical_difference(k: int, n: int, alpha: float = 0.05) -> float:
    """Nemenyi's critical difference of average ranks: q_alpha sqrt(k (k + 1) / (6 n))."""
    return nemenyi_q(k, alpha) * float(np.sqrt(k * (k + 1) / (6 * n)))


def cliques(mean_ranks: np.ndarray, cd: float) -> list[tuple[int, int]]:
    """Maximal groups of methods whose average ranks differ by less than ``cd``.

    Returns:
        (first, last) positions into the methods sorted by average rank, for
        each group of two or more that no other group contains: the bars of a
        critical-difference diagram.
    """
    order = np.sort(np.asarray(mean_ranks, dtype=float))
    groups: list[tuple[int, int]] = []
    for first in range(len(order)):
        last = int(np.searchsorted(order, order[first] + cd, side="left")) - 1
        if last > first and not (groups and groups[-1][1] >= last):
            groups.append((first, last))
    return groups


def wilcoxon_worse(losses: np.ndarray, best: np.ndarray) -> float:
    """p-value of the paired Wilcoxon signed-rank test that ``losses`` exceed ``best``.

    One-sided, because the question is whether a method is worse than the
    best one; with 5 seeds a two-sided exact test can never reach p < 0.05.
    Pairs are the same seeds. All differences zero, or fewer than two pairs,
    give p = 1.
    """
    diff = np.asarray(losses, dtype=float) - np.asarray(best, dtype=float)
    diff = diff[np.isfinite(diff)]
    if len(diff) < 2 or not np.any(diff):
        return 1.0
    return float(stats.wilcoxon(diff, alternative="greater").pvalue)
