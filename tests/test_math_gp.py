"""GP regression and log expected improvement."""

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import check_grad
from scipy.stats import norm

from hpobench._math.acquisition import log_ei, log_ei_grad, log_h
from hpobench._math.gp import GaussianProcess, Hyper, default_start, fit_hyper, matern52, neg_log_posterior

FIXTURES = Path(__file__).parent / "fixtures"


def _data(n=12, d=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, d))
    y = np.sin(6 * x[:, 0]) + x[:, 1] ** 2
    return x, (y - y.mean()) / y.std()


def test_matern52_is_one_at_zero_distance_and_decays():
    r2 = np.array([0.0, 0.1, 1.0, 10.0])
    k = matern52(r2, 2.0)
    assert k[0] == pytest.approx(2.0)
    assert np.all(np.diff(k) < 0)


def test_posterior_interpolates_noiseless_data():
    x, y = _data()
    gp = GaussianProcess.condition(x, y, Hyper(np.array([0.3, 0.5]), 1.0, 1e-8))
    mean, std = gp.predict(x)
    assert mean == pytest.approx(y, abs=1e-4)
    assert np.all(std < 1e-3)
    far_mean, far_std = gp.predict(np.array([[5.0, 5.0]]))
    assert far_std[0] == pytest.approx(1.0, abs=1e-6) and abs(far_mean[0]) < 1e-6  # reverts to the prior


def test_marginal_likelihood_gradient_matches_finite_differences():
    x, y = _data(15, 3)
    d2 = (x.T[:, :, None] - x.T[:, None, :]) ** 2
    theta = np.log([0.4, 0.7, 1.3, 0.8, 1e-3])
    err = check_grad(lambda t: neg_log_posterior(t, d2, y)[0], lambda t: neg_log_posterior(t, d2, y)[1], theta)
    assert err < 1e-4 * max(1.0, np.abs(neg_log_posterior(theta, d2, y)[1]).max())


def test_optunas_length_scale_prior_has_exact_gradients_and_keeps_scales_near_one():
    x, y = _data(15, 3)
    d2 = (x.T[:, :, None] - x.T[:, None, :]) ** 2
    theta = np.log([0.4, 7.0, 1.3, 0.8, 1e-3])
    post = lambda t: neg_log_posterior(t, d2, y, "optuna")  # noqa: E731
    err = check_grad(lambda t: post(t)[0], lambda t: post(t)[1], theta)
    assert err < 1e-4 * max(1.0, np.abs(post(theta)[1]).max())
    # Moving one length scale from 1 to 10 costs 0.1 (l^2 + 1 / l^2) = 10.001 - 0.2 under Optuna's prior and
    # the log-normal's change under Hvarfner's (the signal and noise terms are the same at both points).
    far, near = theta.copy(), theta.copy()
    far[1], near[1] = math.log(10.0), 0.0
    prior_gap = [neg_log_posterior(t, d2, y, "optuna")[0] - neg_log_posterior(t, d2, y, "hvarfner")[0]
                 for t in (far, near)]
    mu = math.sqrt(2.0) + 0.5 * math.log(3.0)
    lognormal = 0.5 * ((math.log(10.0) - mu) ** 2 - mu**2) / 3.0
    assert prior_gap[0] - prior_gap[1] == pytest.approx(10.001 - 0.2 - lognormal)


def test_fit_finds_a_better_posterior_than_its_start_and_ignores_an_irrelevant_input():
    rng = np.random.default_rng(1)
    x = rng.random((40, 2))
    y = np.sin(8 * x[:, 0])  # the second input does not matter
    y = (y - y.mean()) / y.std()
    d2 = (x.T[:, :, None] - x.T[:, None, :]) ** 2
    start = default_start(2)
    hyper = fit_hyper(x, y, [start])
    assert neg_log_posterior(hyper.to_theta(), d2, y)[0] < neg_log_posterior(start.to_theta(), d2, y)[0]
    assert hyper.lengthscales[1] > 3 * hyper.lengthscales[0]


def test_predict_grad_matches_predict_and_finite_differences():
    x, y = _data()
    gp = GaussianProcess.condition(x, y, Hyper(np.array([0.3, 0.5]), 1.2, 1e-4))
    p = np.array([0.37, 0.61])
    mean, std, dmean, dstd = gp.predict_grad(p)
    m2, s2 = gp.predict(p[None, :])
    assert (mean, std) == pytest.approx((m2[0], s2[0]))
    eps = 1e-6
    for j in range(2):
        step = np.eye(2)[j] * eps
        mp, sp = gp.predict((p + step)[None, :])
        mm, sm = gp.predict((p - step)[None, :])
        assert dmean[j] == pytest.approx((mp[0] - mm[0]) / (2 * eps), rel=1e-4, abs=1e-6)
        assert dstd[j] == pytest.approx((sp[0] - sm[0]) / (2 * eps), rel=1e-4, abs=1e-6)


