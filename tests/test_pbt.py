"""Population-based training: lineage, exploit, explore and the ablations."""

import itertools
from functools import partial

import pytest

from hpobench import Budget, Fidelity, Float, Result, Space, Task, UserError, run
from hpobench.analysis.lineage import plot_schedules, surviving_lineages
from hpobench.methods.pbt import PBT
from hpobench.storage import RunFolder
from hpobench.tasks.pbt_toy import PBTToy


class Line(Task):
    """loss = x at any fidelity; checkpoints supported; cost = fidelity trained."""

    space = Space({"x": Float(0.0, 1.0)})
    fidelity = Fidelity("epoch", 1, 100)
    supports = frozenset({"checkpoint"})

    def evaluate(self, trial, seed):
        return Result(trial.config["x"], 1.0)


def pbt_run(workers=1, **settings):
    out = run(partial(PBT, **settings), Line(), seed=0, budget=Budget(evals=10_000), workers=workers)
    return out, {r["trial_id"]: r for r in out.records}


def test_every_step_continues_a_finished_checkpoint_by_ready_units():
    out, by_id = pbt_run(population_size=4, ready=10)
    assert out.stop_reason == "method finished"
    for r in out.records:
        base = 0 if r["parent"] is None else by_id[r["parent"]]["fidelity"]
        assert r["fidelity"] == min(100, base + 10) and isinstance(r["fidelity"], int)
        assert r["continued"] == (r["parent"] is not None)
    assert sum(r["parent"] is None for r in out.records) == 4
    # every member ends at the maximum; a copy of a member further ahead skips the steps between
    assert sum(r["fidelity"] == 100 for r in out.records) == 4 and len(out.records) <= 4 * 10


def test_the_worst_member_copies_a_top_member_exactly_without_explore():
    out, _ = pbt_run(population_size=5, ready=25, explore=False)
    first = {r["trial_id"]: r for r in out.records if r["parent"] is None}
    worst = max(first.values(), key=lambda r: r["loss"])
    best = min(first.values(), key=lambda r: r["loss"])
    # quantile 0.2 of 5 members: the single worst copies the single best
    copies = [r for r in out.records if r["parent"] == best["trial_id"] and r["config"] == best["config"]]
    assert len(copies) == 2  # the best continues itself, and the worst took over its checkpoint
    assert worst["config"] not in [r["config"] for r in out.records if r["fidelity"] > 25]


def test_exploit_and_explore_improve_the_population():
    out, _ = pbt_run(population_size=8, ready=10)
    first = sorted(r["loss"] for r in out.records if r["fidelity"] == 10)
    last = sorted(r["loss"] for r in out.records if r["fidelity"] == 100)
    assert len(last) == 8 and sum(last) < 0.5 * sum(first)
    assert any(r["config"] not in [q["config"] for q in out.records if q["fidelity"] == 10] for r in out.records)


def test_explore_only_keeps_every_lineage_separate_and_perturbs_it():
    out, by_id = pbt_run(population_size=4, ready=20, exploit=False)

    def root(r):
        while r["parent"] is not None:
            r = by_id[r["parent"]]
        return r["trial_id"]

    for r in out.records:
        if r["parent"] is not None:
            assert root(r) == root(by_id[r["parent"]])
            assert r["config"] != by_id[r["parent"]]["config"]  # perturbed at every step


def test_exploit_only_never_invents_new_configurations():
    out, _ = pbt_run(population_size=6, ready=20, explore=False)
    initial = [r["config"] for r in out.records if r["parent"] is None]
    assert all(r["config"] in initial for r in out.records)


def test_asynchronous_workers_run_the_whole_population():
    out, by_id = pbt_run(workers=3, population_size=6, ready=25)
    assert out.stop_reason == "method finished" and len(out.records) == 6 * 4
    assert max(r["worker"] for r in out.records) == 2
    for r in out.records:
        if r["parent"] is not None:
            assert by_id[r["parent"]]["sim_end"] <= r["sim_start"]  # a checkpoint exists before it is used


