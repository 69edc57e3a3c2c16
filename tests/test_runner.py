"""The runner: budgets, the simulated clock, failures, continuation and resume."""

from functools import partial

import numpy as np
import pytest
from toy_tasks import CostTask, FlakyTask, MixedTask

from hpobench import Budget, Method, Result, UserError, run
from hpobench.methods.grid_search import GridSearch
from hpobench.methods.random_search import RandomSearch
from hpobench.runner import Recording
from hpobench.storage import RunFolder
from hpobench.tasks.synthetic import Branin, MultiFidelityHartmann


class Scripted(Method):
    """Asks the trials in ``script``: tuples (config, fidelity, parent)."""

    def __init__(self, space, fidelity, rng, script=(), wait_for_all=False):
        super().__init__(space, fidelity, rng)
        self.script = list(script)
        self.told = []

    def ask(self):
        if not self.script:
            return None
        config, fidelity, parent = self.script.pop(0)
        return self.new_trial(config, fidelity, parent)

    def tell(self, trial, result):
        self.told.append(trial.id)


def strip_times(records):
    return [{k: v for k, v in r.items() if k not in ("wall_time", "optimizer_time")} for r in records]


def test_evals_budget_runs_exactly_that_many_trials():
    out = run(RandomSearch, Branin(), seed=0, budget=Budget(evals=37))
    assert len(out.records) == 37 and out.stop_reason == "budget.evals"
    assert [r["trial_id"] for r in out.records] == list(range(37))


def test_fidelity_budget_counts_full_fidelity_evaluations():
    out = run(RandomSearch, MultiFidelityHartmann(), seed=0, budget=Budget(fidelity=5))
    assert len(out.records) == 5 and out.stop_reason == "budget.fidelity"
    assert [r["budget_used"] for r in out.records] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert all(r["fidelity"] == 100 for r in out.records)


def test_sim_time_budget_stops_at_the_first_finish_past_the_limit():
    out = run(RandomSearch, Branin(cost=2.5), seed=0, budget=Budget(sim_time=10))
    assert [r["sim_end"] for r in out.records] == [2.5, 5.0, 7.5, 10.0]
    assert out.stop_reason == "budget.sim_time"


def test_wall_time_budget_stops_a_run_that_would_go_on():
    out = run(RandomSearch, Branin(), seed=0, budget=Budget(wall_time=0.2, evals=10**9))
    assert out.stop_reason == "budget.wall_time" and len(out.records) > 100


def test_the_first_budget_reached_wins():
    out = run(RandomSearch, Branin(cost=1.0), seed=0, budget=Budget(evals=50, sim_time=20))
    assert len(out.records) == 20 and out.stop_reason == "budget.sim_time"


def test_simulated_workers_finish_in_time_order_ties_first_in_first_out():
    # costs 5, 1, 3, 1, 2 on two workers
    script = [({"c": c}, None, None) for c in (5, 1, 3, 1, 2)]
    method = partial(Scripted, script=script)
    out = run(method, CostTask(), seed=0, budget=Budget(evals=5), workers=2)
    got = [(r["trial_id"], r["worker"], r["sim_start"], r["sim_end"]) for r in out.records]
    # t=0: 0 on w0 (ends 5), 1 on w1 (ends 1); t=1: 2 on w1 (ends 4); t=4: 3 on w1 (ends 5);
    # t=5: trial 0 and trial 3 both end; 0 started first so it finishes first; 4 starts on w0 at 5 (ends 7)
    assert got == [(1, 1, 0, 1), (2, 1, 1, 4), (0, 0, 0, 5), (3, 1, 4, 5), (4, 0, 5, 7)]


def test_a_method_is_asked_only_when_a_worker_is_free():
    asked_with_pending = []

    class Counting(RandomSearch):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self.pending = 0

        def ask(self):
            asked_with_pending.append(self.pending)
            self.pending += 1
            return super().ask()

        def tell(self, trial, result):
            self.pending -= 1

    run(Counting, Branin(), seed=0, budget=Budget(evals=40), workers=4)
    assert max(asked_with_pending) == 3 and asked_with_pending[:4] == [0, 1, 2, 3]


