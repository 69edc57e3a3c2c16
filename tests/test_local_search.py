"""Local search: neighbourhood walk to a local minimum, restarts, first improvement, workers, no repeats."""

from __future__ import annotations

import numpy as np
import pytest

from hpobench.budget import Budget
from hpobench.errors import UserError
from hpobench.methods.local_search import LocalSearch
from hpobench.runner import run
from hpobench.space import Categorical, Float, Int, Space
from hpobench.tasks.base import Task
from hpobench.tasks.synthetic import Branin
from hpobench.trial import Result

LETTERS = Space({f"p{i}": Categorical(("a", "b", "c", "d")) for i in range(4)})


class CountA(Task):
    """Loss = number of parameters that are not "a": every non-optimal cell has a better neighbour."""

    space = LETTERS
    optimum = 0.0

    def evaluate(self, trial, seed):
        return Result(float(sum(v != "a" for v in trial.config.values())), 1.0)


class Ordered(Task):
    """One parameter, loss = its position: tiny, so the walk exhausts the space."""

    space = Space({"x": Categorical(("a", "b", "c"))})
    optimum = 0.0

    def evaluate(self, trial, seed):
        return Result(float("abc".index(trial.config["x"])), 1.0)


def one_apart(a, b):
    return sum(a[k] != b[k] for k in a) == 1


def drive(method, task, n):
    """Ask and tell sequentially; return the configs asked."""
    asked = []
    for i in range(n):
        trial = method.ask()
        if trial is None:
            break
        asked.append(trial.config)
        method.tell(trial, task.evaluate(trial, i))
    return asked


def count_not_a(config):
    return sum(v != "a" for v in config.values())


def test_full_neighbourhood_then_move_to_the_best():
    ls = LocalSearch(LETTERS, None, np.random.default_rng(0))
    asked = drive(ls, CountA(), 1 + 12)
    start, nbhd = asked[0], asked[1:]
    assert count_not_a(start) > 0  # not already optimal, so some neighbour is better
    assert all(one_apart(start, n) for n in nbhd)
    assert len({tuple(n.values()) for n in nbhd}) == 12  # the whole neighbourhood, each once
    following = ls.ask()  # the neighbourhood is complete: the walk moves (lazily, when asked)
    assert ls.centre in nbhd and count_not_a(ls.centre) == min(map(count_not_a, nbhd))  # to a best neighbour
    assert one_apart(following.config, ls.centre)  # and walks on from there


def test_reaches_the_optimum_and_never_repeats():
    outcome = run(LocalSearch, CountA(), seed=3, budget=Budget(evals=80))
    configs = [tuple(r["config"].values()) for r in outcome.records]
    assert len(set(configs)) == len(configs)
    assert outcome.best["loss"] == 0.0


def test_restart_at_a_local_minimum_and_stop_when_the_space_is_used_up():
    outcome = run(LocalSearch, Ordered(), seed=0, budget=Budget(evals=10))
    assert outcome.stop_reason == "method finished"  # 3 configurations, all evaluated once
    assert sorted(r["config"]["x"] for r in outcome.records) == ["a", "b", "c"]


def test_first_improvement_moves_at_once():
    task = CountA()
    ls = LocalSearch(LETTERS, None, np.random.default_rng(4), first_improvement=True)
    start = ls.ask()
    ls.tell(start, task.evaluate(start, 0))
    start_loss = task.evaluate(start, 0).loss
    while True:
        trial = ls.ask()
        result = task.evaluate(trial, 0)
        ls.tell(trial, result)
        if result.loss < start_loss:
            assert ls.centre == trial.config  # moved without finishing the neighbourhood
            break


def test_workers_get_trials_while_others_are_pending():
    ls = LocalSearch(LETTERS, None, np.random.default_rng(0))
    pending = [ls.ask() for _ in range(5)]  # start pending: fillers, never None
    assert all(t is not None for t in pending)
    outcome = run(LocalSearch, CountA(), seed=1, budget=Budget(evals=60), workers=4)
    assert len(outcome.records) == 60 and outcome.best["loss"] == 0.0


def test_numeric_spaces_and_determinism():
    a = run(LocalSearch, Branin(), seed=2, budget=Budget(evals=150), workers=2)
    b = run(LocalSearch, Branin(), seed=2, budget=Budget(evals=150), workers=2)
    assert [r["config"] for r in a.records] == [r["config"] for r in b.records]
    space = Space({"n": Int(1, 5), "lr": Float(1e-4, 1e-1, log=True)})
    ls = LocalSearch(space, None, np.random.default_rng(0))
    for i in range(50):
        trial = ls.ask()
        assert space.check(trial.config) is None
        ls.tell(trial, Result(float(np.cos(i)), 1.0))


def test_bad_settings():
    with pytest.raises(UserError, match="num_init"):
        LocalSearch(LETTERS, None, np.random.default_rng(0), num_init=0)
