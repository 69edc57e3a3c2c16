"""Small tasks for tests: a mixed space with fidelity and checkpoints, a flaky
task, and one with hand-picked costs for checking the simulated clock."""

from __future__ import annotations

import math
from functools import cached_property

from hpobench import Categorical, Float, Int, Result, Space, Task, Trial
from hpobench.methods.random_search import RandomSearch
from hpobench.testing import MixedTask  # noqa: F401  (the contract suite's task, used by many tests)


class FlakyTask(Task):
    """Branin-like loss that raises on x < 0.2 and returns nan on x > 0.8."""

    optimum = None

    def __init__(self, cost: float = 1.0):
        self.cost = cost

    @cached_property
    def space(self) -> Space:
        return Space({"x": Float(0.0, 1.0), "y": Float(0.0, 1.0)})

    def evaluate(self, trial: Trial, seed: int) -> Result:
        x = trial.config["x"]
        if x < 0.2:
            raise RuntimeError("simulated crash")
        if x > 0.8:
            return Result(float("nan"), self.cost)
        return Result((x - 0.5) ** 2 + trial.config["y"], self.cost)


class CostTask(Task):
    """One integer parameter whose value is its own cost in seconds; loss = -value."""

    @cached_property
    def space(self) -> Space:
        return Space({"c": Int(1, 9)})

    def evaluate(self, trial: Trial, seed: int) -> Result:
        return Result(-float(trial.config["c"]), float(trial.config["c"]))


class NeedsCheckpoint(RandomSearch):
    """A method that claims to need checkpoints, to test the runner's refusal."""

    requires = frozenset({"checkpoint"})


class BlackBoxMixedTask(Task):
    """Float, log-Float, Int, log-Int and Categorical parameters; fails when ``fail`` is chosen."""

    space = Space({
        "lr": Float(1e-5, 1e-1, log=True),
        "momentum": Float(0.0, 1.0),
        "layers": Int(1, 6),
        "width": Int(8, 1024, log=True),
        "act": Categorical(("relu", "tanh", "gelu", "fail")),
    })
    optimum = 0.0

    def evaluate(self, trial: Trial, seed: int) -> Result:
        c = trial.config
        if c["act"] == "fail":
            return Result(math.nan, 1.0)
        loss = ((math.log10(c["lr"]) + 3) ** 2 + (c["momentum"] - 0.9) ** 2 + (c["layers"] - 3) ** 2 / 4
                + (math.log2(c["width"]) - 7) ** 2 / 10 + (c["act"] != "gelu"))
        return Result(loss, 1.0 + (c["layers"] % 3))  # uneven costs, so asynchronous workers interleave