def test_workers_do_not_change_the_trials_of_random_search():
    one = run(RandomSearch, Branin(), seed=3, budget=Budget(evals=30))
    four = run(RandomSearch, Branin(), seed=3, budget=Budget(evals=30), workers=4)
    assert [r["config"] for r in one.records] == [r["config"] for r in four.records]
    assert four.records[-1]["sim_end"] == 30 / 4 + 0.5


def test_failures_are_recorded_and_the_run_goes_on():
    out = run(RandomSearch, FlakyTask(), seed=0, budget=Budget(evals=200))
    statuses = {r["status"] for r in out.records}
    assert len(out.records) == 200 and statuses == {"ok", "failed"}
    crashed = [r for r in out.records if r["config"]["x"] < 0.2]
    nans = [r for r in out.records if r["config"]["x"] > 0.8]
    assert crashed and all(r["error"] == "RuntimeError: simulated crash" and r["loss"] is None for r in crashed)
    assert nans and all("loss=nan" in r["error"] and r["status"] == "failed" for r in nans)
    assert out.best["status"] == "ok"


def test_continuation_spends_only_the_extra_fidelity_where_the_task_supports_it():
    config = {"x": 0.3, "lr": 0.01, "n": 7, "kind": "b", "depth": 2}
    script = [(config, 10, None), (config, 30, 0), (config, 100, 1)]
    with_checkpoint = run(partial(Scripted, script=list(script)), MixedTask(), seed=0, budget=Budget(evals=3))
    assert [r["continued"] for r in with_checkpoint.records] == [False, True, True]
    assert [r["budget_used"] for r in with_checkpoint.records] == pytest.approx([0.1, 0.3, 1.0])
    without = run(partial(Scripted, script=list(script)), MixedTask(checkpoint=False), seed=0, budget=Budget(evals=3))
    assert [r["continued"] for r in without.records] == [False, False, False]
    assert [r["budget_used"] for r in without.records] == pytest.approx([0.1, 0.4, 1.4])


def test_a_method_that_needs_fidelities_is_refused_on_a_black_box_task():
    class NeedsFidelity(RandomSearch):
        requires = frozenset({"fidelity"})

    with pytest.raises(UserError, match="needs a task that supports fidelity, which Branin does not"):
        run(NeedsFidelity, Branin(), seed=0, budget=Budget(evals=3))
    assert run(NeedsFidelity, MultiFidelityHartmann(), seed=0, budget=Budget(evals=3)).records


@pytest.mark.parametrize(
    ("script", "words"),
    [
        ([({"x1": 11.0, "x2": 1.0}, None, None)], "outside"),
        ([({"x1": 1.0}, None, None)], "keys"),
        ([({"x1": 1.0, "x2": 1.0}, 3, None)], "has no fidelity"),
        ([({"x1": 1.0, "x2": 1.0}, None, 7)], "not a finished trial"),
    ],
)
def test_invalid_trials_from_a_method_are_refused(script, words):
    with pytest.raises(RuntimeError, match=words):
        run(partial(Scripted, script=script), Branin(), seed=0, budget=Budget(evals=3))


def test_a_method_that_runs_out_ends_the_run():
    out = run(partial(GridSearch, resolution=3), Branin(), seed=0, budget=Budget(evals=100))
    assert len(out.records) == 9 and out.stop_reason == "method finished"


def test_evaluation_seeds_depend_on_run_seed_and_trial_id_only():
    a = run(RandomSearch, MixedTask(), seed=0, budget=Budget(evals=8), workers=1)
    b = run(RandomSearch, MixedTask(), seed=0, budget=Budget(evals=8), workers=3)
    c = run(RandomSearch, MixedTask(), seed=1, budget=Budget(evals=8))
    seeds = lambda out: {r["trial_id"]: r["info"]["seed"] for r in out.records}  # noqa: E731
    assert seeds(a) == seeds(b) and len(set(seeds(a).values())) == 8
    assert set(seeds(a).values()).isdisjoint(seeds(c).values())


