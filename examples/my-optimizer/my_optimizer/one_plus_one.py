"""The (1+1) evolution strategy with the 1/5th success rule (Rechenberg 1973;
in the form of Auger & Hansen, "Tutorial on evolution strategies", 2011), on
hpobench's unit cube."""

from __future__ import annotations

import math

import numpy as np

from hpobench import Method, Result, Trial


class OnePlusOneES(Method):
    """One parent; each trial is the parent plus Gaussian noise of width ``sigma``
    on the unit cube (clipped to it), kept when it is no worse. ``sigma`` grows
    by ``exp(1/3)`` after a success and shrinks by ``exp(-1/12)`` after a
    failure, so it is stable at a success rate of one in five.

    With several workers, the pending children all come from the parent known
    when they were asked. Failed trials count as failures.

    Args:
        space, fidelity, rng: supplied by hpobench's runner.
        sigma: the initial step width on the unit cube.
    """

    def __init__(self, space, fidelity, rng: np.random.Generator, sigma: float = 0.2):
        super().__init__(space, fidelity, rng)
        if not sigma > 0:
            raise ValueError(f"sigma must be positive, got {sigma}")
        self.sigma = float(sigma)
        self.parent: np.ndarray | None = None  # on the unit cube
        self.parent_loss = math.inf
        self.points: dict[int, np.ndarray] = {}

    def ask(self) -> Trial:
        d = len(self.space)
        if self.parent is None:
            point = self.rng.random(d)  # the first trials: uniform until one has finished
        else:
            point = np.clip(self.parent + self.sigma * self.rng.standard_normal(d), 0.0, 1.0)
        trial = self.new_trial(self.space.decode(point[None, :])[0])
        self.points[trial.id] = point
        return trial

    def tell(self, trial: Trial, result: Result) -> None:
        point = self.points.pop(trial.id)
        if not result.failed and result.loss <= self.parent_loss:
            self.parent, self.parent_loss = point, result.loss
            self.sigma *= math.exp(1 / 3)
        else:
            self.sigma *= math.exp(-1 / 12)
