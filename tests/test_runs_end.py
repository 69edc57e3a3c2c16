"""Runs that must end (issue 14, item 4; docs/reliability.md): a failed trial costs no simulated time, so a run
whose trials all fail would never reach a sim_time budget."""

from __future__ import annotations

import json
import math

import pytest

from hpobench import Budget, UserError, app, run
from hpobench.methods.random_search import RandomSearch
from hpobench.storage import RunFolder
from hpobench.tasks.synthetic import Branin, Hartmann3, Levy, MultiFidelityHartmann


@pytest.mark.parametrize("cost", [-1, -0.5, math.nan, math.inf, "1"])
@pytest.mark.parametrize("task", [Branin, Hartmann3, Levy, MultiFidelityHartmann])
def test_a_negative_or_non_finite_task_cost_is_refused(task, cost):
    with pytest.raises(UserError, match=r"task\.cost must be a finite number of simulated seconds >= 0"):
        task(cost=cost)


class AlwaysFails(Branin):
    def evaluate(self, trial, seed):
        raise RuntimeError("the data is gone")


def test_a_run_whose_trials_all_fail_stops_after_max_failed_in_a_row(tmp_path):
    folder = RunFolder(tmp_path / "run")
    out = run(RandomSearch, AlwaysFails(), seed=0, budget=Budget(sim_time=10.0, evals=20_000), folder=folder)
    assert len(out.records) == 100 and out.stop_reason.startswith("budget.max_failed_in_a_row (the last 100 trials")
    info = json.loads((folder.path / "run.json").read_text())
    assert info["stop_reason"] == out.stop_reason and info["status"] == "finished"
    summary = app.summary(out, {"method": "random", "task": "fails"}, 0, folder.path)
    assert "stopped: budget.max_failed_in_a_row (the last 100 trials all failed" in summary


def test_max_failed_in_a_row_is_a_setting_and_counts_only_failures_in_a_row():
    budget = Budget.from_config({"evals": None, "max_failed_in_a_row": 3}, {"evals": 50})
    assert budget.evals == 50 and budget.as_dict()["max_failed_in_a_row"] == 3
    assert "max_failed_in_a_row" not in Budget.from_config({"evals": 5}).as_dict()  # old runs keep their settings
    assert Budget.from_config({"evals": 5, "max_failed_in_a_row": None}).reached(1, 0, 0, 0, 10**6) is None
    with pytest.raises(UserError, match=r"budget\.max_failed_in_a_row must be a positive integer or null"):
        Budget.from_config({"evals": 5, "max_failed_in_a_row": 0})
    out = run(RandomSearch, AlwaysFails(), seed=0, budget=budget)
    assert len(out.records) == 3