class Uneven(Line):
    """As Line, but a step costs 1 + 5x: members finish their steps at different times."""

    def evaluate(self, trial, seed):
        return Result(trial.config["x"], 1.0 + 5 * trial.config["x"])


def test_synchronous_generations_rank_members_at_equal_fidelity():
    def steps(synchronous):
        method = partial(PBT, population_size=6, ready=20, synchronous=synchronous)
        return run(method, Uneven(), seed=0, budget=Budget(evals=10_000), workers=3).records

    records = steps(synchronous=True)
    by_id = {r["trial_id"]: r for r in records}
    assert len(records) == 6 * 5  # every member trains every generation: no copy skips one
    for r in records:
        base = 0 if r["parent"] is None else by_id[r["parent"]]["fidelity"]
        assert r["fidelity"] == base + 20
        previous = [q["sim_end"] for q in records if q["fidelity"] == r["fidelity"] - 20]
        assert all(end <= r["sim_start"] for end in previous)  # a generation starts when the last has finished
    # asynchronously, a member ready early is ranked against stale results: copies of members further
    # ahead skip the generations between, so fewer steps are trained
    assert len(steps(synchronous=False)) < len(records)


class Interrupted(Exception):
    pass


class DiesAtAsk(PBT):
    """PBT whose process 'is killed' at its 9th ask, with trials still running on the other workers."""

    def ask(self):
        self.asks = getattr(self, "asks", 0) + 1
        if self.asks == 9:
            raise Interrupted
        return super().ask()


@pytest.mark.parametrize("synchronous", [False, True])
def test_an_interrupted_run_resumes_to_the_uninterrupted_trials(tmp_path, synchronous):
    settings = dict(population_size=4, synchronous=synchronous)

    def trials(make_method, folder=None):
        out = run(partial(make_method, **settings), PBTToy(), seed=3, budget=Budget(fidelity=8), workers=3,
                  folder=folder)
        return [{k: v for k, v in r.items() if k not in ("wall_time", "optimizer_time")} for r in out.records]

    with pytest.raises(Interrupted):
        trials(DiesAtAsk, RunFolder(tmp_path / "run"))
    assert 0 < len((tmp_path / "run" / "trials.jsonl").read_text().splitlines()) < 40
    assert trials(PBT, RunFolder(tmp_path / "run")) == trials(PBT)


def test_initial_members_and_gaussian_perturbation_stay_in_the_space():
    start = [{"x": 0.0}, {"x": 1.0}]
    out, _ = pbt_run(population_size=3, ready=10, initial=start, perturbation="gaussian", noise_std=0.3)
    assert [r["config"] for r in out.records[:2]] == start
    assert all(0.0 <= r["config"]["x"] <= 1.0 for r in out.records)
    assert len({r["config"]["x"] for r in out.records}) > 3  # the noise moved the settings


def test_bad_initial_members_are_refused():
    with pytest.raises(UserError, match="outside the space"):
        pbt_run(initial=[{"x": 2.0}])
    with pytest.raises(UserError, match=r"raise method\.population_size"):
        pbt_run(population_size=1, initial=[{"x": 0.1}, {"x": 0.2}])


def test_lineages_follow_parents_back_from_every_surviving_member(tmp_path):
    out, _ = pbt_run(population_size=5, ready=20)
    chains = surviving_lineages(out.records)
    assert len(chains) == 5
    for chain in chains:
        assert chain[0]["parent"] is None and chain[-1]["fidelity"] == 100
        assert all(b["parent"] == a["trial_id"] for a, b in itertools.pairwise(chain))
        assert [r["fidelity"] for r in chain] == sorted({r["fidelity"] for r in chain})
    paths = plot_schedules(out.records, tmp_path)
    assert sorted(p.name for p in paths) == ["pbt-schedules.pdf", "pbt-schedules.png"]
    assert all(p.stat().st_size > 1000 for p in paths)
