"""Regularised evolution (aging evolution)."""

from __future__ import annotations

from collections import deque

import numpy as np

from hpobench.errors import UserError
from hpobench.methods.base import Method
from hpobench.space import Config, Space
from hpobench.trial import Result, Trial


class RegularizedEvolution(Method):
    """Regularised evolution (Real, Aggarwal, Huang & Le, "Regularized
    Evolution for Image Classifier Architecture Search", AAAI 2019, Algorithm 1).

    A population of the ``population_size`` most recently evaluated
    configurations is kept. Until it is full, configurations are drawn
    uniformly at random. Then each new configuration is a child: draw
    ``sample_size`` members of the population uniformly with replacement (as
    the paper's code does), take the one with the lowest loss as parent, and
    change one of its parameters (see ``mutate`` and ``Space.values_near``: another choice
    for a categorical, one ``step`` on the unit cube for a number). When the
    child's result arrives it joins the population and the *oldest* member
    dies, whatever its loss: this aging is the "regularisation".

    Defaults are the NAS-Bench-201 paper's (Dong & Yang, ICLR 2020; their
    scripts run ``--ea_population 10 --ea_sample_size 3``).

    With several workers the population fills from results as they arrive, so
    the method never waits: while fewer than ``population_size`` results are
    in it samples at random (as Syne Tune's implementation does), and after
    that every ask mutates a member of the current population. Failed trials
    do not join the population. Trials run at the task's full fidelity.
    """

    def __init__(self, space, fidelity, rng, population_size: int = 10, sample_size: int = 3, step: float = 0.1):
        super().__init__(space, fidelity, rng)
        for name, value in (("population_size", population_size), ("sample_size", sample_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise UserError(f"method.{name} must be a positive integer, got {value!r}.")
        self.population_size = population_size
        self.sample_size = sample_size
        self.step = step
        self.population: deque[tuple[Config, float]] = deque()  # oldest on the left

    def ask(self) -> Trial:
        if len(self.population) < self.population_size:
            return self.new_trial(self.space.sample(self.rng, 1)[0])
        picks = self.rng.integers(len(self.population), size=self.sample_size)
        parent = min((self.population[i] for i in picks.tolist()), key=lambda member: member[1])
        return self.new_trial(mutate(self.space, parent[0], self.rng, self.step))

    def tell(self, trial: Trial, result: Result) -> None:
        if result.failed:
            return
        self.population.append((trial.config, result.loss))
        if len(self.population) > self.population_size:
            self.population.popleft()  # the oldest dies


def mutate(space: Space, config: Config, rng: np.random.Generator, step: float) -> Config:
    """A uniformly chosen parameter changed to a uniformly chosen nearby value (``Space.values_near``).

    Returns ``config`` unchanged only when no parameter can move (a space of
    single-choice parameters).
    """
    movable = [(name, near) for name in space.names if (near := space.values_near(name, config[name], step))]
    if not movable:
        return dict(config)
    name, near = movable[rng.integers(len(movable))]
    return {**config, name: near[rng.integers(len(near))]}
