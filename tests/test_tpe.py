"""TPE: determinism, valid asks, pending trials, and a real improvement over random search."""

from functools import partial

import numpy as np
import pytest
from toy_tasks import BlackBoxMixedTask as MixedTask

from hpobench.budget import Budget
from hpobench.errors import UserError
from hpobench.methods.random_search import RandomSearch
from hpobench.methods.tpe import TPE
from hpobench.runner import method_rng, run
from hpobench.tasks.synthetic import Branin
from hpobench.trial import Result


def _configs(outcome):
    return [(r["trial_id"], r["config"]) for r in sorted(outcome.records, key=lambda r: r["trial_id"])]


@pytest.mark.parametrize("multivariate", [True, False])
def test_same_seed_gives_the_same_trials_and_another_seed_others(multivariate):
    make = partial(TPE, multivariate=multivariate)
    a = run(make, MixedTask(), seed=3, budget=Budget(evals=40))
    b = run(make, MixedTask(), seed=3, budget=Budget(evals=40))
    c = run(make, MixedTask(), seed=4, budget=Budget(evals=40))
    assert _configs(a) == _configs(b)
    assert _configs(a) != _configs(c)


@pytest.mark.parametrize("multivariate", [True, False])
def test_asks_stay_in_a_mixed_space_and_failures_do_not_crash_the_model(multivariate):
    task = MixedTask()
    outcome = run(partial(TPE, multivariate=multivariate), task, seed=0, budget=Budget(evals=80))
    assert len(outcome.records) == 80
    assert all(task.space.check(r["config"]) is None for r in outcome.records)
    failed = [r for r in outcome.records if r["status"] == "failed"]
    assert failed, "the task fails on one choice; random startup should hit it"
    # Failures count as bad: after the startup, the failing choice becomes rare.
    late = [r["config"]["act"] for r in outcome.records if r["trial_id"] >= 40]
    assert late.count("fail") <= len(late) // 4


def test_tpe_beats_random_search_on_branin_with_a_small_budget():
    task = Branin()
    tpe, rnd = [], []
    for seed in range(5):
        tpe.append(run(TPE, task, seed=seed, budget=Budget(evals=60)).best["loss"] - task.optimum)
        rnd.append(run(RandomSearch, task, seed=seed, budget=Budget(evals=60)).best["loss"] - task.optimum)
    assert np.median(tpe) < np.median(rnd) / 3


def test_pending_trials_count_as_bad_and_are_not_asked_again():
    task = Branin()
    method = TPE(task.space, None, method_rng(0), n_startup=5)
    for _ in range(5):
        trial = method.ask()
        method.tell(trial, Result(Branin.function([trial.config["x1"], trial.config["x2"]]), 1.0))
    pending = [method.ask() for _ in range(8)]  # nothing told: each ask must see the others as pending
    points = method.space.encode([t.config for t in pending])
    gaps = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)[np.triu_indices(8, 1)]
    assert gaps.min() > 1e-6


def test_four_workers_run_to_the_budget_without_repeating_a_config():
    task = MixedTask()
    outcome = run(TPE, task, seed=1, budget=Budget(evals=60), workers=4)
    assert len(outcome.records) == 60
    assert len({r["trial_id"] for r in outcome.records}) == 60
    assert len({tuple(sorted(r["config"].items())) for r in outcome.records}) >= 55  # discrete dims may collide
    assert max(r["worker"] for r in outcome.records) == 3


def test_all_failures_still_give_valid_asks():
    class AlwaysFails(Branin):
        def evaluate(self, trial, seed):
            return Result(float("nan"), 1.0)

    outcome = run(TPE, AlwaysFails(), seed=0, budget=Budget(evals=20))
    assert len(outcome.records) == 20 and all(r["status"] == "failed" for r in outcome.records)


def test_bad_settings_stop_early_with_a_user_error():
    for bad in ({"gamma": 0.0}, {"n_candidates": 0}, {"bandwidth": "silverman"}, {"categorical_top": 1.0}):
        with pytest.raises(UserError, match="method"):
            TPE(Branin().space, None, method_rng(0), **bad)
