"""What a method asks for (a Trial) and what a task answers (a Result)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
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
