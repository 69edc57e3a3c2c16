"""Synthetic functions on mixed spaces (floats, integers and categoricals) with known optima.

Made for this benchmark (no published source): each is a known continuous
function (Branin, Hartmann-3; :mod:`hpobench.tasks.synthetic`) plus terms in
the discrete parameters that interact with it, so a method must get every
choice and every integer right to reach the optimum, and a wrong choice or an
integer off by a factor of two leaves a clear regret. Evaluations are
charged ``cost`` simulated seconds.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import ClassVar

import numpy as np

from hpobench.space import Categorical, Float, Int, Space
from hpobench.tasks.base import Task
from hpobench.tasks.synthetic import Branin, Hartmann3, hartmann
from hpobench.trial import Result, Trial

_SHIFT = {"a": 0.0, "b": 2.0, "c": -2.0, "d": 4.0}  # moves Branin's minima along x1
_OFFSET = {"a": 0.6, "b": 0.0, "c": 0.3, "d": 1.0}
_BEST_N = {"a": 8, "b": 45, "c": 200, "d": 20}  # the integer's best value depends on the choice


class MixedBranin(Task):
    """Two floats, a categorical with four choices and a log-scaled integer.

    With ``x1`` in [-5, 10], ``x2`` in [0, 15], ``kind`` in {a, b, c, d} and
    ``n`` in [1, 1024] (log-scaled):

        f = branin(x1 + shift[kind], x2) + offset[kind] + (log2 n - log2 n*[kind])^2 / 4,

    shift = (0, 2, -2, 4), offset = (0.6, 0, 0.3, 1), n* = (8, 45, 200, 20).
    The minimum, 5 / (4 pi) (Branin's), is at kind = b, n = 45 and
    x1 = pi - 2 or 3 pi - 2, x2 = 2.275 or 2.475. n = 22 or 90 (a factor of two
    off) costs 0.25; kind = c (the next best) at least 0.3.
    """

    optimum = Branin.optimum
    minimiser: ClassVar[dict] = {"x1": math.pi - 2.0, "x2": 2.275, "kind": "b", "n": 45}

    def __init__(self, cost: float = 1.0):
        self.cost = cost

    @cached_property
    def space(self) -> Space:
        return Space({"x1": Float(-5.0, 10.0), "x2": Float(0.0, 15.0), "kind": Categorical(("a", "b", "c", "d")),
                      "n": Int(1, 1024, log=True)})

    @staticmethod
    def function(config: dict) -> float:
        kind = config["kind"]
        base = Branin.function([config["x1"] + _SHIFT[kind], config["x2"]])
        return base + _OFFSET[kind] + 0.25 * (math.log2(config["n"]) - math.log2(_BEST_N[kind])) ** 2

    def evaluate(self, trial: Trial, seed: int) -> Result:
        return Result(self.function(trial.config), self.cost)


# Pairwise effects of (act, norm): the best pair, (gelu, batch), holds the
# activation with the worst mean over the norms (relu has the best).
_PAIR = np.array([[0.5, 0.2, 0.9],   # act = tanh;   norm = none, batch, layer
                  [0.1, 0.8, 0.6],   # act = relu
                  [0.7, 0.0, 1.0]])  # act = gelu
_OPT = {"sgd": 0.4, "adam": 0.0, "rmsprop": 0.15, "adagrad": 0.6, "lion": 0.25}
_ACTS, _NORMS = ("tanh", "relu", "gelu"), ("none", "batch", "layer")


class MixedHartmann(Task):
    """Three floats, three categoricals (3, 3 and 5 choices), an integer and a boolean-like choice.

    With ``x0..x2`` in [0, 1], ``act`` in {tanh, relu, gelu}, ``norm`` in
    {none, batch, layer}, ``opt`` in {sgd, adam, rmsprop, adagrad, lion},
    ``width`` in [1, 16] and ``bias`` in {False, True}:

        f = hartmann3(x) + pair[act, norm] + opt_cost[opt] + 0.05 (width - w*)^2 + 0.2 [bias != True],

    where the best width w* is 11 with ``bias`` and 5 without, and
    ``pair`` (a 3 x 3 table) has its minimum 0 at (gelu, batch) while relu
    has the best mean over the norms. The minimum is Hartmann-3's, -3.86277978733266, at
    Hartmann-3's minimiser, act = gelu, norm = batch, opt = adam, width = 11, bias = True.
    """

    optimum = Hartmann3.optimum
    minimiser: ClassVar[dict] = {**{f"x{i}": v for i, v in enumerate(Hartmann3.minimiser)}, "act": "gelu",
                                 "norm": "batch", "opt": "adam", "width": 11, "bias": True}

    def __init__(self, cost: float = 1.0):
        self.cost = cost

    @cached_property
    def space(self) -> Space:
        return Space({"x0": Float(0.0, 1.0), "x1": Float(0.0, 1.0), "x2": Float(0.0, 1.0),
                      "act": Categorical(_ACTS), "norm": Categorical(_NORMS), "opt": Categorical(tuple(_OPT)),
                      "width": Int(1, 16), "bias": Categorical((False, True))})

    @staticmethod
    def function(config: dict) -> float:
        x = np.array([config["x0"], config["x1"], config["x2"]], dtype=float)
        pair = _PAIR[_ACTS.index(config["act"]), _NORMS.index(config["norm"])]
        best_width = 11 if config["bias"] else 5
        return (hartmann(x) + float(pair) + _OPT[config["opt"]] + 0.05 * (config["width"] - best_width) ** 2
                + 0.2 * (not config["bias"]))

    def evaluate(self, trial: Trial, seed: int) -> Result:
        return Result(self.function(trial.config), self.cost)
