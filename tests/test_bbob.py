"""task=bbob: COCO's BBOB functions through ioh, checked against COCO's own cocoex."""

from __future__ import annotations

import numpy as np
import pytest

from hpobench import Budget, Trial, UserError, run
from hpobench.methods.random_search import RandomSearch

ioh = pytest.importorskip("ioh", reason="task=bbob needs the suites extra (pip install 'hpobench[suites]')")
cocoex = pytest.importorskip("cocoex", reason="the cocoex check needs coco-experiment (the test extra)")

from hpobench.tasks.bbob import BBOB  # noqa: E402


@pytest.fixture(scope="module")
def coco_suite():
    return cocoex.Suite("bbob", "", "")  # it must outlive its problems: cocoex frees them with it


@pytest.mark.parametrize("dim", [2, 10])
@pytest.mark.parametrize("function", range(1, 25))
def test_values_agree_with_coco_at_100_random_points(function, dim, coco_suite):
    instance = 1 + function % 5  # instances 1-5 across the functions
    task = BBOB(function=function, dim=dim, instance=instance)
    coco = coco_suite.get_problem_by_function_dimension_instance(function, dim, instance)
    points = np.random.default_rng(function * 100 + dim).uniform(-5, 5, size=(100, dim))
    ours = np.array([task.evaluate(Trial(i, dict(zip(task.space.names, x.tolist()))), 0).loss
                     for i, x in enumerate(points)])
    theirs = np.array([coco(x) for x in points])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-10)
    # The optimum ioh states is COCO's value at ioh's minimiser, and no random point lies below it.
    x_opt = np.asarray(task.problem.optimum.x)
    assert coco(x_opt) == pytest.approx(task.optimum, rel=1e-12, abs=1e-10)
    assert (ours >= task.optimum - 1e-9).all()


def test_space_is_the_coco_box_and_runs_record_exact_regret():
    task = BBOB(function=8, dim=3, instance=2)
    assert task.space.names == ("x0", "x1", "x2")
    assert all((p.low, p.high) == (-5.0, 5.0) for p in task.space.params.values())
    out = run(RandomSearch, task, seed=0, budget=Budget(evals=30))
    assert out.optimum == task.optimum
    assert all(r["cost"] == 1.0 for r in out.records)
    assert min(r["loss"] for r in out.records) > task.optimum


@pytest.mark.parametrize(("settings", "words"), [({"function": 25}, "1-24"), ({"dim": 0}, "task.dim"),
                                                 ({"instance": 1.5}, "task.instance")])
def test_bad_settings_are_one_clear_sentence(settings, words):
    with pytest.raises(UserError, match=words):
        _ = BBOB(**settings).space
