"""What a method asks for (a Trial), what a task answers (a Result), and what is recorded (a Record)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from hpobench.space import Config


@dataclass(frozen=True)
class Trial:
    """One evaluation a method asks for.

    Attributes:
        id: unique within a run, assigned by the method in asking order.
        config: a point of the task's space.
        fidelity: the fidelity to evaluate at; None means the task's maximum.
        parent: id of a finished trial whose checkpoint this one continues
            (Hyperband promotions, PBT); None to start from scratch.
        parent_fidelity: the fidelity the parent reached. Methods leave it
            None; the runner fills it in for tasks that support "checkpoint",
            so that such a task can charge only the extra fidelity.
    """

    id: int
    config: Config
    fidelity: float | None = None
    parent: int | None = None
    parent_fidelity: float | None = None


@dataclass(frozen=True)
class Result:
    """What a task reports for a trial. Everything is minimised.

    Attributes:
        loss: the objective the method sees; nan or inf marks a failure.
        cost: seconds the evaluation took, measured or from a table or model.
        test_loss: a held-out metric, for reporting only; methods never see it.
        info: extra task-specific metrics, recorded as they are.
    """

    loss: float
    cost: float
    test_loss: float | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return not math.isfinite(self.loss)


TRIAL_SCHEMA = 1  # the version of the Record layout in trials.jsonl; run.json says which one its trials use


@dataclass(slots=True)
class Record(Mapping):
    """One finished trial as ``trials.jsonl`` holds it (one JSON object per line).

    A Record also reads as that JSON object (``record["loss"]``, ``dict(record)``),
    so scripts written against the plain records keep working; code in hpobench
    uses the attributes. The runner makes it when a trial starts and fills in
    ``budget_used`` and the method's ``tell`` time when it finishes.

    Attributes:
        trial_id, config, fidelity, parent: the trial (fidelity resolved: the
            task's maximum when the method asked for None).
        continued: whether the trial really resumed its parent's checkpoint.
        status: "ok" or "failed"; error: why it failed, else None.
        loss, test_loss: None where not finite (JSON holds no nan).
        cost: the evaluation's cost in seconds (measured or tabulated).
        budget_used: fidelity spent so far in the run, in full evaluations.
        sim_start, sim_end: simulated time the trial ran; worker: which one.
        wall_time, optimizer_time: measured seconds in the task and the method
            (they differ between identical runs; see ``MEASURED_FIELDS``).
        info: the task's extra metrics.
    """

    trial_id: int
    config: Config
    fidelity: float | None
    parent: int | None
    continued: bool
    status: str
    loss: float | None
    test_loss: float | None
    cost: float
    error: str | None
    budget_used: float | None
    sim_start: float
    sim_end: float
    worker: int
    wall_time: float
    optimizer_time: float
    info: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object written to trials.jsonl (written out by hand: it runs once per trial)."""
        return {
            "trial_id": self.trial_id, "config": self.config, "fidelity": self.fidelity, "parent": self.parent,
            "continued": self.continued, "status": self.status, "loss": self.loss, "test_loss": self.test_loss,
            "cost": self.cost, "error": self.error, "budget_used": self.budget_used, "sim_start": self.sim_start,
            "sim_end": self.sim_end, "worker": self.worker, "wall_time": self.wall_time,
            "optimizer_time": self.optimizer_time, "info": self.info,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], schema: int = TRIAL_SCHEMA) -> Record:
        """A record read back from JSON written with trial schema ``schema`` (KeyError: a field is missing)."""
        if schema != TRIAL_SCHEMA:
            raise ValueError(f"unknown trial schema {schema}")
        return cls(**{name: data[name] for name in RECORD_FIELDS})

    def result(self) -> Result:
        """The task's answer as recorded (a failure's loss back to nan)."""
        return Result(math.nan if self.loss is None else self.loss, self.cost, self.test_loss, self.info)

    def __getitem__(self, key: str) -> Any:
        if key not in _FIELD_SET:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(RECORD_FIELDS)

    def __len__(self) -> int:
        return len(RECORD_FIELDS)


RECORD_FIELDS = tuple(f.name for f in fields(Record))
_FIELD_SET = frozenset(RECORD_FIELDS)
