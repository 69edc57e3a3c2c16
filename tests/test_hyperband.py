"""Hyperband's bracket schedule, pinned against hand-computed values, and its runs."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from toy_tasks import MixedTask

from hpobench import Budget, Fidelity, Float, Result, Space, run
from hpobench.methods._brackets import FidelityRange, hyperband_schedule, max_bracket
from hpobench.methods.hyperband import Hyperband


def schedule(r_min, r_max, eta, integer=True):
    return [(b.s, b.n, b.r) for b in hyperband_schedule(FidelityRange(r_min, r_max, eta, integer))]


def test_the_papers_table_r81_eta3():
    # Li et al. (2018), Table 1: R = 81, eta = 3.
    assert schedule(1, 81, 3) == [
        (4, (81, 27, 9, 3, 1), (1, 3, 9, 27, 81)),
        (3, (34, 11, 3, 1), (3, 9, 27, 81)),
        (2, (15, 5, 1), (9, 27, 81)),
        (1, (8, 2), (27, 81)),
        (0, (5,), (81,)),
    ]


def test_multi_fidelity_hartmann_range_3_to_100():
    # s_max = floor(log3(33.3)) = 3; n = ceil(4/(s+1) 3^s) = 27, 12, 6, 4;
    # r = 100 * 3^(i-s) rounded: 3.7 -> 4, 11.1 -> 11, 33.3 -> 33.
    assert schedule(3, 100, 3) == [
        (3, (27, 9, 3, 1), (4, 11, 33, 100)),
        (2, (12, 4, 1), (11, 33, 100)),
        (1, (6, 2), (33, 100)),
        (0, (4,), (100,)),
    ]


def test_eta_2_and_eta_4():
    # eta = 2, R/r = 16: s_max = 4; n = ceil(5/(s+1) 2^s) = 16, 10, 7, 5, 5, halved (floored) per rung.
    assert schedule(1, 16, 2) == [
        (4, (16, 8, 4, 2, 1), (1, 2, 4, 8, 16)),
        (3, (10, 5, 2, 1), (2, 4, 8, 16)),
        (2, (7, 3, 1), (4, 8, 16)),
        (1, (5, 2), (8, 16)),
        (0, (5,), (16,)),
    ]
    # eta = 4, R/r = 100: s_max = 3 (4^3 = 64); n = 64, ceil(4/3*16) = 22, 8, 4; r = 100/64 = 1.56 -> 2, 6.25 -> 6.
    assert schedule(1, 100, 4) == [
        (3, (64, 16, 4, 1), (2, 6, 25, 100)),
        (2, (22, 5, 1), (6, 25, 100)),
        (1, (8, 2), (25, 100)),
        (0, (4,), (100,)),
    ]


def test_real_fidelities_are_not_rounded():
    # R/r = 10, eta = 3: s_max = 2; n = 9, ceil(3/2*3) = 5, 3; r = 10/9, 10/3, 10.
    got = schedule(1.0, 10.0, 3, integer=False)
    assert [(s, n) for s, n, _ in got] == [(2, (9, 3, 1)), (1, (5, 1)), (0, (3,))]
    assert got[0][2] == pytest.approx((10 / 9, 10 / 3, 10))


def test_floors_and_ceilings_survive_rounding():
    assert max_bracket(1, 81, 3) == 4 and max_bracket(1, 243, 3) == 5 and max_bracket(1, 80.9, 3) == 3
    assert schedule(1, 2, 3) == [(0, (1,), (2,))]  # range below eta: one configuration at full fidelity


def test_a_full_cycle_runs_the_schedule_with_one_or_four_workers():
    plan = hyperband_schedule(FidelityRange(1, 100, 3, True))
    expected = Counter()
    for b in plan:
        for n, r in zip(b.n, b.r):
            expected[r] += n

    def make(space, fidelity, rng):
        return Hyperband(space, fidelity, rng, max_brackets=len(plan))

    for workers in (1, 4):
        out = run(make, MixedTask(), seed=3, budget=Budget(evals=10_000), workers=workers)
        assert out.stop_reason == "method finished"
        assert Counter(r["fidelity"] for r in out.records) == expected
        fresh = [r for r in out.records if r["parent"] is None]
        assert len(fresh) == sum(b.n[0] for b in plan)
        assert all(r["continued"] for r in out.records if r["parent"] is not None)


def test_one_worker_runs_brackets_one_after_another_most_exploratory_first():
    space = Space({"x": Float(0.0, 1.0)})
    hb = Hyperband(space, Fidelity("epoch", 1, 9), np.random.default_rng(0))  # brackets (9,3,1), (5,1), (3,)
    fidelities = []
    for _ in range(2 * (13 + 6 + 3)):
        trial = hb.ask()
        fidelities.append(trial.fidelity)
        hb.tell(trial, Result(trial.config["x"], 1.0))
    cycle = [1] * 9 + [3] * 3 + [9] + [3] * 5 + [9] + [9] * 3
    assert fidelities == cycle + cycle
