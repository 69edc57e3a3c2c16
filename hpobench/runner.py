"""The runner: one method, one task, one seed, until a budget is spent.

It owns the loop, the clock and the budget. With ``workers > 1`` it simulates
asynchronous workers: each trial is evaluated when it starts, and its result
is revealed to the method when the simulated clock reaches its finish time
(start + reported cost). Finish events are processed in order of simulated
time, ties first-in-first-out, and a method is asked whenever a worker is
free. A run is therefore a pure function of (method, task, seed, budget,
workers) for tasks whose costs are tabulated or modelled.

Resuming replays: the method is rebuilt from the seed and asked again, and
trials already in ``trials.jsonl`` take their recorded results instead of
being evaluated. Methods being deterministic, the replay retraces the
interrupted run exactly (this is checked trial by trial), so no trial is
lost or evaluated twice and no method needs to save its state.
"""

from __future__ import annotations

import dataclasses
import heapq
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from tqdm import tqdm

from hpobench.budget import Budget
from hpobench.errors import UserError
from hpobench.methods.base import Method
from hpobench.provenance import data_hashes, environment, now
from hpobench.storage import RunFolder, clean_float, fingerprint, strict_json, write_atomic
from hpobench.tasks.base import Task
from hpobench.trial import Result, Trial

METHOD_STREAM, TASK_STREAM = 0, 1
MAX_WORKERS = 100_000  # simulated workers; more would only fill memory with idle ones before the first finish


@dataclass
class RunOutcome:
    """What a run did: its records in finishing order and why it stopped."""

    records: list[dict[str, Any]]
    stop_reason: str
    optimum: float | None = None
    skipped: bool = False
    replayed: int = 0
    wall_time: float = 0.0
    repaired: int = 0  # lines of a damaged trials.jsonl that repair=true cut off

    @property
    def best(self) -> dict[str, Any] | None:
        ok = [r for r in self.records if r["status"] == "ok"]
        return min(ok, key=lambda r: r["loss"]) if ok else None


def method_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(METHOD_STREAM,)))


class TrialSeeds:
    """The seeds handed to ``task.evaluate``: trial k gets the k-th 32-bit word
    of the run's task stream, so a seed depends on the run seed and trial id
    only, never on evaluation order or on resuming. Words are made in blocks
    (``generate_state`` is prefix-stable) because one SeedSequence per trial
    would cost more than a synthetic evaluation."""

    def __init__(self, seed: int):
        self.stream = np.random.SeedSequence(seed, spawn_key=(TASK_STREAM,))
        self.words: list[int] = []

    def __call__(self, trial_id: int) -> int:
        if trial_id >= len(self.words):
            self.words = self.stream.generate_state(max(1024, 2 * (trial_id + 1))).tolist()
        return self.words[trial_id]


def build_method(make_method: Callable[..., Method], task: Task, seed: int) -> Method:
    """Build the method for ``task`` and check that the task has what it needs."""
    try:
        method = make_method(space=task.space, fidelity=task.fidelity, rng=method_rng(seed))
    except TypeError as error:  # constructors only store settings, so this is a bad setting name
        raise UserError(f"The method's settings do not fit it ({error}); fix the method.* settings.") from error
    missing = sorted(method.requires - task.capabilities())
    if missing:
        raise UserError(f"{type(method).__name__} needs a task that supports {' and '.join(missing)}, which "
                        f"{type(task).__name__} does not; pick a task that does or another method.")
    return method


