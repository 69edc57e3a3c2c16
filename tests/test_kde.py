"""The product KDE behind BOHB: statsmodels' numbers, normalisation, sampling."""

from __future__ import annotations

import numpy as np
import pytest

from hpobench._math.kde import ProductKDE, normal_reference_bandwidth


def mixed_data():
    rng = np.random.default_rng(0)
    data = np.column_stack([rng.random(12), rng.random(12), rng.integers(0, 3, 12)]).astype(float)
    x = np.column_stack([rng.random(5), rng.random(5), rng.integers(0, 3, 5)]).astype(float)
    return data, x


def test_matches_statsmodels_kde_multivariate():
    # Reference values from statsmodels 0.15.0:
    # KDEMultivariate(data, var_type="ccu", bw="normal_reference").bw and .pdf(x).
    data, x = mixed_data()
    kde = ProductKDE(data, [0, 0, 3])
    assert kde.bandwidth == pytest.approx([0.2518892671395423, 0.2216017225736547, 0.47575337252724337], rel=1e-12)
    expected = [0.39340329053255746, 0.1651100259509544, 0.08817453037173323, 0.20221235634351223,
                0.31925852880131583]
    assert kde.pdf(x) == pytest.approx(expected, rel=1e-12)


def test_normal_reference_rule():
    data = np.array([[0.0], [0.5], [1.0]])
    assert normal_reference_bandwidth(data)[0] == pytest.approx(1.06 * np.std([0, 0.5, 1]) * 3 ** (-1 / 5))


def test_density_integrates_to_one():
    rng = np.random.default_rng(1)
    kde = ProductKDE(rng.random((20, 1)), [0])
    grid = np.linspace(-2, 3, 20001)
    assert np.trapezoid(kde.pdf(grid[:, None]), grid) == pytest.approx(1, abs=1e-6)
    # continuous x categorical: integrate over x, sum over the three choices
    data, _ = mixed_data()
    kde = ProductKDE(data[:, [0, 2]], [0, 3])
    total = sum(np.trapezoid(kde.pdf(np.column_stack([grid, np.full_like(grid, c)])), grid) for c in range(3))
    assert total == pytest.approx(1, abs=1e-6)


def test_equal_values_keep_the_minimum_bandwidth():
    kde = ProductKDE(np.array([[0.3, 1.0], [0.3, 1.0]]), [0, 2], min_bandwidth=1e-3)
    assert kde.bandwidth == pytest.approx([1e-3, 1e-3])
    peak = kde.pdf(np.array([[0.3, 1.0]]))[0]
    assert peak == pytest.approx((1 - 1e-3) / (np.sqrt(2 * np.pi) * 1e-3))
    assert kde.pdf(np.array([[0.3, 0.0]]))[0] == pytest.approx(1e-3 / (np.sqrt(2 * np.pi) * 1e-3))


def test_categorical_bandwidth_is_capped_at_uniform():
    kde = ProductKDE(np.array([[0.0], [2.0], [0.0], [2.0]]), [3])  # 1.06 * 1 * 4^-0.2 = 0.80 > 2/3
    assert kde.bandwidth[0] == pytest.approx(2 / 3)
    assert kde.pdf(np.array([[0.0], [1.0], [2.0]])) == pytest.approx([1 / 3] * 3)


def test_samples_stay_in_the_cube_and_near_the_data():
    data, _ = mixed_data()
    kde = ProductKDE(data, [0, 0, 3])
    rng = np.random.default_rng(2)
    samples = kde.sample(rng, 5000, bandwidth_factor=3)
    assert samples.shape == (5000, 3)
    assert np.all((samples[:, :2] >= 0) & (samples[:, :2] <= 1))
    assert set(np.unique(samples[:, 2])) <= {0.0, 1.0, 2.0}
    near_edge = ProductKDE(np.full((5, 1), 0.9995), [0])  # bandwidth 1e-3: truncation at 1 matters
    near = near_edge.sample(rng, 4000)
    assert np.all((near >= 0) & (near <= 1)) and np.all(np.abs(near - 0.9995) < 0.01)
    point = ProductKDE(np.full((5, 1), 0.5), [0])
    ratio = np.std(point.sample(rng, 4000, bandwidth_factor=3)) / np.std(point.sample(rng, 4000))
    assert ratio == pytest.approx(3, rel=0.1)


def test_sampling_is_deterministic_given_the_generator():
    data, _ = mixed_data()
    kde = ProductKDE(data, [0, 0, 3])
    a = kde.sample(np.random.default_rng(5), 64, 3)
    b = kde.sample(np.random.default_rng(5), 64, 3)
    assert np.array_equal(a, b)
