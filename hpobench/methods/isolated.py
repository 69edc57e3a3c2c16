"""Methods whose optimiser runs in its own virtual environment, as a worker speaking ask/tell.

DEHB and HEBO pin numpy below 2, and a user's own optimiser may clash with
our dependencies in the same way. Such a method lists its ``requirements``
in its YAML; on first use they are installed into a cached environment of
their own (``hpobench.methods.venvs``), and each run starts a small worker
process there (``drivers/worker.py``, which imports nothing from hpobench)
that loads the optimiser's driver and answers ``ask`` and ``tell`` over JSON
lines on pipes. To the runner it is a method like any other: resuming by
replay works because the worker is started afresh and asked again.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import tempfile
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from hpobench.errors import NotApplicable, UserError
from hpobench.fidelity import Fidelity
from hpobench.methods.base import Method
from hpobench.methods.venvs import ensure_env, python_of
from hpobench.space import Space
from hpobench.trial import Result, Trial

DRIVERS = Path(__file__).resolve().parent / "drivers"  # the worker and the drivers shipped with hpobench
WORKER = DRIVERS / "worker.py"
_DROPPED_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")  # ours would leak into the worker


class IsolatedMethod(Method):
    """A method driven in a worker process inside its own virtual environment.

    Args:
        space, fidelity, rng: supplied by the runner.
        requirements: what ``pip install`` puts into the environment (an empty
            list: a bare environment with the standard library only).
        driver: ``module:Class`` of the driver, importable in the worker: the
            drivers shipped with hpobench (``dehb_driver``, ``hebo_driver``)
            are, and a user's driver comes with its package in
            ``requirements`` or from a folder in ``paths``.
        settings: keyword settings handed to the driver as a dict.
        paths: folders put in front of the worker's ``sys.path``.
        requires: capabilities the task must have (``[fidelity]`` for a
            multi-fidelity optimiser).
        deterministic: False when the optimiser keeps same-seed runs from
            being identical; ``run.json`` and ``verify`` then say so.

    The worker's seed is one draw from the method's generator. It runs with
    ``PYTHONHASHSEED=0`` (so libraries that iterate over sets of strings do so
    in the same order in every process) and in a temporary folder of its own,
    removed when the method goes, so files an optimiser writes never reach the
    results. Integer fidelities a driver asks for are rounded to the nearest
    whole number.
    """

    def __init__(self, space: Space, fidelity: Fidelity | None, rng: np.random.Generator, *,
                 requirements: Sequence[str], driver: str, settings: dict[str, Any] | None = None,
                 paths: Sequence[str] = (), requires: Sequence[str] = (), deterministic: bool = True):
        super().__init__(space, fidelity, rng)
        if ":" not in str(driver):
            raise UserError(f"method.driver must be module:Class, got {driver!r}.")
        self.requires = frozenset(requires)
        self.deterministic = bool(deterministic)
        self.driver = str(driver)
        self.requirements = [str(r) for r in requirements]
        self.env = ensure_env(self.requirements, label=f"the method driven by {self.driver}")
        self._start_message = {
            "op": "start", "driver": self.driver, "paths": [str(Path(p).resolve()) for p in paths],
            "space": space.as_data(), "seed": int(rng.integers(2**31 - 1)), "settings": dict(settings or {}),
            "fidelity": None if fidelity is None else {"name": fidelity.name, "min": fidelity.min,
                                                       "max": fidelity.max, "integer": fidelity.integer}}
        self._running: _Worker | None = None
        self.library: str | None = None
        self.library_version: str | None = None
        if not ("fidelity" in self.requires and fidelity is None):  # else the runner refuses the task first
            self._worker  # noqa: B018  (started now, so that a driver that cannot start stops the run before it)

    @property
    def _worker(self) -> _Worker:
        """The worker, started when the method is built (or on first use)."""
        if self._running is None:
            self._running = _Worker(python_of(self.env), self.driver)
            hello = self._running.call(self._start_message)
            self.library, self.library_version = hello["library"], hello["version"]
        return self._running

    def ask(self) -> Trial | None:
        asked = self._worker.call({"op": "ask", "trial": self._asked})["trial"]
        if asked is None:
            return None
        return self.new_trial(asked["config"], self._fidelity_of(asked.get("fidelity")), asked.get("parent"))

    def tell(self, trial: Trial, result: Result) -> None:
        loss = result.loss if math.isfinite(result.loss) else None
        self._worker.send({"op": "tell", "trial": trial.id, "loss": loss, "cost": result.cost})

    def describe(self) -> dict[str, Any]:
        self._worker  # noqa: B018  (started, so that it has said which library and version it runs)
        kind = type(self)
        return {"class": f"{kind.__module__}.{kind.__qualname__}", "deterministic": self.deterministic,
                "library": self.library, "library_version": self.library_version, "driver": self.driver,
                "requirements": self.requirements, "environment": str(self.env)}

    def _fidelity_of(self, value: float | None) -> float | None:
        if self.fidelity is None or value is None:
            return None if self.fidelity is None else value
        value = min(max(float(value), self.fidelity.min), self.fidelity.max)  # the driver's rounding error
        return float(round(value)) if self.fidelity.integer else value


class _Worker:
    """The worker process: JSON lines out, one back for each, in order; it ends when its method is collected."""

    def __init__(self, python: Path, driver: str):
        self.driver = driver
        self.folder = tempfile.mkdtemp(prefix="hpobench-worker-")
        self.log = tempfile.TemporaryFile(mode="w+", prefix="hpobench-worker-", suffix=".log")  # noqa: SIM115 (closed by _stop)
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
        env["PYTHONHASHSEED"] = "0"
        self.process = subprocess.Popen([str(python), str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.log, text=True, cwd=self.folder, env=env)
        self._finalizer = weakref.finalize(self, _stop, self.process, self.folder, self.log)
        self._unread: list[str] = []  # the ops of messages sent whose answers are not read yet, oldest first

    def call(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send a message and return its answer (after reading the answers of those sent before it)."""
        self.send(message)
        while True:
            answer = self._read(self._unread.pop(0))
            if not self._unread:
                return answer

    def send(self, message: dict[str, Any]) -> None:
        """Send a message whose answer is read with the next call's. A tell's answer says only whether it
        failed, and the runner asks next anyway, so the two processes wait on each other once per trial
        instead of twice; a failed tell stops the run at that next ask."""
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            self._exited(message["op"])
        self._unread.append(message["op"])

    def _read(self, op: str) -> dict[str, Any]:
        try:
            line = self.process.stdout.readline()
        except OSError:
            line = ""
        if not line:
            self._exited(op)
        answer = json.loads(line)
        if answer["ok"]:
            return answer
        if "not_applicable" in answer:  # the driver cannot run with this task or budget (a sweep skips the pair)
            raise NotApplicable(answer["not_applicable"])
        at = f" at {answer['where']}" if answer.get("where") else ""
        if answer["stage"] == "start":  # the driver could not be loaded or built: the user's code or settings
            raise UserError(f"The optimiser {self.driver} failed to start in its environment{at} "
                            f"({answer['error']}); fix that code, method.settings or method.requirements.")
        raise RuntimeError(f"The optimiser {self.driver} failed in {answer['stage']}{at}: {answer['error']}")

    def _exited(self, op: str) -> NoReturn:
        code = self.process.wait(timeout=10)
        raise RuntimeError(f"The worker for {self.driver} exited (status {code}) during {op}; "
                           f"its last output: {self._tail()}")

    def _tail(self, lines: int = 15) -> str:
        self.log.flush()
        self.log.seek(0)
        return "\n".join(self.log.read().splitlines()[-lines:]) or "(nothing)"

    def close(self) -> None:
        self._finalizer()


def _stop(process: subprocess.Popen, folder: str, log: Any) -> None:
    try:
        process.stdin.close()  # the worker ends at the end of its input
        process.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        process.kill()
        process.wait()
    for stream in (process.stdout, log):
        stream.close()
    shutil.rmtree(folder, ignore_errors=True)
