"""Parzen estimator maths: densities are normalised, samples follow them."""

import numpy as np
import pytest

from hpobench._math.parzen import fit_parzen, older_smaller_weights, scott_bandwidth


def _numeric(points, multivariate=True, **kw):
    points = np.asarray(points, dtype=float)
    return fit_parzen(points, np.ones(len(points)), np.zeros(points.shape[1], int), multivariate=multivariate, **kw)


def test_1d_density_integrates_to_one_on_the_unit_interval():
    est = _numeric([[0.02], [0.3], [0.31], [0.97]])
    grid = np.linspace(0, 1, 20001)[:, None]
    assert np.trapezoid(np.exp(est.log_pdf(grid)), grid[:, 0]) == pytest.approx(1.0, abs=1e-4)


def test_2d_joint_density_integrates_to_one():
    est = _numeric([[0.1, 0.9], [0.5, 0.5], [0.8, 0.2]])
    g = np.linspace(0, 1, 401)
    xx, yy = np.meshgrid(g, g, indexing="ij")
    dens = np.exp(est.log_pdf(np.column_stack([xx.ravel(), yy.ravel()]))).reshape(xx.shape)
    assert np.trapezoid(np.trapezoid(dens, g, axis=1), g) == pytest.approx(1.0, abs=1e-3)


def test_per_column_marginals_integrate_to_one():
    est = _numeric([[0.1, 0.9], [0.5, 0.5], [0.8, 0.2]], multivariate=False)
    g = np.linspace(0, 1, 20001)
    dens = np.exp(est.log_pdf(np.column_stack([g, g]), joint=False))
    assert np.trapezoid(dens, g, axis=0) == pytest.approx([1.0, 1.0], abs=1e-4)


def test_samples_follow_the_density():
    est = _numeric([[0.05], [0.2], [0.7]])
    x = est.sample(np.random.default_rng(0), 200_000)[:, 0]
    assert x.min() >= 0 and x.max() <= 1
    hist, edges = np.histogram(x, bins=20, range=(0, 1), density=True)
    mids = (edges[:-1] + edges[1:]) / 2
    assert hist == pytest.approx(np.exp(est.log_pdf(mids[:, None])), rel=0.05, abs=0.02)


def test_categorical_kernel_is_a_distribution_and_sampling_matches_it():
    n_choices = np.array([4])
    est = fit_parzen(np.array([[1.0], [1.0], [3.0]]), np.ones(3), n_choices, multivariate=True, top=0.8)
    probs = np.exp(est.log_pdf(np.arange(4.0)[:, None]))
    assert probs.sum() == pytest.approx(1.0)
    assert probs.argmax() == 1  # the choice seen twice is the most likely
    draws = est.sample(np.random.default_rng(1), 100_000)[:, 0]
    assert set(np.unique(draws)) <= {0.0, 1.0, 2.0, 3.0}
    assert np.bincount(draws.astype(int), minlength=4) / len(draws) == pytest.approx(probs, abs=0.01)


def test_prior_keeps_mass_everywhere_and_an_empty_estimator_is_the_prior():
    est = _numeric(np.empty((0, 1)))
    grid = np.linspace(0, 1, 11)[:, None]
    dens = np.exp(est.log_pdf(grid))
    assert dens.min() > 0.5 and dens.max() < 1.5  # a wide Gaussian truncated to [0, 1]


def test_scott_bandwidth_shrinks_with_more_points_and_respects_the_floor():
    rng = np.random.default_rng(0)
    few, many = rng.random((10, 1)), rng.random((1000, 1))
    b_few = scott_bandwidth(few, np.full(10, 0.1), 1, 0.01)
    b_many = scott_bandwidth(many, np.full(1000, 0.001), 1, 0.01)
    assert b_many[0] < b_few[0]
    same = np.full((5, 1), 0.3)
    assert scott_bandwidth(same, np.full(5, 0.2), 1, 0.01)[0] == 0.01


def test_older_smaller_weights_ramp_up_to_the_newest():
    assert np.all(older_smaller_weights(10) == 1)
    w = older_smaller_weights(40)
    assert len(w) == 40 and np.all(np.diff(w) >= 0) and w[0] == pytest.approx(1 / 40) and np.all(w[-25:] == 1)


def test_neighbour_bandwidth_is_the_larger_gap_with_inner_gaps_at_the_ends():
    from hpobench._math.parzen import neighbour_bandwidth

    points = np.array([[0.5], [0.1], [0.2], [0.9]])  # sorted: 0.1, 0.2, 0.5, 0.9
    widths = neighbour_bandwidth(points, floor=0.01)[:, 0]
    # 0.1 and 0.9 are the outermost: they take their inner gap (0.1 and 0.4).
    assert widths == pytest.approx([0.4, 0.1, 0.3, 0.4])
    assert neighbour_bandwidth(np.array([[0.3], [0.3], [0.3]]), floor=0.2)[:, 0] == pytest.approx([0.2, 0.2, 0.2])
