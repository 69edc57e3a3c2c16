"""Regularised evolution: random start, tournament, one-parameter mutation, aging; any space; workers."""

from __future__ import annotations

import numpy as np
import pytest

from hpobench.budget import Budget
from hpobench.errors import UserError
from hpobench.methods.rea import RegularizedEvolution, mutate
from hpobench.runner import run
from hpobench.space import Categorical, Float, Int, Space
from hpobench.tasks.base import Task
from hpobench.tasks.nb201 import NB201
from hpobench.trial import Result

LETTERS = Space({f"p{i}": Categorical(("a", "b", "c", "d")) for i in range(4)})
MIXED = Space({"lr": Float(1e-4, 1e-1, log=True), "layers": Int(1, 5), "units": Int(16, 512, log=True),
               "act": Categorical(("relu", "tanh")), "drop": Float(0.0, 1.0)})


class CountA(Task):
    """Loss = number of parameters that are not "a" (optimum 0 at all-"a")."""

    space = LETTERS
    optimum = 0.0

    def evaluate(self, trial, seed):
        return Result(float(sum(v != "a" for v in trial.config.values())), 1.0)


def differences(a, b):
    return [k for k in a if a[k] != b[k]]


def test_population_fills_at_random_then_the_oldest_dies():
    rea = RegularizedEvolution(LETTERS, None, np.random.default_rng(0), population_size=3, sample_size=2)
    first = [rea.ask() for _ in range(3)]
    for i, trial in enumerate(first):
        rea.tell(trial, Result(float(i), 1.0))
    assert [m[0] for m in rea.population] == [t.config for t in first]
    child = rea.ask()
    rea.tell(child, Result(0.5, 1.0))
    assert len(rea.population) == 3
    assert [m[0] for m in rea.population] == [first[1].config, first[2].config, child.config]  # oldest gone


def test_child_mutates_one_parameter_of_the_tournament_winner():
    # a tournament of 60 draws with replacement from 3 members contains the best member (chance 1 - 3 * (2/3)^60)
    rea = RegularizedEvolution(LETTERS, None, np.random.default_rng(1), population_size=3, sample_size=60)
    members = [rea.ask() for _ in range(3)]
    for trial, loss in zip(members, (2.0, 0.0, 1.0)):
        rea.tell(trial, Result(loss, 1.0))
    for _ in range(20):
        child = rea.ask()
        assert len(differences(child.config, members[1].config)) == 1


def test_failed_trials_do_not_join():
    rea = RegularizedEvolution(LETTERS, None, np.random.default_rng(0), population_size=2)
    rea.tell(rea.ask(), Result(float("nan"), 0.0))
    assert not rea.population


def test_works_on_a_mixed_space_and_stays_inside():
    rea = RegularizedEvolution(MIXED, None, np.random.default_rng(2), population_size=5, sample_size=2)
    for i in range(200):
        trial = rea.ask()
        assert MIXED.check(trial.config) is None
        rea.tell(trial, Result(float(np.sin(i)), 1.0))


def test_neighbours_of_each_kind():
    config = {"lr": 1e-3, "layers": 1, "units": 512, "act": "relu", "drop": 0.0}
    assert MIXED.values_near("act", "relu", 0.1) == ["tanh"]
    assert MIXED.values_near("layers", 1, 0.1) == [2]  # at the lower bound: only up, the next integer
    down, up = MIXED.values_near("lr", 1e-3, 0.1)
    assert down == pytest.approx(1e-3 / 10**0.3) and up == pytest.approx(1e-3 * 10**0.3)  # a constant factor
    assert MIXED.values_near("drop", 0.0, 0.1) == [pytest.approx(0.1)]
    assert all(len(differences(n, config)) == 1 for n in MIXED.neighbours(config, 0.1))
    assert len(LETTERS.neighbours({f"p{i}": "a" for i in range(4)}, 0.1)) == 4 * 3
    child = mutate(MIXED, config, np.random.default_rng(0), 0.1)
    assert len(differences(child, config)) == 1 and MIXED.check(child) is None


def test_same_seed_same_trials_and_workers():
    task = CountA()
    a = run(RegularizedEvolution, task, seed=5, budget=Budget(evals=60), workers=4)
    b = run(RegularizedEvolution, task, seed=5, budget=Budget(evals=60), workers=4)
    assert [r["config"] for r in a.records] == [r["config"] for r in b.records]
    assert len(a.records) == 60
    assert a.best["loss"] == 0.0  # 256 configurations: evolution finds all-"a" within 60


def test_bad_settings():
    with pytest.raises(UserError, match="population_size"):
        RegularizedEvolution(LETTERS, None, np.random.default_rng(0), population_size=0)


def test_beats_random_search_on_nb201():
    """Mean 200-epoch CIFAR-10 test accuracy of the returned cell over 40 seeds at 100 evaluations."""
    from hpobench.methods.random_search import RandomSearch

    task = NB201("cifar10", hp=12)

    def mean_test(method):
        tests = [run(method, task, seed=s, budget=Budget(evals=100)).best["test_loss"] for s in range(40)]
        return 100 - float(np.mean(tests))

    assert mean_test(RegularizedEvolution) > mean_test(RandomSearch)
