"""COCO's BBOB functions f1-f24 through IOHexperimenter (``ioh``).

N. Hansen, S. Finck, R. Ros and A. Auger, "Real-Parameter Black-Box
Optimization Benchmarking 2009: Noiseless Functions Definitions", INRIA
RR-6829 (2009); N. Hansen et al., "COCO: a platform for comparing continuous
optimizers in a black-box setting", Optimization Methods and Software 36
(2021). The implementation is IOHexperimenter's (J. de Nobel, F. Ye, D.
Vermetten, H. Wang, C. Doerr and T. Bäck, "IOHexperimenter: Benchmarking
Platform for Iterative Optimization Heuristics", Evolutionary Computation
2024; BSD licence), whose values agree with COCO's own ``cocoex`` (see
tests/test_bbob.py).

A problem is a (function, dimension, instance) triple: the instance fixes the
random shift of the optimum and the rotations, so instance k of function f is
the same function in every run and every process. The domain is
[-5, 5]^dim; the optimum value f_opt is known exactly (``problem.optimum.y``),
so ``optimum`` = f_opt and the recorded regret is COCO's f - f_opt.

Budget convention (conf/task/bbob.yaml): COCO counts budgets in multiples of
the dimension (``budget_multiplier`` × dim function evaluations in its
example experiment); the default is 20 × dim, the expensive-evaluation regime
that model-based HPO methods are built for. The functions cost nothing, so
each evaluation is charged ``cost`` simulated seconds (1 by default).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from hpobench.errors import UserError
from hpobench.space import Float, Space
from hpobench.tasks.base import Task
from hpobench.trial import Result, Trial

FUNCTIONS = range(1, 25)
NAMES = ("Sphere", "Ellipsoid", "Rastrigin", "BuecheRastrigin", "LinearSlope", "AttractiveSector",
         "StepEllipsoid", "Rosenbrock", "RosenbrockRotated", "EllipsoidRotated", "Discus", "BentCigar",
         "SharpRidge", "DifferentPowers", "RastriginRotated", "Weierstrass", "Schaffers10", "Schaffers1000",
         "GriewankRosenbrock", "Schwefel", "Gallagher101", "Gallagher21", "Katsuura", "LunacekBiRastrigin")
# COCO's five groups of functions, for grouping results of a suite.
GROUPS = {"separable": range(1, 6), "low or moderate conditioning": range(6, 10),
          "high conditioning, unimodal": range(10, 15), "multimodal, adequate global structure": range(15, 20),
          "multimodal, weak global structure": range(20, 25)}


def _ioh():
    try:
        import ioh
    except ImportError as error:
        raise UserError("task=bbob needs the ioh package; install the suites extra: "
                        "pip install 'hpobench[suites]'.") from error
    return ioh


def group_of(function: int) -> str:
    """COCO's name for the group ``function`` belongs to."""
    return next(name for name, members in GROUPS.items() if function in members)


class BBOB(Task):
    """One BBOB problem: ``function`` (1-24) in ``dim`` dimensions, instance ``instance``.

    Args:
        function: the BBOB function number, 1-24.
        dim: the number of dimensions (COCO uses 2, 3, 5, 10, 20, 40).
        instance: the instance number (COCO's suites use 1-15); fixes the
            shift and rotation of the function.
        cost: simulated seconds charged per evaluation.
    """

    def __init__(self, function: int = 1, dim: int = 2, instance: int = 1, cost: float = 1.0):
        self.function = function
        self.dim = dim
        self.instance = instance
        self.cost = cost

    @cached_property
    def problem(self):
        for name, value, low in (("function", self.function, 1), ("dim", self.dim, 1), ("instance", self.instance, 1)):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise UserError(f"task.{name} must be a positive integer, got {value!r}.")
        if self.function not in FUNCTIONS:
            raise UserError(f"task.function must be a BBOB function number 1-24, got {self.function}.")
        ioh = _ioh()
        return ioh.get_problem(self.function, instance=self.instance, dimension=self.dim,
                               problem_class=ioh.ProblemClass.BBOB)

    @cached_property
    def space(self) -> Space:
        bounds = self.problem.bounds
        return Space({f"x{i}": Float(float(lo), float(hi)) for i, (lo, hi) in enumerate(zip(bounds.lb, bounds.ub))})

    @cached_property
    def optimum(self) -> float:
        return float(self.problem.optimum.y)

    def value(self, x: np.ndarray) -> float:
        """f(x) for one point of [-5, 5]^dim."""
        return float(self.problem(np.asarray(x, dtype=float).tolist()))

    def evaluate(self, trial: Trial, seed: int) -> Result:
        return Result(self.value(np.fromiter(trial.config.values(), float, self.dim)), self.cost)

    def describe(self, record: dict) -> str | None:
        return (f"BBOB f{self.function} ({NAMES[self.function - 1]}), dimension {self.dim}, instance "
                f"{self.instance}: f - f_opt = {record['loss'] - self.optimum:.3g}")