def run(
    make_method: Callable[..., Method],
    task: Task,
    *,
    seed: int,
    budget: Budget,
    workers: int = 1,
    folder: RunFolder | None = None,
    labels: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
    files: dict[str, str] | None = None,
    progress: bool = False,
    repair: bool = False,
) -> RunOutcome:
    """Run ``make_method(space=, fidelity=, rng=)`` on ``task`` until ``budget`` is spent.

    Args:
        make_method: builds the method; it gets the task's space and fidelity
            and a generator from ``seed``.
        task: the task to evaluate on.
        seed: the run's seed.
        budget: when to stop.
        workers: simulated asynchronous workers.
        folder: where to record; None records in memory only.
        labels: ``study``, ``task`` and ``method`` names for ``run.json``.
        config: the settings that define the run; a folder holding a run of
            other settings is refused rather than mixed.
        files: more files (relative path to text) to write into the folder
            when the run starts, such as the resolved Hydra config.
        progress: show a progress bar on stderr (after two seconds).
        repair: cut a damaged ``trials.jsonl`` to the last valid trial before
            the damage instead of refusing to resume (``hpobench.trials_file``).
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        raise UserError(f"workers must be a positive integer of at most {MAX_WORKERS:,}, got {workers!r}.")
    method = build_method(make_method, task, seed)
    bar = tqdm(total=budget.evals, delay=2.0, disable=not progress, file=sys.stderr, unit="trial",
               desc=" ".join(str(v) for v in (labels or {}).values()) or None)
    with bar:
        if folder is None:
            task.attach(None)
            outcome = _Loop(method, task, seed, budget, workers, None, []).outcome(bar)
            task.release()
            return outcome
        try:
            with folder.lock():
                return _run_in_folder(method, task, seed, budget, workers, folder, labels, config, files, bar,
                                      repair)
        except OSError as error:  # our own writes: evaluation errors never get here
            raise UserError(f"Cannot write results in {folder.path} ({error.strerror or error}); "
                            f"free some disk space or choose a writable results_dir=.") from error


def _run_in_folder(method, task, seed, budget, workers, folder, labels, config, files, bar, repair) -> RunOutcome:
    recorded = _open_folder(folder, config, task, repair)
    if folder.is_finished():
        info = folder.read_info()
        wall = sum(r["wall_time"] + r["optimizer_time"] for r in recorded)
        return RunOutcome(recorded, info.get("stop_reason", "finished"), task.optimum, skipped=True, wall_time=wall)
    task.attach(folder.path)  # before any writing: a task may still refuse the run (missing data)
    _write_start(folder, labels or {}, config, seed, resumed=bool(recorded), optimum=task.optimum,
                 data=data_hashes(task.data_files()))
    for name, text in (files or {}).items():
        write_atomic(folder.path / name, text)
    try:
        outcome = _Loop(method, task, seed, budget, workers, folder, recorded).outcome(bar)
        task.release()  # finished: no later trial can continue from this run's checkpoints
    except BaseException as error:
        folder.close()
        status = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
        folder.write_info({**folder.read_info(), "status": status, "error": f"{type(error).__name__}: {error}"})
        raise
    folder.close()
    _write_end(folder, outcome)
    outcome.repaired = folder.dropped if repair else 0
    return outcome


class _Loop:
    """The event loop of one run; state lives here so ``run`` stays readable."""

    def __init__(self, method: Method, task: Task, seed: int, budget: Budget, workers: int,
                 folder: RunFolder | None, recorded: list[dict[str, Any]]):
        self.method, self.task, self.budget = method, task, budget
        self.seeds = TrialSeeds(seed)
        self.workers, self.folder, self.recorded = workers, folder, recorded
        self.replay = {r["trial_id"]: r for r in recorded}
        self.recorded_end = max((r["sim_end"] for r in recorded), default=-math.inf)
        self.records: list[dict[str, Any]] = []
        self.finished: dict[int, float | None] = {}  # finished trial id -> fidelity it reached
        self.used_ids: set[int] = set()
        self.can_continue = "checkpoint" in task.capabilities()
        self.fid = task.fidelity
        self.clock = 0.0
        self.fidelity_used = 0.0
        self.wall_used = 0.0
        self.started = 0
        self.failed_in_a_row = 0

    def outcome(self, bar: tqdm) -> RunOutcome:
        stop_reason = self.run(bar)
        return RunOutcome(self.records, stop_reason, self.task.optimum, replayed=len(self.recorded),
                          wall_time=self.wall_used)

    def run(self, bar: tqdm) -> str:
        idle = list(range(self.workers))  # a heap: the lowest free worker takes the next trial
        events: list[tuple] = []  # heap of (finish time, not a recorded trial, start order, ...): ties go to
        # recorded trials first (a resumed run retraces its record), then first-in-first-out
        while True:
            while idle and (self.budget.evals is None or self.started < self.budget.evals):
                tic = time.perf_counter()
                trial = self.method.ask()
                ask_time = time.perf_counter() - tic
                if trial is None:
                    break
                start = self._start(trial, ask_time, heapq.heappop(idle))
                heapq.heappush(events, (start[2]["sim_end"], trial.id not in self.replay, self.started, *start))
                self.started += 1
            if not events:
                return "method finished"
            end, _, _, trial, result, record = heapq.heappop(events)
            self.clock = end
            heapq.heappush(idle, record["worker"])
            tic = time.perf_counter()
            self.method.tell(trial, result)
            record["optimizer_time"] += time.perf_counter() - tic
            self._finish(trial, record)
            bar.update()
            reached = self.budget.reached(len(self.records), self.fidelity_used, self.clock, self.wall_used,
                                          self.failed_in_a_row)
            if reached:
                return reached

    def _start(self, trial: Trial, ask_time: float, worker: int) -> tuple[Trial, Result, dict[str, Any]]:
        fidelity = self._check(trial)
        old = self.replay.get(trial.id)
        if old is not None:
            result, wall, error = _result_of(old), old["wall_time"], old["error"]
            if (old["config"], old["fidelity"], old["parent"]) != (trial.config, fidelity, trial.parent):
                raise UserError(_differs(self.folder, trial.id))
        else:
            result, wall, error = self._evaluate(trial)
        end = self.clock + result.cost
        if old is None and len(self.records) < len(self.recorded):
            # Evaluated again after an interruption while the replay is still running: in the interrupted run it
            # finished after every recorded trial, but a measured cost can come out shorter this time.
            end = max(end, self.recorded_end)
        continued = trial.parent is not None and self.can_continue
        record = {
            "trial_id": trial.id, "config": trial.config, "fidelity": fidelity, "parent": trial.parent,
            "continued": continued, "status": "failed" if error else "ok", "loss": clean_float(result.loss),
            "test_loss": clean_float(result.test_loss), "cost": result.cost, "error": error,
            "budget_used": None, "sim_start": self.clock, "sim_end": end,
            "worker": worker, "wall_time": wall, "optimizer_time": ask_time, "info": result.info,
        }
        return trial, result, record

    def _evaluate(self, trial: Trial) -> tuple[Result, float, str | None]:
        seed = self.seeds(trial.id)
        if trial.parent is not None and self.can_continue:  # the task charges only the extra fidelity
            trial = dataclasses.replace(trial, parent_fidelity=self.finished[trial.parent])
        tic = time.perf_counter()
        try:
            result = self.task.evaluate(trial, seed)
            error = None if math.isfinite(result.loss) else f"the task returned loss={result.loss}"
            if not (math.isfinite(result.cost) and result.cost >= 0):
                raise ValueError(f"the task reported cost={result.cost}; costs must be finite and >= 0")
        except Exception as exc:  # a failing evaluation is a failed trial, never a crashed run
            error = f"{type(exc).__name__}: {exc}"
            result = Result(math.nan, 0.0, info={})
        return result, time.perf_counter() - tic, error

    def _finish(self, trial: Trial, record: dict[str, Any]) -> None:
        fidelity = record["fidelity"]
        if self.fid is None:
            spent = 1.0
        else:
            base = self.finished[trial.parent] if record["continued"] else 0.0
            spent = (fidelity - base) / self.fid.max
        self.finished[trial.id] = fidelity
        self.fidelity_used += spent
        record["budget_used"] = self.fidelity_used
        n = len(self.records)
        if n < len(self.recorded):  # replaying: the run must retrace the recorded one
            old = self.recorded[n]
            if old["trial_id"] != trial.id:
                raise UserError(_differs(self.folder, trial.id))
            record["wall_time"], record["optimizer_time"] = old["wall_time"], old["optimizer_time"]
        elif self.folder is not None:
            self.folder.append_trial(record)
        self.wall_used += record["wall_time"] + record["optimizer_time"]
        self.failed_in_a_row = self.failed_in_a_row + 1 if record["status"] == "failed" else 0
        self.records.append(record)

    def _check(self, trial: Trial) -> float | None:
        """Refuse trials a method must not ask for; return the resolved fidelity."""
        problem = self.task.space.check(trial.config)
        if trial.id in self.used_ids:
            problem = problem or f"trial id {trial.id} was used before"
        self.used_ids.add(trial.id)
        if trial.parent is not None and trial.parent not in self.finished:
            problem = problem or f"parent {trial.parent} is not a finished trial"
        fidelity = trial.fidelity
        if self.fid is None:
            if fidelity is not None:
                problem = problem or "the task has no fidelity, but the trial asks for one"
        else:
            fidelity = self.fid.max if fidelity is None else fidelity
            problem = problem or self.fid.check(fidelity)
        if problem:
            raise RuntimeError(f"{type(self.method).__name__} asked for an invalid trial {trial}: {problem}")
        return fidelity


def _result_of(record: dict[str, Any]) -> Result:
    loss = math.nan if record["loss"] is None else record["loss"]
    test = record["test_loss"]
    return Result(loss, record["cost"], test, record["info"])


def _differs(folder: RunFolder | None, trial_id: int) -> str:
    return (f"The trials recorded in {folder.path if folder else 'the folder'} differ from this run at trial "
            f"{trial_id}, so they were made by other code or settings; delete that folder or choose another study=.")


def _open_folder(folder: RunFolder, config: dict[str, Any] | None, task: Task, repair: bool) -> list[dict[str, Any]]:
    """The trials already recorded, after checking the folder holds this run, on the same data."""
    if folder.has_run():
        info = folder.read_info()
        old, config = info.get("config"), strict_json(config)  # as run.json holds it
        if old != config:
            keys = sorted(k for k in set(old or {}) | set(config or {}) if (old or {}).get(k) != (config or {}).get(k))
            raise UserError(f"{folder.path} holds a run with other settings (differing in {keys}); "
                            f"delete that folder or choose another study= to keep both.")
        if not folder.is_finished():
            _check_same_data(folder, info.get("data") or {}, task)
    finished = folder.is_finished()
    return folder.read_trials(repair=not finished, repair_damage=repair and not finished)


def _check_same_data(folder: RunFolder, recorded: dict[str, str], task: Task) -> None:
    """Refuse to resume a run whose data files changed since it started: it would mix results of both."""
    now = data_hashes(task.data_files())
    for path in sorted(set(recorded) | set(now)):
        if recorded.get(path) != now.get(path):
            what = "is no longer read" if path not in now else "is new" if path not in recorded else "changed"
            raise UserError(f"The data file {path} {what} since the run in {folder.path} started, so resuming "
                            f"would mix results of both; restore it, or delete that folder (or choose another "
                            f"study=) to start afresh.")


def _write_start(folder: RunFolder, labels: dict[str, Any], config: dict[str, Any] | None, seed: int,
                 resumed: bool, optimum: float | None = None, data: dict[str, str] | None = None) -> None:
    info = folder.read_info() if folder.has_run() else {**labels, "seed": seed, "config": config, "start": now(),
                                                         "config_hash": fingerprint(config)}
    info.update(status="running", environment=environment(), optimum=optimum)  # optimum: for regret in analysis
    if data:
        info["data"] = data  # SHA-256 of the task's data files: a resume must read the same
    info.pop("error", None)
    if resumed:
        info["resumed"] = [*info.get("resumed", []), now()]
    folder.write_info(info)


def _write_end(folder: RunFolder, outcome: RunOutcome) -> None:
    info = folder.read_info()
    best = outcome.best
    info.update(status="finished", end=now(), stop_reason=outcome.stop_reason, n_trials=len(outcome.records),
                best_loss=best["loss"] if best else None, best_trial=best["trial_id"] if best else None,
                fingerprint=fingerprint(outcome.records))
    folder.write_info(info)
    folder.mark_done()
