"""Asynchronous successive halving (ASHA)."""

from __future__ import annotations

import bisect
import math

from hpobench.methods._brackets import resolve, rung_fidelities
from hpobench.methods._settings import number
from hpobench.methods.base import Method
from hpobench.trial import Result, Trial


class ASHA(Method):
    """Asynchronous successive halving (Li, Jamieson, Rostamizadeh, Gonina,
    Ben-tzur, Hardt, Recht & Talwalkar, "A System for Massively Parallel
    Hyperparameter Tuning", MLSys 2020, Algorithm 2).

    Rungs are those of Hyperband's most exploratory bracket:
    ``max eta^(k - s_max)`` for ``k = 0..s_max`` (see ``_brackets``). On every
    ask, from the highest rung below the top down to rung 0, a finished
    trial that ranks in the top ``floor(m / eta)`` of the ``m`` finished
    trials of its rung, and was not promoted before, is promoted to the next
    rung (the best such one first), continuing from its own trial
    (``parent``). If no trial can be promoted, a new configuration is sampled
    uniformly at rung 0. ASHA therefore never waits and never returns None;
    the budget ends it. Failed trials rank last and are never promoted.

    Ties rank by trial id, so the method is deterministic; with one worker
    every ask follows the previous tell, so results do not depend on timing.

    Args:
        space, fidelity, rng: supplied by the runner.
        eta: reduction factor; 3 by default, as in Li et al. (2020).
        min_fidelity, max_fidelity: the fidelity range; the task's by default.
    """

    requires = frozenset({"fidelity"})

    def __init__(self, space, fidelity, rng, eta: float = 3, min_fidelity: float | None = None,
                 max_fidelity: float | None = None):
        super().__init__(space, fidelity, rng)
        self.eta = eta
        self.min_fidelity = min_fidelity
        self.max_fidelity = max_fidelity
        self._check_settings()
        self.range = resolve(fidelity, eta, min_fidelity, max_fidelity, "ASHA")
        self.rungs: tuple[float, ...] = rung_fidelities(self.range.s_max, self.range) if self.range else ()
        # Per rung: finished trials as sorted (loss, trial id), and the ids promoted from it.
        self.ranked: list[list[tuple[float, int]]] = [[] for _ in self.rungs]
        self.promoted: list[set[int]] = [set() for _ in self.rungs]
        self.configs: dict[int, dict] = {}  # trial id -> config
        self.rung_of: dict[int, int] = {}  # trial id -> its rung

    def _check_settings(self) -> None:
        """Refuse settings outside their ranges (UserError); ``resolve`` checks eta and the fidelity range."""
        number("min_fidelity", self.min_fidelity, 0, low_open=True, none=True)
        number("max_fidelity", self.max_fidelity, 0, low_open=True, none=True)

    def promotable(self, rung: int) -> int | None:
        """The best trial of ``rung`` in its top ``1/eta`` that was not promoted yet, or None."""
        ranked = self.ranked[rung]
        top = math.floor(len(ranked) / self.eta + 1e-9)
        for loss, trial_id in ranked[:top]:
            if trial_id not in self.promoted[rung] and math.isfinite(loss):
                return trial_id
        return None

    def ask(self) -> Trial:
        for rung in range(len(self.rungs) - 2, -1, -1):  # highest rung first: finish good configs sooner
            parent = self.promotable(rung)
            if parent is not None:
                self.promoted[rung].add(parent)
                return self._start(self.configs[parent], rung + 1, parent)
        return self._start(self.space.sample(self.rng, 1)[0], 0, None)

    def _start(self, config: dict, rung: int, parent: int | None) -> Trial:
        trial = self.new_trial(config, self.rungs[rung], parent)
        self.configs[trial.id] = config
        self.rung_of[trial.id] = rung
        return trial

    def tell(self, trial: Trial, result: Result) -> None:
        loss = math.inf if result.failed else result.loss
        bisect.insort(self.ranked[self.rung_of.pop(trial.id)], (loss, trial.id))
