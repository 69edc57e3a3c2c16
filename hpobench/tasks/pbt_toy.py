"""The toy problem of the population-based training paper."""

from __future__ import annotations

import json
import shutil
from functools import cached_property
from pathlib import Path

from hpobench.fidelity import Fidelity
from hpobench.space import Float, Space
from hpobench.tasks.base import Task
from hpobench.trial import Result, Trial


class PBTToy(Task):
    """Jaderberg et al., "Population Based Training of Neural Networks" (2017), Sec. 4 and Fig. 2.

    Maximise Q(theta) = 1.2 - (theta_0^2 + theta_1^2) while training theta by
    gradient ascent on the surrogate Q^(theta | h) = 1.2 - (h_0 theta_0^2 +
    h_1 theta_1^2), whose hyperparameters h in [0, 1]^2 are what is tuned:
    one step is theta_i <- theta_i + step_size * (-2 h_i theta_i). Training
    starts from theta = (0.9, 0.9) as in the paper; the fidelity is the number
    of steps, up to ``steps``. loss = -Q (minimised; the optimum -1.2 needs
    theta = 0, which a fixed h reaches only with many steps). Each trial
    checkpoints its theta, so a trial with a parent continues from it; cost is
    one simulated second per step taken.

    ``steps`` and ``step_size`` are chosen here (the paper does not state
    them) so that no fixed h gets close to the optimum within the budget.
    """

    supports = frozenset({"checkpoint"})
    optimum = -1.2
    theta0 = (0.9, 0.9)

    def __init__(self, steps: int = 40, step_size: float = 0.01):
        self.steps = steps
        self.step_size = step_size
        self._states: dict[int, tuple[float, float, int]] = {}
        self._dir: Path | None = None

    @cached_property
    def space(self) -> Space:
        return Space({"h0": Float(0.0, 1.0), "h1": Float(0.0, 1.0)})

    @cached_property
    def fidelity(self) -> Fidelity:
        return Fidelity("step", 1, self.steps)

    def attach(self, run_dir: Path | None) -> None:
        self._states = {}
        self._dir = None if run_dir is None else run_dir / "checkpoints"

    def release(self) -> None:
        self._states = {}
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def evaluate(self, trial: Trial, seed: int) -> Result:
        steps = self.steps if trial.fidelity is None else int(trial.fidelity)
        t0, t1, done = (*self.theta0, 0) if trial.parent is None else self._load(trial.parent)
        h0, h1 = trial.config["h0"], trial.config["h1"]
        for _ in range(steps - done):
            t0, t1 = t0 - self.step_size * 2 * h0 * t0, t1 - self.step_size * 2 * h1 * t1
        self._save(trial.id, (t0, t1, steps))
        q = 1.2 - (t0 * t0 + t1 * t1)
        return Result(-q, float(steps - done), info={"theta0": t0, "theta1": t1})

    def _save(self, trial_id: int, state: tuple[float, float, int]) -> None:
        self._states[trial_id] = state
        if self._dir is not None:
            self._dir.mkdir(parents=True, exist_ok=True)
            (self._dir / f"{trial_id}.json").write_text(json.dumps(state))

    def _load(self, trial_id: int) -> tuple[float, float, int]:
        if trial_id not in self._states:  # a resumed run: the checkpoint is on disk
            path = None if self._dir is None else self._dir / f"{trial_id}.json"
            if path is None or not path.exists():
                raise FileNotFoundError(f"no checkpoint of trial {trial_id} to continue from")
            self._states[trial_id] = tuple(json.loads(path.read_text()))
        return self._states[trial_id]
