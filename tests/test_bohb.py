"""BOHB: Hyperband's schedule, configurations from the KDE model of the highest modelled fidelity."""

from __future__ import annotations

import numpy as np
import pytest
from toy_tasks import MixedTask

from hpobench import Budget, Fidelity, Float, Result, Space, run
from hpobench.methods.bohb import BOHB
from hpobench.methods.hyperband import Hyperband

SPACE = Space({"x": Float(0.0, 1.0), "y": Float(0.0, 1.0)})
FIDELITY = Fidelity("epoch", 1, 9)


def feed(bohb: BOHB, fidelity: float, n: int, rng: np.random.Generator, centre=(0.2, 0.7)) -> None:
    """Tell ``n`` results at ``fidelity`` with loss = squared distance to ``centre``."""
    for config in SPACE.sample(rng, n):
        bohb.observe(config, fidelity, (config["x"] - centre[0]) ** 2 + (config["y"] - centre[1]) ** 2)


def test_paper_defaults():
    bohb = BOHB(SPACE, FIDELITY, np.random.default_rng(0))
    assert (bohb.eta, bohb.top_n_percent, bohb.num_samples, bohb.bandwidth_factor, bohb.min_bandwidth) == (
        3, 15, 64, 3, 1e-3)
    assert bohb.random_fraction == pytest.approx(1 / 3)
    assert bohb.min_points == len(SPACE) + 1
    assert BOHB(SPACE, FIDELITY, np.random.default_rng(0), min_points_in_model=1).min_points == 3


def test_without_a_model_it_is_hyperband():
    # d = 5: a model needs n_good = 6 good and more than 5 bad results, so 12 at one fidelity. Until then
    # BOHB samples as Hyperband does (and draws no extra random number), so the first 12 trials are the same.
    a = run(BOHB, MixedTask(), seed=4, budget=Budget(evals=81 + 27), workers=1)
    b = run(Hyperband, MixedTask(), seed=4, budget=Budget(evals=81 + 27), workers=1)
    assert [r["config"] for r in a.records[:12]] == [r["config"] for r in b.records[:12]]
    assert a.records[12]["config"] != b.records[12]["config"]
    assert [r["fidelity"] for r in a.records] == [r["fidelity"] for r in b.records]  # same schedule


def test_models_the_highest_fidelity_with_enough_results():
    rng = np.random.default_rng(0)
    bohb = BOHB(SPACE, FIDELITY, np.random.default_rng(1))
    # d = 2: min_points = 3; n_good = max(3, 15% of N) and the bad set needs more than 2 points: N >= 6.
    feed(bohb, 1, 5, rng)
    assert bohb._model() is None
    feed(bohb, 1, 1, rng)
    good, bad = bohb._model()
    assert (len(good.data), len(bad.data)) == (3, 3)
    feed(bohb, 9, 5, rng)
    assert bohb._model()[0] is good  # fidelity 9 has too few: still fidelity 1's model, not refitted
    feed(bohb, 9, 1, rng)
    good9, _ = bohb._model()
    assert good9 is not good and set(bohb.models) == {1, 9}
    feed(bohb, 1, 40, rng)
    assert bohb._model()[0] is good9  # the highest fidelity wins, however many results lower ones have
    assert bohb.models[1][0] == 6  # fidelity 1's model is not refitted while it is not used


def test_model_based_configurations_concentrate_on_good_regions():
    rng = np.random.default_rng(0)
    bohb = BOHB(SPACE, FIDELITY, np.random.default_rng(1), random_fraction=0.0)
    feed(bohb, 1, 100, rng, centre=(0.4, 0.6))  # away from the edges, where the KDEs leak mass
    picks = np.array([[c["x"], c["y"]] for c in (bohb.sample(1) for _ in range(200))])
    distance = np.linalg.norm(picks - [0.4, 0.6], axis=1)
    # The top 15 % of uniform points lie within about sqrt(0.15 / pi) = 0.22 of the centre, and l/g is
    # high all over that disc: picks should spread over it (median distance 0.22 / sqrt(2) = 0.16), while
    # uniform points have a median distance of about 0.4.
    assert np.median(distance) < 0.2 and np.mean(distance < 0.3) > 0.9
    good, bad = bohb._model()
    n = 100
    assert len(good.data) == max(3, 15 * n // 100) and len(bad.data) == 85


def test_failures_are_bad_observations():
    rng = np.random.default_rng(0)
    bohb = BOHB(SPACE, FIDELITY, np.random.default_rng(1))
    feed(bohb, 1, 10, rng)
    trial = bohb.ask()  # the first trial of the first bracket, at fidelity 1
    bohb.tell(trial, Result(float("nan"), 1.0))
    assert bohb.results[1][1][-1] == np.inf
    bohb.observe({"x": 0.2, "y": 0.7}, 1, np.inf)
    good, _ = bohb._model()
    assert not any(np.allclose(row, [0.2, 0.7]) for row in good.data)


def test_categorical_and_integer_spaces_with_four_workers():
    out = run(BOHB, MixedTask(), seed=2, budget=Budget(evals=400), workers=4)
    assert len(out.records) == 400
    rng_free = run(BOHB, MixedTask(), seed=2, budget=Budget(evals=400), workers=4)
    assert [r["config"] for r in out.records] == [r["config"] for r in rng_free.records]  # deterministic
    late = [r for r in out.records[200:] if r["parent"] is None]
    good_kind = np.mean([r["config"]["kind"] == "b" for r in late])
    assert good_kind > 0.5  # kind="b" is best by 1.0; uniform sampling would pick it a third of the time
