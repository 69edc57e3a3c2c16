"""Bands, ranks, Friedman, Nemenyi and Wilcoxon against hand computations and published tables."""

import numpy as np
import pytest
from scipy.stats import friedmanchisquare

from hpobench.analysis import stats


def test_sem_band():
    values = np.array([[1.0, 2.0], [3.0, 2.0], [5.0, 2.0]])
    centre, low, high = stats.band(values, "sem")
    np.testing.assert_allclose(centre, [3.0, 2.0])
    np.testing.assert_allclose(high - centre, [2.0 / np.sqrt(3), 0.0])  # sd 2, three seeds
    np.testing.assert_allclose(centre - low, high - centre)


def test_iqr_band_and_nan_until_every_seed_has_a_value():
    values = np.array([[1.0, np.nan], [2.0, 1.0], [3.0, 1.0], [4.0, 1.0], [5.0, 1.0]])
    centre, low, high = stats.band(values, "iqr")
    np.testing.assert_allclose([centre[0], low[0], high[0]], [3.0, 2.0, 4.0])
    assert np.isnan(centre[1]) and np.isnan(stats.band(values, "sem")[0][1])


def test_range_band_is_median_best_and_worst_seed():
    values = np.array([[4.0, 0.5], [1.0, 0.2], [9.0, 0.1], [2.0, 0.3]])
    centre, low, high = stats.band(values, "range")
    np.testing.assert_allclose(centre, [3.0, 0.25])
    np.testing.assert_allclose(low, [1.0, 0.1])
    np.testing.assert_allclose(high, [9.0, 0.5])


def test_ranks_share_ties_and_skip_nan():
    ranks = stats.ranks(np.array([[0.3, 0.1, 0.2], [1.0, 1.0, 0.0], [np.nan, 2.0, 1.0]]))
    np.testing.assert_array_equal(ranks[:2], [[3, 1, 2], [2.5, 2.5, 1]])
    np.testing.assert_array_equal(ranks[2], [np.nan, 2, 1])


def test_friedman_by_hand():
    # three blocks that all rank the methods 1, 2, 3: chi2 = 12*3/(3*4) * (1 + 4 + 9 - 3*16/4) = 6
    scores = np.array([[1.0, 2.0, 3.0], [0.1, 0.5, 0.9], [10.0, 20.0, 30.0]])
    result = stats.friedman(scores)
    np.testing.assert_array_equal(result.mean_ranks, [1, 2, 3])
    assert result.statistic == pytest.approx(6.0)
    assert result.pvalue == pytest.approx(np.exp(-3.0))  # chi-square with 2 degrees of freedom
    assert np.isnan(result.f_statistic)  # perfect agreement: Iman-Davenport's F is unbounded


@pytest.mark.parametrize("ties", [False, True])
def test_friedman_matches_scipy(ties):
    rng = np.random.default_rng(4)
    scores = rng.normal(size=(12, 5)) + np.arange(5) * 0.3
    if ties:
        scores = np.round(scores)
    result = stats.friedman(scores)
    reference = friedmanchisquare(*scores.T)
    assert result.statistic == pytest.approx(reference.statistic)
    assert result.pvalue == pytest.approx(reference.pvalue)
    n, k = scores.shape
    f = (n - 1) * result.statistic / (n * (k - 1) - result.statistic)
    assert result.f_statistic == pytest.approx(f)


# Demšar (2006), table 5: critical values of the two-tailed Nemenyi test
Q_005 = [1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164]
Q_010 = [1.645, 2.052, 2.291, 2.459, 2.589, 2.693, 2.780, 2.855, 2.920]


@pytest.mark.parametrize("k", range(2, 11))
def test_nemenyi_q_matches_demsar_table(k):
    assert stats.nemenyi_q(k, 0.05) == pytest.approx(Q_005[k - 2], abs=1e-3)
    assert stats.nemenyi_q(k, 0.10) == pytest.approx(Q_010[k - 2], abs=1e-3)


def test_critical_difference_of_demsars_example():
    # Demšar's section 3.2.4: four classifiers on 14 data sets, CD = 2.569 sqrt(4*5/(6*14)) = 1.25
    assert stats.critical_difference(4, 14) == pytest.approx(1.25, abs=0.005)


def test_cliques_join_methods_closer_than_the_critical_difference():
    assert stats.cliques(np.array([3.2, 1.0, 3.0, 1.5]), cd=1.0) == [(0, 1), (2, 3)]
    assert stats.cliques(np.array([1.0, 2.0, 3.0]), cd=1.5) == [(0, 1), (1, 2)]
    assert stats.cliques(np.array([1.0, 2.0, 3.0]), cd=0.5) == []


def test_wilcoxon_one_sided():
    worse = np.array([2.0, 3.0, 4.0, 5.0, 6.0])
    best = np.array([1.0, 1.0, 1.0, 1.0, 1.0])
    assert stats.wilcoxon_worse(worse, best) == pytest.approx(1 / 32)  # all five pairs worse: exact 2^-5
    assert stats.wilcoxon_worse(best, worse) > 0.5
    assert stats.wilcoxon_worse(best, best) == 1.0
    assert stats.wilcoxon_worse(np.array([2.0]), np.array([1.0])) == 1.0
