"""Budgets: when a run stops."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from hpobench.errors import UserError


@dataclass(frozen=True)
class Budget:
    """Limits on a run; the first one reached stops it. None means no limit.

    Attributes:
        evals: finished trials. No more trials are started than this.
        fidelity: fidelity spent, in units of full-fidelity evaluations (a
            trial at half the maximum fidelity spends 0.5; a continuation
            from a checkpoint spends only the extra fidelity).
        sim_time: simulated seconds: the clock of the simulated workers, which
            advances by the costs the task reports.
        wall_time: real seconds spent by this run, resumed attempts included.
    """

    evals: int | None = None
    fidelity: float | None = None
    sim_time: float | None = None
    wall_time: float | None = None

    @classmethod
    def from_config(cls, given: Mapping[str, Any], default: Mapping[str, Any] | None = None) -> Budget:
        """Build from ``budget.*`` settings; when none is set, use the task's default."""
        if not isinstance(given, Mapping):
            raise UserError(f"budget must be a mapping of limits such as budget.evals=100, got {given!r}.")
        unknown = sorted(set(given) - {f.name for f in fields(cls)})
        if unknown:
            raise UserError(f"Unknown budget key(s) {unknown}; use budget.evals, budget.fidelity, "
                            "budget.sim_time or budget.wall_time.")
        chosen = {k: v for k, v in given.items() if v is not None} or dict(default or {})
        if not chosen:
            raise UserError("No budget is set; give one, e.g. budget.evals=100.")
        budget = cls(**{k: _positive(k, v) for k, v in chosen.items()})
        if budget.evals is not None and budget.evals != int(budget.evals):
            raise UserError(f"budget.evals must be a whole number, got {budget.evals}.")
        return budget

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def reached(self, evals: int, fidelity: float, sim_time: float, wall_time: float) -> str | None:
        """The name of the first limit reached by these totals, or None."""
        for name, used in (("evals", evals), ("fidelity", fidelity), ("sim_time", sim_time), ("wall_time", wall_time)):
            limit = getattr(self, name)
            if limit is not None and used >= limit:
                return f"budget.{name}"
        return None


def _positive(name: str, value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise UserError(f"budget.{name} must be a positive number, got {value!r}.")
    return int(value) if name == "evals" and value == int(value) else value
