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
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from hpobench import targets
from hpobench.budget import Budget
from hpobench.errors import NotApplicable, UserError
from hpobench.methods.base import Method
from hpobench.progress import Progress
from hpobench.provenance import data_hashes, environment, now
from hpobench.record_text import TrialsDigest, canonical_text, record_texts
from hpobench.run_info import RunInfo
from hpobench.storage import RunFolder, clean_float, fingerprint, strict_json, write_atomic
from hpobench.tasks.base import Task
from hpobench.trial import Record, Result, Trial

METHOD_STREAM, TASK_STREAM = 0, 1
MAX_WORKERS = 100_000  # simulated workers; more would only fill memory with idle ones before the first finish


@dataclass
class RunOutcome:
    """What a run did: its records in finishing order and why it stopped."""

    records: list[Record]
    stop_reason: str
    optimum: float | None = None
    skipped: bool = False
    replayed: int = 0
    wall_time: float = 0.0
    repaired: int = 0  # lines of a damaged trials.jsonl that repair=true cut off

    @property
    def best(self) -> Record | None:
        ok = [r for r in self.records if r.status == "ok"]
        return min(ok, key=lambda r: r.loss) if ok else None


@dataclass(frozen=True)
class Plan:
    """What defines a run besides method and task: its seed, budget and simulated workers."""

    seed: int
    budget: Budget
    workers: int = 1


@dataclass(frozen=True)
class Recording:
    """Where and as what a run is recorded.

    Attributes:
        folder: the run's folder.
        labels: ``study``, ``task`` and ``method`` names for ``run.json``.
        config: the settings that define the run; a folder holding a run of
            other settings is refused rather than mixed.
        files: more files (relative path to text) to write into the folder
            when the run starts, such as the resolved Hydra config.
    """

    folder: RunFolder
    labels: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] | None = None
    files: dict[str, str] = field(default_factory=dict)


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
    """Build the method for ``task`` and check that the task has what it needs.

    The method's settings are checked against its constructor's signature
    first, so a wrong setting is named as such and a TypeError raised inside
    the constructor is reported as the bug it is, with where it was raised.
    """
    method = targets.call(make_method, "method",
                          {"space": task.space, "fidelity": task.fidelity, "rng": method_rng(seed)})
    missing = sorted(method.requires - task.capabilities())
    if missing:
        raise NotApplicable(f"{type(method).__name__} needs a task that supports {' and '.join(missing)}, which "
                        f"{type(task).__name__} does not; pick a task that does or another method.")
    return method


