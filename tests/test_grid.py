"""Grid search: the order it visits, and budgets smaller or larger than the grid."""

from functools import partial

from hpobench import Budget, Categorical, Float, Result, Space, Task, run
from hpobench.methods.grid_search import GridSearch


class Plane(Task):
    space = Space({"a": Float(0.0, 1.0), "b": Categorical(["x", "y"])})

    def evaluate(self, trial, seed):
        return Result(trial.config["a"], 1.0)


def visited(budget, **settings):
    out = run(partial(GridSearch, **settings), Plane(), seed=0, budget=Budget(evals=budget))
    return [tuple(r["config"].values()) for r in out.records], out.stop_reason


def test_a_smaller_budget_visits_a_prefix_in_nested_loop_order():
    trials, reason = visited(5, resolution=3)
    assert trials == [(0.0, "x"), (0.0, "y"), (0.5, "x"), (0.5, "y"), (1.0, "x")]
    assert reason == "budget.evals"


def test_a_larger_budget_ends_when_the_grid_is_exhausted():
    trials, reason = visited(100, resolution=3)
    assert len(trials) == 6 == len(set(trials)) and reason == "method finished"


def test_shuffle_visits_every_point_once_in_a_seeded_order():
    full, _ = visited(100, resolution=4, shuffle=True)
    again, _ = visited(100, resolution=4, shuffle=True)
    ordered, _ = visited(100, resolution=4)
    assert full == again and sorted(full) == sorted(ordered) and full != ordered
    prefix, _ = visited(4, resolution=4, shuffle=True)
    assert prefix == full[:4]
