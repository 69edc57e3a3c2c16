"""ASHA's promotion rule on small hand-made cases, and asynchronous runs."""

from __future__ import annotations

import itertools
import math

import numpy as np
from toy_tasks import MixedTask

from hpobench import Budget, Fidelity, Float, Result, Space, run
from hpobench.methods.asha import ASHA

SPACE = Space({"x": Float(0.0, 1.0)})


def make(**settings) -> ASHA:
    return ASHA(SPACE, Fidelity("epoch", 1, 9), np.random.default_rng(0), **settings)  # rungs 1, 3, 9


def test_rungs_are_the_most_exploratory_brackets():
    assert make().rungs == (1, 3, 9)
    assert ASHA(SPACE, Fidelity("z", 3, 100), np.random.default_rng(0)).rungs == (4, 11, 33, 100)


def test_promotes_the_top_third_of_finished_trials_without_waiting():
    asha = make()
    t0, t1, t2 = (asha.ask() for _ in range(3))
    assert [t.fidelity for t in (t0, t1, t2)] == [1, 1, 1]
    asha.tell(t0, Result(3.0, 1))
    asha.tell(t1, Result(1.0, 1))
    t3 = asha.ask()  # two finished: floor(2/3) = 0, nothing to promote; t2 still runs, no waiting
    assert (t3.fidelity, t3.parent) == (1, None)
    asha.tell(t2, Result(2.0, 1))
    p1 = asha.ask()  # three finished: the top one (t1) goes up
    assert (p1.fidelity, p1.parent, p1.config) == (3, t1.id, t1.config)
    t4 = asha.ask()  # t1 was promoted already: a new configuration
    assert (t4.fidelity, t4.parent) == (1, None)
    asha.tell(t3, Result(0.5, 1))  # four finished, top 1 is t3 now, not promoted yet
    p2 = asha.ask()
    assert (p2.fidelity, p2.parent) == (3, t3.id)
    asha.tell(t4, Result(9.0, 1))
    t5 = asha.ask()  # five finished, top 1 = t3, promoted: new
    assert t5.parent is None
    asha.tell(t5, Result(0.7, 1))  # six: top 2 = t3, t5 (t1 is third) -> t5 goes up
    assert asha.ask().parent == t5.id


def test_higher_rungs_are_promoted_first():
    asha = make()
    base = [asha.ask() for _ in range(9)]
    for i, t in enumerate(base):
        asha.tell(t, Result(float(i), 1))
    # nine finished at rung 0: top 3 = trials 0, 1, 2, promoted in order of loss
    mids = [asha.ask() for _ in range(3)]
    assert [(t.fidelity, t.parent) for t in mids] == [(3, 0), (3, 1), (3, 2)]
    for t, loss in zip(mids, [0.3, 0.1, 0.2]):
        asha.tell(t, Result(loss, 3))
    top = asha.ask()  # rung 1 has three finished: its best (the continuation of trial 1) reaches 9
    assert (top.fidelity, top.parent) == (9, mids[1].id)
    assert asha.ask().fidelity == 1  # rung 0's top 3 are all promoted; rung 1's top 1 too


def test_failures_rank_last_and_are_never_promoted():
    asha = make()
    trials = [asha.ask() for _ in range(3)]
    for t in trials:
        asha.tell(t, Result(math.nan, 0))
    assert asha.ask().parent is None
    asha = make()
    trials = [asha.ask() for _ in range(6)]
    for t, loss in zip(trials, [math.inf, 5.0, math.nan, 4.0, math.nan, math.nan]):
        asha.tell(t, Result(loss, 1))
    assert [asha.ask().parent for _ in range(2)] == [trials[3].id, trials[1].id]


def test_never_waits():
    asha = make()
    assert all(asha.ask() is not None for _ in range(50))  # nothing told, still asking


def test_asynchronous_run_keeps_workers_busy_and_continues_from_parents():
    out = run(ASHA, MixedTask(), seed=0, budget=Budget(evals=300), workers=4)
    records = {r["trial_id"]: r for r in out.records}
    promoted = [r for r in out.records if r["parent"] is not None]
    assert promoted and any(r["fidelity"] == 100 for r in promoted)
    for r in promoted:
        parent = records[r["parent"]]
        assert r["config"] == parent["config"] and r["continued"]
        assert parent["sim_end"] <= r["sim_start"]
    # never idle: every worker starts its next trial the moment its previous one ends
    for worker in range(4):
        mine = sorted((r for r in out.records if r["worker"] == worker), key=lambda r: r["sim_start"])
        assert all(a["sim_end"] == b["sim_start"] for a, b in itertools.pairwise(mine))
