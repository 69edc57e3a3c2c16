"""Synthetic functions with known optima, black-box and multi-fidelity.

Formulas, domains and optima follow Surjanovic & Bingham, "Virtual Library of
Simulation Experiments: Test Functions and Datasets" (sfu.ca/~ssurjano); the
optimal values were confirmed by polishing the published minimisers with
L-BFGS-B (see tests/test_synthetic.py). They cost nothing to evaluate, so each
evaluation is charged ``cost`` simulated seconds.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import numpy as np

from hpobench.errors import UserError
from hpobench.fidelity import Fidelity
from hpobench.space import Float, Space
from hpobench.tasks.base import Task
from hpobench.trial import Result, Trial


class Branin(Task):
    """Branin-Hoo on x1 in [-5, 10], x2 in [0, 15].

    f = (x2 - 5.1 x1^2 / (4 pi^2) + 5 x1 / pi - 6)^2 + 10 (1 - 1/(8 pi)) cos(x1) + 10,
    with three global minima, at (-pi, 12.275), (pi, 2.275) and
    (9.42478, 2.475), of value 5 / (4 pi) = 0.397887...
    """

    optimum = 5.0 / (4.0 * math.pi)
    minimisers = ((-math.pi, 12.275), (math.pi, 2.275), (3 * math.pi, 2.475))

    def __init__(self, cost: float = 1.0):
        self.cost = simulated_seconds(cost)

    @cached_property
    def space(self) -> Space:
        return Space({"x1": Float(-5.0, 10.0), "x2": Float(0.0, 15.0)})

    @staticmethod
    def function(x: np.ndarray) -> float:
        x1, x2 = float(x[0]), float(x[1])
        b, c = 5.1 / (4 * math.pi**2), 5 / math.pi
        return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10

    def evaluate(self, trial: Trial, seed: int) -> Result:
        config = trial.config
        return Result(self.function((config["x1"], config["x2"])), self.cost)


# Hartmann constants (Dixon & Szego 1978; Surjanovic & Bingham).
_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_A3 = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_P3 = 1e-4 * np.array([[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]])
_A6 = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_P6 = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)


def hartmann(x: np.ndarray, alpha: np.ndarray = _ALPHA) -> float:
    """-sum_i alpha_i exp(-sum_j A_ij (x_j - P_ij)^2) for 3 or 6 inputs in [0, 1]."""
    A, P = (_A3, _P3) if len(x) == 3 else (_A6, _P6)
    terms = (alpha * np.exp(-np.sum(A * (np.asarray(x) - P) ** 2, axis=1))).tolist()
    # Summed left to right in Python floats, not by BLAS: the order of a BLAS dot product depends on the kernel
    # OpenBLAS picks for the processor (its AVX-512 kernel changed the last bits, and so every trial after), and
    # a run must make the same trials on every machine. This order gives the trials recorded where OpenBLAS took
    # its Haswell kernel (tests/test_fingerprints_unchanged.py).
    total = terms[0]
    for term in terms[1:]:
        total += term
    return -total


class _Hartmann(Task):
    dim: int

    def __init__(self, cost: float = 1.0):
        self.cost = simulated_seconds(cost)

    @cached_property
    def space(self) -> Space:
        return Space({f"x{i}": Float(0.0, 1.0) for i in range(self.dim)})

    def evaluate(self, trial: Trial, seed: int) -> Result:
        return Result(hartmann(np.fromiter(trial.config.values(), float, self.dim)), self.cost)


class Hartmann3(_Hartmann):
    """Hartmann 3-D on [0, 1]^3: minimum -3.86277978733266 near the published
    minimiser (0.114614, 0.555649, 0.852547). The often quoted -3.86278 is
    this value rounded; -3.86278214782076, found in some code, lies below the
    true minimum and would leave every method a regret floor of 2.4e-6."""

    dim = 3
    optimum = -3.86277978733266
    minimiser = (0.114614, 0.555649, 0.852547)


class Hartmann6(_Hartmann):
    """Hartmann 6-D on [0, 1]^6: minimum -3.32236801141551 at
    (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573)."""

    dim = 6
    optimum = -3.32236801141551
    minimiser = (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573)


class Levy(Task):
    """Levy function in ``dim`` dimensions on [-10, 10]^dim; minimum 0 at (1, ..., 1).

    With w_i = 1 + (x_i - 1) / 4:
    f = sin^2(pi w_1) + sum_{i<d} (w_i - 1)^2 (1 + 10 sin^2(pi w_i + 1))
        + (w_d - 1)^2 (1 + sin^2(2 pi w_d)).
    """

    optimum = 0.0

    def __init__(self, dim: int = 10, cost: float = 1.0):
        self.dim = dim
        self.cost = simulated_seconds(cost)

    @cached_property
    def space(self) -> Space:
        if not isinstance(self.dim, int) or self.dim < 1:
            raise UserError(f"task.dim must be a positive integer, got {self.dim!r}.")
        return Space({f"x{i}": Float(-10.0, 10.0) for i in range(self.dim)})

    @staticmethod
    def function(x: np.ndarray) -> float:
        w = 1 + (np.asarray(x, dtype=float) - 1) / 4
        head = math.sin(math.pi * w[0]) ** 2
        body = np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(np.pi * w[:-1] + 1) ** 2))
        tail = (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)
        return float(head + body + tail)

    def evaluate(self, trial: Trial, seed: int) -> Result:
        return Result(self.function(np.fromiter(trial.config.values(), float, self.dim)), self.cost)


class MultiFidelityHartmann(Task):
    """Multi-fidelity Hartmann (3-D or 6-D), as in mf-prior-bench (Mallik et
    al., "PriorBand", NeurIPS 2023) after Kandasamy et al., "Multi-fidelity
    Bayesian Optimisation with Continuous Approximations", ICML 2017.

    With s = (log z - log 1) / (log z_max - log 1) the log-scaled fidelity in
    [0, 1], the weights shrink by a bias that vanishes at full fidelity,
    alpha'_i = alpha_i - bias (1 - s), and half-normal noise of scale
    noise (1 - s) is added: f(x, z) = hartmann(x; alpha') + |N(0, 1)| noise (1 - s).
    At z = z_max it is the exact Hartmann function, so the optimum is
    Hartmann's. Cost follows Kandasamy et al. (2017, appendix):
    lambda(z) = 0.05 + 0.95 (z / z_max)^2 simulated seconds, times ``cost``.
    Defaults (z in [3, 100], bias 0.5, noise 0.1) are mf-prior-bench's. The
    noise is drawn from the trial's evaluation seed; mf-prior-bench seeds it
    by configuration and fidelity instead, so there an evaluation repeated at
    the same fidelity returns the same value.
    """

    def __init__(self, dim: int = 3, bias: float = 0.5, noise: float = 0.1, min_fidelity: int = 3,
                 max_fidelity: int = 100, cost: float = 1.0):
        self.dim = dim
        self.bias = bias
        self.noise = noise
        self.min_fidelity = min_fidelity
        self.max_fidelity = max_fidelity
        self.cost = simulated_seconds(cost)

    @cached_property
    def space(self) -> Space:
        if self.dim not in (3, 6):
            raise UserError(f"task.dim must be 3 or 6 for the multi-fidelity Hartmann task, got {self.dim!r}.")
        return Space({f"x{i}": Float(0.0, 1.0) for i in range(self.dim)})

    @cached_property
    def fidelity(self) -> Fidelity:
        return Fidelity("z", self.min_fidelity, self.max_fidelity)

    @property
    def optimum(self) -> float:
        return Hartmann3.optimum if self.dim == 3 else Hartmann6.optimum

    def evaluate(self, trial: Trial, seed: int) -> Result:
        z = self.max_fidelity if trial.fidelity is None else trial.fidelity
        s = math.log(z) / math.log(self.max_fidelity)
        value = hartmann(np.fromiter(trial.config.values(), float, self.dim), _ALPHA - self.bias * (1 - s))
        if s < 1:
            value += abs(np.random.default_rng(seed).normal()) * self.noise * (1 - s)
        cost = (0.05 + 0.95 * (z / self.max_fidelity) ** 2) * self.cost
        return Result(value, cost)


def simulated_seconds(cost: Any) -> Any:
    """``task.cost`` checked: a negative or non-finite cost would stop no budget (a run of failed trials at no
    simulated time never reaches ``budget.sim_time``)."""
    if isinstance(cost, bool) or not isinstance(cost, (int, float)) or not math.isfinite(cost) or cost < 0:
        raise UserError(f"task.cost must be a finite number of simulated seconds >= 0, got {cost!r}.")
    return cost  # as given: an int stays an int in the records