def test_resume_replays_recorded_trials_and_continues(tmp_path):
    budget, cfg = Budget(evals=60), {"seed": 0}
    whole = run(RandomSearch, FlakyTask(), seed=0, budget=budget, workers=3,
                folder=Recording(RunFolder(tmp_path / "a"), config=cfg))
    folder = RunFolder(tmp_path / "b")
    run(RandomSearch, FlakyTask(), seed=0, budget=budget, workers=3, folder=Recording(folder, config=cfg))
    # simulate a kill: keep 23 trials and half of the 24th line, drop the done marker
    lines = folder.trials_path.read_text().splitlines(keepends=True)
    folder.trials_path.write_text("".join(lines[:23]) + lines[23][:40])
    (folder.path / "done").unlink()

    class NoRepeats(FlakyTask):
        def evaluate(self, trial, seed):
            assert trial.id not in {r["trial_id"] for r in whole.records[:23]}, "a recorded trial was evaluated again"
            return super().evaluate(trial, seed)

    resumed = run(RandomSearch, NoRepeats(), seed=0, budget=budget, workers=3,
                  folder=Recording(folder, config=cfg))
    assert resumed.replayed == 23
    assert strip_times(folder.read_trials()) == strip_times(whole.records) == strip_times(resumed.records)
    assert folder.read_info().resumed


class MeasuredTask(CostTask):
    """Costs that come out differently every time a trial is evaluated, as measured training times do."""

    cost_is_measured = True

    def __init__(self, offset: int):
        self.calls = offset

    def evaluate(self, trial, seed):
        self.calls += 1
        return Result(-float(trial.config["c"]), 1.0 + self.calls % 7 * 0.3)


@pytest.mark.parametrize(("kept", "offset"), [(4, 1), (4, 5), (9, 6)])  # each failed before the fix
def test_a_run_with_measured_costs_resumes_although_its_running_trials_now_take_other_times(tmp_path, kept, offset):
    budget = Budget(evals=20)
    folder = RunFolder(tmp_path / "run")
    run(RandomSearch, MeasuredTask(offset=0), seed=1, budget=budget, workers=3, folder=folder)
    lines = folder.trials_path.read_text().splitlines(keepends=True)
    folder.trials_path.write_text("".join(lines[:kept]))  # killed with three trials running
    (folder.path / "done").unlink()
    # The running trials are measured again, shorter or longer than before; some would finish before trials
    # that were recorded, and the replay must still retrace the record.
    resumed = run(RandomSearch, MeasuredTask(offset=offset), seed=1, budget=budget, workers=3, folder=folder)
    assert resumed.replayed == kept
    assert "".join(lines[:kept]) == "".join(folder.trials_path.read_text().splitlines(keepends=True)[:kept])
    assert sorted(r["trial_id"] for r in folder.read_trials()) == list(range(20))


def test_a_finished_run_is_skipped_and_another_config_is_refused(tmp_path):
    folder = RunFolder(tmp_path / "run")
    first = run(RandomSearch, Branin(), seed=0, budget=Budget(evals=5), folder=Recording(folder, config={"seed": 0}))
    again = run(RandomSearch, Branin(), seed=0, budget=Budget(evals=5), folder=Recording(folder, config={"seed": 0}))
    assert again.skipped and again.records == first.records
    before = folder.trials_path.read_bytes()
    with pytest.raises(UserError, match="holds a run with other settings"):
        run(RandomSearch, Branin(), seed=0, budget=Budget(evals=9),
            folder=Recording(folder, config={"seed": 0, "budget": 9}))
    assert folder.trials_path.read_bytes() == before


def test_resume_refuses_records_made_by_other_code(tmp_path):
    folder = RunFolder(tmp_path / "run")
    run(RandomSearch, Branin(), seed=0, budget=Budget(evals=5), folder=folder)
    (folder.path / "done").unlink()
    with pytest.raises(UserError, match="differ from this run at trial 0"):
        run(partial(GridSearch, resolution=3), Branin(), seed=0, budget=Budget(evals=5), folder=folder)


@pytest.mark.parametrize(
    ("given", "words"),
    [({}, "No budget is set"), ({"evals": 0}, "positive"), ({"evals": 2.5}, "whole number"),
     ({"sim_time": "1h"}, "positive"), ({"epochs": 3}, "Unknown budget key")],
)
def test_bad_budgets_are_refused(given, words):
    with pytest.raises(UserError, match=words):
        Budget.from_config(given)


