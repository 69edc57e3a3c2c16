"""The Task contract: a task evaluates; it never decides."""

from __future__ import annotations

from pathlib import Path

from hpobench.fidelity import Fidelity
from hpobench.space import Space
from hpobench.trial import Result, Trial


class Task:
    """Base class for tasks. Subclasses set ``space`` and implement ``evaluate``.

    Attributes:
        space: the search space.
        fidelity: the fidelity axis, or None for a black-box task.
        optimum: the known minimum of ``loss`` at full fidelity, for regret;
            None when unknown.
        supports: optional capabilities; ``"checkpoint"`` means a trial with a
            ``parent`` continues from that trial's state and costs only the
            extra fidelity. ``"fidelity"`` is implied by ``fidelity``.
        cost_is_measured: True when ``cost`` is measured time (real
            training) rather than tabulated or modelled; such runs reproduce
            configurations and losses, not costs, so verification compares
            only those.
    """

    space: Space
    fidelity: Fidelity | None = None
    optimum: float | None = None
    supports: frozenset[str] = frozenset()
    cost_is_measured: bool = False

    def evaluate(self, trial: Trial, seed: int) -> Result:
        """Evaluate ``trial``; ``seed`` fixes any randomness of this evaluation.

        Raise, or return a nan loss, to report a failure: the runner records
        it as a failed trial and goes on.
        """
        raise NotImplementedError

    def describe(self, record: dict) -> str | None:
        """One line about a recorded trial in the task's own terms, for the run
        summary (e.g. the architecture and its test accuracy); None for nothing."""
        return None

    def attach(self, run_dir: Path | None) -> None:
        """Called by the runner before the first trial of a run.

        ``run_dir`` is the run's folder, where a task may keep files that must
        live as long as the run (checkpoints, so that a resumed run can still
        continue from trials recorded before it was interrupted); None when
        the run records in memory only. The default does nothing.
        """

    def release(self) -> None:
        """Called by the runner once a run has finished (not when it was
        interrupted): drop files no later trial can use. The default does nothing."""

    def capabilities(self) -> frozenset[str]:
        return frozenset(self.supports) | ({"fidelity"} if self.fidelity else frozenset())
