"""Successive halving: the synchronous bracket engine shared with Hyperband and BOHB."""

from __future__ import annotations

import math

import numpy as np
import pytest
from toy_tasks import MixedTask

from hpobench import Budget, Fidelity, Float, Result, Space, UserError, run
from hpobench.methods.successive_halving import SuccessiveHalving

SPACE = Space({"x": Float(0.0, 1.0)})
EPOCHS_1_TO_9 = Fidelity("epoch", 1, 9)  # eta=3: one bracket of 9 at 1, 3 at 3, 1 at 9


def make(fidelity=EPOCHS_1_TO_9, **settings) -> SuccessiveHalving:
    return SuccessiveHalving(SPACE, fidelity, np.random.default_rng(0), **settings)


def test_promotes_the_top_third_with_parents_and_same_configs():
    sh = make()
    first = [sh.ask() for _ in range(9)]
    assert [t.fidelity for t in first] == [1] * 9 and all(t.parent is None for t in first)
    losses = [5.0, 0.3, 7.0, 0.1, 9.0, 0.2, 4.0, 8.0, 6.0]  # best: trials 3, 5, 1
    for trial, loss in zip(reversed(first), reversed(losses)):  # telling order must not matter
        sh.tell(trial, Result(loss, 1.0))
    promoted = [sh.ask() for _ in range(3)]
    assert [t.parent for t in promoted] == [3, 5, 1]
    assert [t.fidelity for t in promoted] == [3, 3, 3]
    assert [t.config for t in promoted] == [first[3].config, first[5].config, first[1].config]
    for trial, loss in zip(promoted, [0.5, 0.05, 0.4]):
        sh.tell(trial, Result(loss, 3.0))
    final = sh.ask()
    assert (final.parent, final.fidelity, final.config) == (promoted[1].id, 9, first[5].config)


def test_ties_go_to_the_earlier_trial_and_failures_are_never_promoted():
    sh = make()
    first = [sh.ask() for _ in range(9)]
    losses = [2.0, math.nan, 1.0, math.inf, 1.0, 3.0, math.nan, math.nan, math.nan]
    for trial, loss in zip(first, losses):
        sh.tell(trial, Result(loss, 1.0))
    assert [sh.ask().parent for _ in range(3)] == [2, 4, 0]

    sh = make()
    first = [sh.ask() for _ in range(9)]
    for trial, loss in zip(first, [math.nan] * 8 + [1.0]):  # one success: only it goes on
        sh.tell(trial, Result(loss, 1.0))
    assert sh.ask().parent == 8
    assert sh.ask().parent is None  # the rung has no one else: a new bracket starts


def test_a_waiting_rung_starts_the_next_bracket_unless_wait():
    for wait, expected in ((False, (1, None)), (True, None)):
        sh = make(wait=wait)
        trials = [sh.ask() for _ in range(9)]
        for trial in trials[:8]:
            sh.tell(trial, Result(1.0, 1.0))
        nxt = sh.ask()  # one result missing: rung 0 cannot be promoted yet
        assert (nxt if nxt is None else (nxt.fidelity, nxt.parent)) == expected
        sh.tell(trials[8], Result(0.0, 1.0))
        assert sh.ask().parent == 8  # the old bracket goes first as soon as it can


def test_max_brackets_ends_the_method():
    sh = make(max_brackets=1)
    asked = 0
    while (trial := sh.ask()) is not None:
        sh.tell(trial, Result(trial.config["x"], 1.0))
        asked += 1
    assert asked == 9 + 3 + 1


def test_integer_fidelities_and_overrides():
    sh = make(Fidelity("z", 3, 100))  # s_max = 3: 27 at 100/27 -> 4
    assert sh.schedule()[0].r == (4, 11, 33, 100)
    assert all(isinstance(r, int) for r in sh.schedule()[0].r)
    sh = make(Fidelity("z", 3, 100), min_fidelity=12, max_fidelity=99)  # 99/12 < 9: s_max = 1
    assert sh.schedule()[0].r == (33, 99) and sh.schedule()[0].n == (3, 1)
    real = make(Fidelity("t", 0.5, 4.5, integer=False))  # 9 = 3^2: rungs 0.5, 1.5, 4.5 exactly
    assert real.schedule()[0].r == pytest.approx((0.5, 1.5, 4.5))


@pytest.mark.parametrize("settings", [{"eta": 1}, {"eta": "3"}, {"min_fidelity": 0.5}, {"max_fidelity": 10},
                                      {"min_fidelity": 5, "max_fidelity": 5}, {"min_fidelity": 2.5}])
def test_bad_settings_stop_early_with_a_user_error(settings):
    with pytest.raises(UserError):
        make(**settings)


def test_without_a_fidelity_the_runner_refuses_the_task():
    from hpobench.tasks.synthetic import Branin

    with pytest.raises(UserError, match="needs a task that supports"):
        run(SuccessiveHalving, Branin(), seed=0, budget=Budget(evals=5))


@pytest.mark.parametrize("checkpoint", [True, False])
def test_continuations_are_recorded_and_charged(checkpoint):
    out = run(SuccessiveHalving, MixedTask(checkpoint=checkpoint), seed=1, budget=Budget(evals=200), workers=4)
    records = {r["trial_id"]: r for r in out.records}
    promoted = [r for r in out.records if r["parent"] is not None]
    assert len(promoted) > 20
    used = 0.0
    for r in out.records:  # finishing order
        parent = records.get(r["parent"])
        if parent is not None:
            assert r["config"] == parent["config"] and r["fidelity"] > parent["fidelity"]
            assert parent["sim_end"] <= r["sim_start"]
            assert r["continued"] is checkpoint
        base = parent["fidelity"] if parent is not None and checkpoint else 0
        used += (r["fidelity"] - base) / 100
        assert r["budget_used"] == pytest.approx(used)


class OddCosts(MixedTask):
    """MixedTask with costs unrelated to fidelity, so finishing order changes with several workers."""

    def evaluate(self, trial, seed):
        result = super().evaluate(trial, seed)
        return Result(result.loss, float(seed % 97 + 1), result.test_loss, result.info)


@pytest.mark.parametrize("name", ["SuccessiveHalving", "Hyperband", "BOHB", "ASHA"])
def test_with_one_worker_results_do_not_depend_on_costs(name):
    from hpobench.methods.asha import ASHA
    from hpobench.methods.bohb import BOHB
    from hpobench.methods.hyperband import Hyperband

    method = {"SuccessiveHalving": SuccessiveHalving, "Hyperband": Hyperband, "BOHB": BOHB, "ASHA": ASHA}[name]

    def trials(task, workers):
        out = run(method, task, seed=5, budget=Budget(evals=150), workers=workers)
        return [(r["trial_id"], r["config"], r["fidelity"], r["parent"]) for r in out.records]

    assert trials(MixedTask(), 1) == trials(OddCosts(), 1)
    assert trials(MixedTask(), 4) != trials(OddCosts(), 4)  # with workers, timing matters (as it should)