def test_the_task_default_budget_applies_only_when_none_is_given():
    assert Budget.from_config({"evals": None}, {"evals": 100}) == Budget(evals=100)
    assert Budget.from_config({"sim_time": 50}, {"evals": 100}) == Budget(sim_time=50)


def test_bad_worker_counts_are_refused():
    for workers in (0, -1, 1.5, True):
        with pytest.raises(UserError, match="workers must be a positive integer"):
            run(RandomSearch, Branin(), seed=0, budget=Budget(evals=3), workers=workers)


def test_random_search_sequence_does_not_depend_on_its_block_size():
    small = run(partial(RandomSearch, block=7), Branin(), seed=5, budget=Budget(evals=30))
    large = run(RandomSearch, Branin(), seed=5, budget=Budget(evals=30))
    assert [r["config"] for r in small.records] == [r["config"] for r in large.records]
    rng = np.random.default_rng(np.random.SeedSequence(5, spawn_key=(0,)))
    assert large.records[0]["config"] == Branin().space.decode(rng.random((1, 2)))[0]


def test_a_sim_time_budget_keeps_every_trial_that_ends_at_the_limit_and_none_after():
    from hpobench.tasks.synthetic import Levy

    out = run(RandomSearch, Levy(), seed=0, budget=Budget(sim_time=100), workers=8)  # 8 trials end at each second
    ends = [r["sim_end"] for r in out.records]
    assert out.stop_reason == "budget.sim_time"
    assert ends.count(100.0) == 8 and max(ends) == 100.0 and len(ends) == 800


@pytest.mark.parametrize("workers", [1, 3])
def test_a_sim_time_budget_drops_the_trials_that_would_end_past_it(workers):
    out = run(RandomSearch, CostTask(), seed=0, budget=Budget(sim_time=20), workers=workers)
    ends = [r["sim_end"] for r in out.records]
    assert max(ends) <= 20 and out.stop_reason == "budget.sim_time"
    # the trials still running at the end would each have finished past the limit
    whole = run(RandomSearch, CostTask(), seed=0, budget=Budget(evals=len(ends) + workers), workers=workers)
    later = [r["sim_end"] for r in whole.records[len(ends):]]
    assert [r["trial_id"] for r in whole.records[:len(ends)]] == [r["trial_id"] for r in out.records]
    assert later and min(later) > 20


def test_a_run_killed_among_trials_that_end_at_the_sim_time_limit_resumes_to_the_same_trials(tmp_path):
    from hpobench.tasks.synthetic import Levy

    budget, cfg = Budget(sim_time=10), {"seed": 0}
    whole = run(RandomSearch, Levy(), seed=0, budget=budget, workers=4,
                folder=Recording(RunFolder(tmp_path / "a"), config=cfg))
    folder = RunFolder(tmp_path / "b")
    run(RandomSearch, Levy(), seed=0, budget=budget, workers=4, folder=Recording(folder, config=cfg))
    lines = folder.trials_path.read_text().splitlines(keepends=True)
    folder.trials_path.write_text("".join(lines[:-2]))  # killed between two of the trials that end at t = 10
    (folder.path / "done").unlink()
    resumed = run(RandomSearch, Levy(), seed=0, budget=budget, workers=4, folder=Recording(folder, config=cfg))
    assert resumed.replayed == len(whole.records) - 2
    assert strip_times(folder.read_trials()) == strip_times(whole.records) == strip_times(resumed.records)
    assert [r["sim_end"] for r in whole.records].count(10.0) == 4


def test_run_json_records_the_space_as_data(tmp_path):
    folder = RunFolder(tmp_path / "run")
    run(RandomSearch, Branin(), seed=0, budget=Budget(evals=3), folder=folder)
    assert folder.read_info().space == Branin().space.as_data() == [
        {"name": "x1", "kind": "float", "low": -5.0, "high": 10.0, "log": False},
        {"name": "x2", "kind": "float", "low": 0.0, "high": 15.0, "log": False}]