def run(
    make_method: Callable[..., Method],
    task: Task,
    *,
    seed: int,
    budget: Budget,
    workers: int = 1,
    folder: RunFolder | Recording | None = None,
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
        folder: where to record: a RunFolder, or a Recording (the folder with
            the labels, settings and files that go into it); None records in
            memory only.
        progress: show a progress bar on stderr (after half a second; ``hpobench.progress``).
        repair: cut a damaged ``trials.jsonl`` to the last valid trial before
            the damage instead of refusing to resume (``hpobench.trials_file``).
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        raise UserError(f"workers must be a positive integer of at most {MAX_WORKERS:,}, got {workers!r}.")
    plan = Plan(seed, budget, workers)
    recording = Recording(folder) if isinstance(folder, RunFolder) else folder
    method = build_method(make_method, task, seed)
    labels = recording.labels if recording else {}
    bar = Progress(budget, " ".join(str(v) for v in labels.values()) or None, progress)
    with bar:
        if recording is None:
            task.attach(None)
            outcome = _Loop(method, task, plan, None, Replay([])).outcome(bar)
            task.release()
            return outcome
        try:
            with recording.folder.lock():
                return _run_in_folder(method, task, plan, recording, bar, repair)
        except OSError as error:  # our own writes: evaluation errors never get here
            raise UserError(f"Cannot write results in {recording.folder.path} ({error.strerror or error}); "
                            f"free some disk space or choose a writable results_dir=.") from error


def _run_in_folder(method: Method, task: Task, plan: Plan, recording: Recording, bar: Progress,
                   repair: bool = False) -> RunOutcome:
    folder = recording.folder
    recorded = _open_folder(folder, recording.config, task, repair)
    if folder.is_finished():
        wall = sum(r.wall_time + r.optimizer_time for r in recorded)
        return RunOutcome(recorded, folder.read_info().stop_reason or "finished", task.optimum, skipped=True,
                          wall_time=wall)
    task.attach(folder.path)  # before any writing: a task may still refuse the run (missing data)
    _write_start(recording, plan.seed, resumed=bool(recorded), optimum=task.optimum,
                 data=data_hashes(task.data_files()), needs=(method.requires, task.capabilities()),
                 method_info=method.describe(), space=task.space.as_data())
    for name, text in recording.files.items():
        write_atomic(folder.path / name, text)
    try:
        loop = _Loop(method, task, plan, folder, Replay(recorded, folder))
        outcome = loop.outcome(bar)
        task.release()  # finished: no later trial can continue from this run's checkpoints
    except BaseException as error:
        folder.close()
        info = folder.read_info()
        info.status = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
        info.error = f"{type(error).__name__}: {error}"
        folder.write_info(info)
        raise
    folder.close()
    _write_end(folder, outcome, loop.digest.hexdigest())
    outcome.repaired = folder.dropped if repair else 0
    return outcome


class Replay:
    """The record of an interrupted run, which a resumed run must retrace.

    It knows the recorded trials and the last recorded finish; it answers
    whether a trial is recorded (and gives its recorded result) and whether
    the resumed run still matches the record, at each start and each finish.
    """

    def __init__(self, recorded: list[Record], folder: RunFolder | None = None):
        self.recorded = recorded
        self.folder = folder
        self.by_id = {r.trial_id: r for r in recorded}
        self.last_finish = max((r.sim_end for r in recorded), default=-math.inf)

    def __len__(self) -> int:
        return len(self.recorded)

    def get(self, trial_id: int) -> Record | None:
        """The recorded trial of this id, None when it is not recorded."""
        return self.by_id.get(trial_id)

    def replaying(self, finished: int) -> bool:
        """Whether the run is still retracing the record, ``finished`` trials in."""
        return finished < len(self.recorded)

    def check_start(self, old: Record, trial: Trial, fidelity: float | None) -> None:
        """Refuse a recorded trial that the method now asks for differently."""
        if (old.config, old.fidelity, old.parent) != (trial.config, fidelity, trial.parent):
            raise UserError(self.differs(trial.id))

    def check_finish(self, finished: int, trial_id: int) -> Record:
        """The record of the ``finished``-th finish, which must be this trial's."""
        old = self.recorded[finished]
        if old.trial_id != trial_id:
            raise UserError(self.differs(trial_id))
        return old

    def differs(self, trial_id: int) -> str:
        where = self.folder.path if self.folder else "the folder"
        return (f"The trials recorded in {where} differ from this run at trial {trial_id}, so they were made by "
                f"other code or settings; delete that folder or choose another study=.")


class Running(NamedTuple):
    """A trial on a simulated worker, as held in the event heap.

    The heap orders by the first three fields: finish time, then recorded
    trials before new ones (a resumed run retraces its record), then start
    order (first-in-first-out); ``order`` is unique, so the rest is never compared.
    """

    finish: float
    new: bool  # False for a trial replayed from the record
    order: int
    trial: Trial
    result: Result
    record: Record


class _Loop:
    """The event loop of one run; state lives here so ``run`` stays readable."""

    def __init__(self, method: Method, task: Task, plan: Plan, folder: RunFolder | None, replay: Replay):
        self.method, self.task, self.budget, self.workers = method, task, plan.budget, plan.workers
        self.seeds = TrialSeeds(plan.seed)
        self.folder, self.replay = folder, replay
        self.records: list[Record] = []
        self.finished: dict[int, float | None] = {}  # finished trial id -> fidelity it reached
        self.used_ids: set[int] = set()
        self.can_continue = "checkpoint" in task.capabilities()
        self.fid = task.fidelity
        self.clock = 0.0
        self.fidelity_used = 0.0
        self.wall_used = 0.0
        self.started = 0
        self.failed_in_a_row = 0
        self.n_recorded = len(replay)
        self.digest = TrialsDigest() if folder is not None else None  # the fingerprint, a trial at a time

    def outcome(self, bar: Progress) -> RunOutcome:
        stop_reason = self.run(bar)
        return RunOutcome(self.records, stop_reason, self.task.optimum, replayed=len(self.replay),
                          wall_time=self.wall_used)

    def run(self, bar: Progress) -> str:
        idle = list(range(self.workers))  # a heap: the lowest free worker takes the next trial
        events: list[Running] = []  # a heap, in the order Running defines
        limit = self.budget.sim_time  # a trial counts when it ends at or before it (_past_sim_time)
        # looked up once: this loop runs once per evaluation, and its own cost is the runner's overhead
        ask, tell, clock = self.method.ask, self.method.tell, time.perf_counter
        push, pop = heapq.heappush, heapq.heappop
        evals, reached, step = self.budget.evals, self.budget.reached, bar.step if bar.enabled else None
        while True:
            while idle and (evals is None or self.started < evals) and (limit is None or self.clock < limit):
                tic = clock()
                trial = ask()
                ask_time = clock() - tic
                if trial is None:
                    break
                push(events, self._start(trial, ask_time, pop(idle)))
                self.started += 1
            if not events:
                return "budget.sim_time" if limit is not None and self.clock >= limit else "method finished"
            if _past_sim_time(limit, events):
                return "budget.sim_time"
            running = pop(events)
            record = running.record
            self.clock = running.finish
            push(idle, record.worker)
            tic = clock()
            tell(running.trial, running.result)
            record.optimizer_time += clock() - tic
            self._finish(running.trial, record)
            if step is not None:
                step(record, len(self.records), self.fidelity_used, self.clock)
            why = reached(len(self.records), self.fidelity_used, self.clock, self.wall_used, self.failed_in_a_row)
            if why and not (why == "budget.sim_time" and not _past_sim_time(limit, events)):
                return why  # (at exactly the sim_time limit, the trials that end there too still count)

    def _start(self, trial: Trial, ask_time: float, worker: int) -> Running:
        fidelity = self._check(trial)
        old = self.replay.get(trial.id) if self.n_recorded else None
        if old is not None:
            self.replay.check_start(old, trial, fidelity)
            result, wall, error = old.result(), old.wall_time, old.error
        else:
            result, wall, error = self._evaluate(trial)
        end = self.clock + result.cost
        if old is None and len(self.records) < self.n_recorded:  # = self.replay.replaying(len(self.records))
            # Evaluated again after an interruption while the replay is still running: in the interrupted run it
            # finished after every recorded trial, but a measured cost can come out shorter this time.
            end = max(end, self.replay.last_finish)
        loss, test_loss = result.loss, result.test_loss
        record = Record(
            trial.id, trial.config, fidelity, trial.parent, trial.parent is not None and self.can_continue,
            "failed" if error else "ok",
            loss if type(loss) is float and loss - loss == 0.0 else clean_float(loss),  # clean_float, inline
            None if test_loss is None else clean_float(test_loss), result.cost, error,
            None, self.clock, end, worker, wall, ask_time, result.info,
        )
        return Running(end, old is None, self.started, trial, result, record)

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

    def _finish(self, trial: Trial, record: Record) -> None:
        fidelity = record.fidelity
        if self.fid is None:
            spent = 1.0
        else:
            base = self.finished[trial.parent] if record.continued else 0.0
            spent = (fidelity - base) / self.fid.max
        self.finished[trial.id] = fidelity
        self.fidelity_used += spent
        record.budget_used = self.fidelity_used
        n = len(self.records)
        if n < self.n_recorded:  # replaying: the run must retrace the recorded one
            old = self.replay.check_finish(n, trial.id)
            record.wall_time, record.optimizer_time = old.wall_time, old.optimizer_time
            if self.digest is not None:
                self.digest.add(canonical_text(record))
        elif self.folder is not None:
            line, canonical = record_texts(record)
            self.folder.append_trial(record, line)
            self.digest.add(canonical)
        self.wall_used += record.wall_time + record.optimizer_time
        self.failed_in_a_row = self.failed_in_a_row + 1 if record.status == "failed" else 0
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


def _past_sim_time(limit: float | None, events: list[Running]) -> bool:
    """Whether the next finish is past the ``sim_time`` limit (or none is left): a time budget keeps every trial
    that ends at or before the limit, ties included, and none that ends later."""
    return limit is not None and (not events or events[0].finish > limit)


def _open_folder(folder: RunFolder, config: dict[str, Any] | None, task: Task, repair: bool) -> list[Record]:
    """The trials already recorded, after checking the folder holds this run, on the same data."""
    if folder.has_run():
        info = folder.read_info()
        old, config = info.config, strict_json(config)  # as run.json holds it
        if old != config:
            keys = sorted(k for k in set(old or {}) | set(config or {}) if (old or {}).get(k) != (config or {}).get(k))
            raise UserError(f"{folder.path} holds a run with other settings (differing in {keys}); "
                            f"delete that folder or choose another study= to keep both.")
        if not folder.is_finished():
            _check_same_data(folder, info.data, task)
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


def _write_start(recording: Recording, seed: int, resumed: bool, optimum: float | None = None,
                 data: dict[str, str] | None = None, needs: tuple[Any, Any] | None = None,
                 method_info: dict[str, Any] | None = None, space: list[dict[str, Any]] | None = None) -> None:
    folder = recording.folder
    if folder.has_run():
        info = folder.read_info()
    else:
        labels = recording.labels
        info = RunInfo(seed=seed, config=recording.config, start=now(), config_hash=fingerprint(recording.config),
                       study=labels.get("study"), task=labels.get("task"), method=labels.get("method"))
    info.status, info.environment, info.error = "running", environment(), None
    info.optimum, info.optimum_recorded = optimum, True  # for regret in the analysis
    if needs is not None:  # what the method requires and what the task has, for the analysis (runs.inventory)
        info.requires, info.capabilities = sorted(needs[0]), sorted(needs[1])
    info.method_info = strict_json(method_info or {})  # its library and version, whether it is deterministic
    info.space = strict_json(space or [])  # kinds, bounds and log scales, for readers that build no task
    if data:
        info.data = data  # SHA-256 of the task's data files: a resume must read the same
    if resumed:
        info.resumed = [*info.resumed, now()]
    folder.write_info(info)


def _write_end(folder: RunFolder, outcome: RunOutcome, trials_fingerprint: str) -> None:
    info = folder.read_info()
    best = outcome.best
    info.status, info.end, info.stop_reason = "finished", now(), outcome.stop_reason
    info.n_trials = len(outcome.records)
    info.best_loss, info.best_trial = (best.loss, best.trial_id) if best else (None, None)
    info.fingerprint = trials_fingerprint  # = fingerprint(outcome.records), made as the trials finished
    folder.write_info(info)
    folder.mark_done()
