"""A small task over every parameter kind, for method tests."""

from __future__ import annotations

import math

from hpobench.space import Categorical, Float, Int, Space
from hpobench.tasks.base import Task
from hpobench.trial import Result, Trial


class MixedTask(Task):
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