def test_many_near_duplicate_points_stay_stable_without_warnings():
    rng = np.random.default_rng(2)
    x = np.repeat(rng.random((25, 3)), 4, axis=0) + 1e-12 * rng.random((100, 3))
    y = rng.standard_normal(100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hyper = fit_hyper(x, y, [default_start(3)], max_iter=20)
        mean, std = GaussianProcess.condition(x, y, hyper).predict(rng.random((10, 3)))
    assert np.all(np.isfinite(mean)) and np.all(std > 0)


def test_log_ei_matches_the_log_of_direct_ei_where_that_is_stable():
    mean = np.array([0.0, 0.5, -0.3, 2.0, 4.0])
    std = np.array([1.0, 0.2, 0.7, 1.5, 0.9])
    best = 0.1
    z = (best - mean) / std
    direct = std * (norm.pdf(z) + z * norm.cdf(z))
    assert np.exp(log_ei(mean, std, best)) == pytest.approx(direct, rel=1e-9)


def test_log_h_is_finite_and_accurate_where_ei_underflows():
    z = np.array([-5.0, -20.0, -40.0, -100.0, -1e5, -1e10])
    values = log_h(z)
    assert np.all(np.isfinite(values)) and np.all(np.diff(values) < 0)
    with np.errstate(under="ignore"):
        assert norm.pdf(-40.0) - 40.0 * norm.cdf(-40.0) <= 1e-300  # direct EI is useless here
    # Mills-ratio asymptote: h(z) ~ phi(z) / z^2 for z -> -inf.
    asym = -0.5 * z[2:] ** 2 - 0.5 * math.log(2 * math.pi) - 2 * np.log(-z[2:])
    assert values[2:] == pytest.approx(asym, rel=1e-3)
    assert log_h(np.array([-5.0]))[0] == pytest.approx(math.log(norm.pdf(-5) - 5 * norm.cdf(-5)), rel=1e-8)


def test_log_h_is_continuous_across_its_branches():
    for edge in (-1.0, -1.0 / math.sqrt(np.finfo(float).eps)):
        left, right = log_h(np.array([edge * (1 + 1e-9), edge * (1 - 1e-9)]))
        assert left == pytest.approx(right, rel=1e-6)


def test_log_ei_grad_matches_finite_differences_of_the_posterior():
    x, y = _data()
    gp = GaussianProcess.condition(x, y, Hyper(np.array([0.3, 0.5]), 1.0, 1e-4))
    best = float(y.min())
    p = np.array([0.2, 0.8])
    value, grad = log_ei_grad(*gp.predict_grad(p), best)
    assert value == pytest.approx(log_ei(*gp.predict(p[None, :]), best)[0])
    eps = 1e-6
    for j in range(2):
        step = np.eye(2)[j] * eps
        hi = log_ei(*gp.predict((p + step)[None, :]), best)[0]
        lo = log_ei(*gp.predict((p - step)[None, :]), best)[0]
        assert grad[j] == pytest.approx((hi - lo) / (2 * eps), rel=1e-4, abs=1e-6)


def _mixed_points():
    """Rows (float, categorical cell centre of 4 choices): every choice at two float values."""
    centres = (np.arange(4) + 0.5) / 4
    return np.array([[f, c] for c in centres for f in (0.2, 0.7)])


def test_hamming_kernel_is_psd_one_at_the_same_choice_and_orders_no_choices():
    from hpobench._math.gp import scaled_sq_dist

    x, cat = _mixed_points(), np.array([False, True])
    k = matern52(scaled_sq_dist(x, x, np.array([0.5, 0.8]), cat), 1.0)
    assert np.linalg.eigvalsh(k).min() > -1e-12
    same = np.abs(x[:, None, 1] - x[None, :, 1]) < 1e-12
    plain = matern52(scaled_sq_dist(x[:, :1], x[:, :1], np.array([0.5])), 1.0)
    assert k[same] == pytest.approx(plain[same])  # the same choice: the float kernel alone
    at_02 = x[:, 0] == 0.2
    between = k[np.ix_(at_02, at_02)][~np.eye(4, dtype=bool)]  # same float, four different choices
    # any two different choices are equally far apart: no order is imposed
    assert between == pytest.approx(np.full(12, matern52(np.array([1 / 0.8**2]), 1.0)[0]))
    assert np.diag(k) == pytest.approx(np.ones(len(x)))


def test_marginal_likelihood_gradient_with_a_categorical_matches_finite_differences():
    from hpobench._math.gp import coordinate_sq_diffs

    rng = np.random.default_rng(3)
    x = np.column_stack([rng.random(16), (rng.integers(0, 4, 16) + 0.5) / 4])
    y = np.sin(5 * x[:, 0]) + (x[:, 1] > 0.5)
    y = (y - y.mean()) / y.std()
    d2 = coordinate_sq_diffs(x, np.array([False, True]))
    assert set(np.unique(d2[1])) <= {0.0, 1.0}
    theta = np.log([0.4, 0.9, 1.3, 1e-3])
    err = check_grad(lambda t: neg_log_posterior(t, d2, y)[0], lambda t: neg_log_posterior(t, d2, y)[1], theta)
    assert err < 1e-4 * max(1.0, np.abs(neg_log_posterior(theta, d2, y)[1]).max())


def test_predict_grad_with_a_categorical_is_exact_in_the_floats_and_zero_in_the_choice():
    x, cat = _mixed_points(), np.array([False, True])
    y = np.sin(4 * x[:, 0]) + x[:, 1]
    gp = GaussianProcess.condition(x, (y - y.mean()) / y.std(), Hyper(np.array([0.4, 0.7]), 1.1, 1e-4),
                                   categorical=cat)
    p = np.array([0.45, 0.625])
    mean, std, dmean, dstd = gp.predict_grad(p)
    m2, s2 = gp.predict(p[None, :])
    assert (mean, std) == pytest.approx((m2[0], s2[0]))
    assert dmean[1] == 0.0 and dstd[1] == 0.0
    eps = 1e-6
    mp, sp = gp.predict((p + np.array([eps, 0]))[None, :])
    mm, sm = gp.predict((p - np.array([eps, 0]))[None, :])
    assert dmean[0] == pytest.approx((mp[0] - mm[0]) / (2 * eps), rel=1e-4, abs=1e-6)
    assert dstd[0] == pytest.approx((sp[0] - sm[0]) / (2 * eps), rel=1e-4, abs=1e-6)


def test_under_optunas_prior_the_fresh_starts_find_the_fit_that_interpolates_the_best_trial():
    # The first 60 trials of a gp run on mixed_hartmann (seed 8, method.n_roulette=15, commit 25b3acf) whose
    # fifth trial was far better than the next 55; Optuna's own fit on these data interpolates it (noise 2.4e-4,
    # length scale 0.33 in x2). From length scale 1 alone the fit ends in the other mode, noise 0.026, smoothing it.
    from hpobench._math.gp import coordinate_sq_diffs, fresh_starts
    from hpobench.tasks.mixed_synthetic import MixedHartmann

    rows = [json.loads(line) for line in (FIXTURES / "mixed_hartmann_lucky_trial.jsonl").read_text().splitlines()]
    space = MixedHartmann().space
    x = space.encode([r["config"] for r in rows])
    y = np.array([r["loss"] for r in rows])
    y = (y - y.mean()) / y.std()
    cat = space.n_choices > 0
    d2 = coordinate_sq_diffs(x, cat)
    best = int(np.argmin(y))

    def fit(starts):
        hyper = fit_hyper(x, y, starts, categorical=cat, prior="optuna")
        mean = GaussianProcess.condition(x, y, hyper, categorical=cat).predict(x[best:best + 1])[0][0]
        return neg_log_posterior(hyper.to_theta(), d2, y, "optuna")[0], hyper, mean

    smooth, smooth_hyper, smooth_mean = fit([default_start(x.shape[1])])
    sharp, sharp_hyper, sharp_mean = fit(fresh_starts(x.shape[1], "optuna"))
    assert sharp < smooth - 1.0  # a clearly higher posterior
    assert sharp_hyper.noise < 1e-3 < 1e-2 < smooth_hyper.noise
    assert abs(sharp_mean - y[best]) < 0.05 < 0.3 < abs(smooth_mean - y[best])
    assert len(fresh_starts(x.shape[1], "hvarfner")) == 1  # all-Float spaces: unchanged
