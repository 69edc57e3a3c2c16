"""The Method contract: a method asks and is told."""

from __future__ import annotations

from typing import Any

import numpy as np

from hpobench.fidelity import Fidelity
from hpobench.space import Config, Space
from hpobench.trial import Result, Trial


class Method:
    """Base class for optimisers.

    The runner builds a method with the task's space and fidelity and a
    generator from the run's seed, then alternates ``ask`` and ``tell``.
    Methods do no I/O, keep no clocks and draw every random number from
    ``rng``, so a run is a pure function of its seed and the task's answers.

    Attributes:
        requires: capabilities the task must have, e.g. ``{"fidelity"}`` for
            Hyperband or ``{"checkpoint"}`` for PBT; the runner refuses a task
            without them before the first trial.
    """

    requires: frozenset[str] = frozenset()
    deterministic: bool = True  # False: the method keeps same-seed runs from being identical

    def __init__(self, space: Space, fidelity: Fidelity | None, rng: np.random.Generator):
        self.space = space
        self.fidelity = fidelity
        self.rng = rng
        self._asked = 0

    def ask(self) -> Trial | None:
        """The next trial to evaluate, or None: nothing to ask until a pending
        trial is told, or (with nothing pending) the method is done."""
        raise NotImplementedError

    def tell(self, trial: Trial, result: Result) -> None:
        """Learn from a finished trial; ``result.failed`` marks a failure."""

    def describe(self) -> dict[str, Any]:
        """What ``run.json`` records about the method beyond its settings (adapters add their library and version)."""
        kind = type(self)
        return {"class": f"{kind.__module__}.{kind.__qualname__}", "deterministic": self.deterministic}

    def new_trial(self, config: Config, fidelity: float | None = None, parent: int | None = None) -> Trial:
        """A trial with the next free id (ids count asks from 0)."""
        trial = Trial(self._asked, config, fidelity, parent)
        self._asked += 1
        return trial
