"""Budgets: when a run stops."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from omegaconf import OmegaConf

from hpobench.errors import UserError

MAX_FAILED_IN_A_ROW = 100  # default: a run stops after this many failed trials in a row


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
        max_failed_in_a_row: stop once this many trials in a row have failed,
            whatever the other limits (None: never). A failed trial costs no
            simulated time, so a task that always fails would otherwise never
            reach a ``sim_time`` limit. Not a limit of its own: the task's
            default budget still applies when only this is set.
    """

    evals: int | None = None
    fidelity: float | None = None
    sim_time: float | None = None
    wall_time: float | None = None
    max_failed_in_a_row: int | None = MAX_FAILED_IN_A_ROW

    @classmethod
    def from_config(cls, given: Mapping[str, Any], default: Mapping[str, Any] | None = None) -> Budget:
        """Build from ``budget.*`` settings; when none is set, use the task's default."""
        if not isinstance(given, Mapping):
            raise UserError(f"budget must be a mapping of limits such as budget.evals=100, got {given!r}.")
        unknown = sorted(set(given) - {f.name for f in fields(cls)})
        if unknown:
            raise UserError(f"Unknown budget key(s) {unknown}; use budget.evals, budget.fidelity, "
                            "budget.sim_time, budget.wall_time or budget.max_failed_in_a_row.")
        given = dict(given)
        guard = given.pop("max_failed_in_a_row", MAX_FAILED_IN_A_ROW)
        if guard is not None and (isinstance(guard, bool) or not isinstance(guard, int) or guard < 1):
            raise UserError(f"budget.max_failed_in_a_row must be a positive integer or null, got {guard!r}.")
        chosen = {k: v for k, v in given.items() if v is not None} or dict(default or {})
        if not chosen:
            raise UserError("No budget is set; give one, e.g. budget.evals=100.")
        budget = cls(**{k: _positive(k, v) for k, v in chosen.items()}, max_failed_in_a_row=guard)
        if budget.evals is not None and budget.evals != int(budget.evals):
            raise UserError(f"budget.evals must be a whole number, got {budget.evals}.")
        return budget

    def as_dict(self) -> dict[str, Any]:
        """The settings, as recorded in run.json; ``max_failed_in_a_row`` only when it is not the default,
        so that runs recorded before it existed keep their settings."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        if out["max_failed_in_a_row"] == MAX_FAILED_IN_A_ROW:
            del out["max_failed_in_a_row"]
        return out

    def reached(self, evals: int, fidelity: float, sim_time: float, wall_time: float,
                failed_in_a_row: int = 0) -> str | None:
        """Why these totals stop the run (the first limit reached), or None."""
        if self.max_failed_in_a_row is not None and failed_in_a_row >= self.max_failed_in_a_row:
            return (f"budget.max_failed_in_a_row (the last {failed_in_a_row} trials all failed; see their "
                    f"errors in trials.jsonl)")
        # written out, not looped over: the runner asks after every evaluation
        if self.evals is not None and evals >= self.evals:
            return "budget.evals"
        if self.fidelity is not None and fidelity >= self.fidelity:
            return "budget.fidelity"
        if self.sim_time is not None and sim_time >= self.sim_time:
            return "budget.sim_time"
        if self.wall_time is not None and wall_time >= self.wall_time:
            return "budget.wall_time"
        return None


def _positive(name: str, value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise UserError(f"budget.{name} must be a positive number, got {value!r}.")
    return int(value) if name == "evals" and value == int(value) else value


def run_evals(given: Any, default: Any) -> int | None:
    """``budget.evals`` of the budget a run will have: the task's default when no ``budget.*`` is given, as
    :meth:`Budget.from_config` decides; None without an evaluation limit (or for a budget the run will refuse).
    For methods that plan with it, as the config resolver
    ``${hpobench_evals:${oc.select:budget,null},${oc.select:task.default_budget,null}}`` (registered here, so
    that a method's YAML resolves wherever hpobench is imported)."""
    plain = [OmegaConf.to_container(v, resolve=True) if OmegaConf.is_config(v) else v for v in (given, default)]
    try:
        evals = Budget.from_config(*plain).evals
    except UserError:
        return None
    return None if evals is None else int(evals)


OmegaConf.register_new_resolver("hpobench_evals", run_evals, replace=True)
