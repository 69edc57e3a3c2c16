"""Result files: one folder per run, one JSON line per finished trial.

A run folder holds ``trials.jsonl`` (appended and flushed as each trial
finishes, so a killed process loses at most the line it was writing),
``run.json`` (what ran, where, with which versions, and how it ended; always
replaced atomically) and an empty ``done`` marker once the run is complete.
The records are types (``trial.Record`` per line, ``run_info.RunInfo`` for
run.json); ``RunFolder`` is their one reader and writer.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import os
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hpobench import trials_file
from hpobench.errors import UserError
from hpobench.record_text import canonical_text, line_json, record_texts
from hpobench.record_text import jsonable as _jsonable
from hpobench.run_info import RunInfo
from hpobench.trial import Record

if TYPE_CHECKING:  # pandas is imported by the two readers that need it: a run does not
    import pandas as pd

TRIALS = "trials.jsonl"
RUN_INFO = "run.json"
DONE = "done"
LOCK = ".lock"
MEASURED_FIELDS = ("wall_time", "optimizer_time")  # differ between identical runs


def record_line(data: dict[str, Any]) -> str:
    """One line of trials.jsonl: the JSON of ``data``, as ``json.dumps(data, default=...)`` writes it."""
    return line_json(data) + "\n"


def deterministic_part(record: Mapping[str, Any]) -> dict[str, Any]:
    """A trial record (a Record, or its JSON object) without its wall-clock measurements."""
    if isinstance(record, Record):  # a fresh dict: drop the measured fields in place (the fingerprint of a run)
        items = record.to_dict()
        for name in MEASURED_FIELDS:
            del items[name]
        return items
    return {k: v for k, v in record.items() if k not in MEASURED_FIELDS}


def fingerprint(content: Any) -> str:
    """SHA-256 of canonical JSON; for lists of trial records, of their deterministic part only."""
    if isinstance(content, list) and all(isinstance(r, Record) for r in content):  # what a run writes, made faster
        text = "[" + ",".join([canonical_text(r) for r in content]) + "]"  # = record_text.TrialsDigest
    else:
        if isinstance(content, list):
            content = [deterministic_part(r) if isinstance(r, Mapping) else r for r in content]
        text = json.dumps(content, sort_keys=True, default=_jsonable, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


UNKNOWN_WHEN_NOT_FINITE = ("optimum", "best_loss")  # run.json keys whose non-finite value means "unknown"


def strict_json(value: Any, key: str | None = None) -> Any:
    """``value`` with every non-finite float replaced, so that strict JSON readers accept run.json.

    ``optimum`` and ``best_loss`` become null (unknown); any other non-finite
    number (a setting such as ``upper: .inf``) becomes the string ``"NaN"``,
    ``"Infinity"`` or ``"-Infinity"``, Python's own spelling, so the setting
    stays readable and a resumed run compares its settings in the same form.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return None if key in UNKNOWN_WHEN_NOT_FINITE else json.dumps(value)
    if isinstance(value, np.generic):
        return strict_json(value.item(), key)
    if isinstance(value, dict):
        return {k: strict_json(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(v) for v in value]
    return value


def clean_float(x: float | None) -> float | None:
    """None for missing or non-finite numbers, which JSON cannot hold."""
    return None if x is None or not math.isfinite(x) else float(x)


class RunFolder:
    """The files of one run."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._trials_file = None
        self.dropped = 0  # lines the last repairing read_trials cut off

    @property
    def trials_path(self) -> Path:
        return self.path / TRIALS

    def is_finished(self) -> bool:
        return (self.path / DONE).exists()

    def has_run(self) -> bool:
        return (self.path / RUN_INFO).exists()

    def read_info(self) -> RunInfo:
        """The run's run.json; one that is not valid JSON or of an unknown schema version is a UserError."""
        path = self.path / RUN_INFO
        try:
            data = json.loads(path.read_bytes())
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise UserError(f"{path} is not valid JSON ({error}), so it was not written by hpobench or was damaged; "
                            f"move that run folder aside, or restore the file.") from None
        if not isinstance(data, dict):
            raise UserError(f"{path} is not a JSON object, so it is not a run.json of hpobench; move that run "
                            f"folder aside, or restore the file.")
        return RunInfo.from_dict(data, source=str(path))

    def write_info(self, info: RunInfo) -> None:
        """Write run.json as strict JSON (see ``strict_json``), atomically."""
        text = json.dumps(strict_json(info.to_dict()), indent=2, default=_jsonable, allow_nan=False)
        write_atomic(self.path / RUN_INFO, text + "\n")

    def read_trials(self, repair: bool = False, repair_damage: bool = False) -> list[Record]:
        """The recorded trials in finishing order, in the layout run.json names
        (``hpobench.trials_file`` says what counts as damage).

        A last line cut short by a kill is ignored, and with ``repair``
        removed so that appending can go on; other damage is a UserError,
        unless ``repair_damage``: then the file is cut to the trials before
        it and ``dropped`` says how many lines went.
        """
        self.dropped = 0
        if not self.trials_path.exists():
            return []
        schema = self.read_info().trial_schema_version if self.has_run() else 1
        data = self.trials_path.read_bytes()
        parsed = trials_file.parse(data, self.trials_path, repair_damage)
        if repair and (parsed.keep < len(data) or parsed.newline):
            with open(self.trials_path, "r+b") as f:
                f.truncate(parsed.keep)
                if parsed.newline:  # a whole last record whose newline a kill left out
                    f.seek(parsed.keep)
                    f.write(b"\n")
            self.dropped = parsed.dropped
        try:
            return [Record.from_dict(row, schema) for row in parsed.rows]
        except KeyError as error:
            raise UserError(f"{self.trials_path} has a trial without the field {error}, so it was not written "
                            f"by hpobench; delete that run folder or restore the file.") from None

    def append_trial(self, record: Record, line: str | None = None) -> None:
        """Append ``record`` to trials.jsonl and hand it to the system before returning (an unbuffered write,
        as a flush after each line), so a killed run keeps every finished trial; ``line``: its text, when the
        caller made it already (``record_text.record_texts``)."""
        if self._trials_file is None:
            self.path.mkdir(parents=True, exist_ok=True)
            self._trials_file = open(self.trials_path, "ab", buffering=0)  # noqa: SIM115 (closed in close())
        line = record_texts(record)[0] if line is None else line
        self._trials_file.write(line.encode())  # ASCII: json escapes everything else

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold this folder for one process; a second one is refused with the holder's name.

        An flock on ``.lock``: the kernel drops it when the holder dies, even
        by SIGKILL, so a killed run never leaves a stale lock behind. The
        holder removes ``.lock`` when it ends, so a process that opened the
        file just before that may lock a file no longer in the folder; the
        lock counts only when the locked file is still the folder's ``.lock``
        (same inode), else it is taken again on the new file.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        handle = self._take_lock()
        handle.truncate(0)
        handle.write(f"process {os.getpid()} on {socket.gethostname()}")
        handle.flush()
        try:
            yield
        finally:
            os.unlink(self.path / LOCK)  # while still holding it: a process that locks the old file sees it gone
            handle.close()

    def _take_lock(self) -> Any:
        while True:
            handle = open(self.path / LOCK, "a+", encoding="utf-8")  # noqa: SIM115 (closed by the caller)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                handle.close()
                raise UserError(f"{self.path} is being written by {holder}; wait for it to end "
                                f"or choose another study=.") from None
            try:
                if os.stat(self.path / LOCK).st_ino == os.fstat(handle.fileno()).st_ino:
                    return handle
            except FileNotFoundError:
                pass
            handle.close()  # locked a .lock that its holder removed meanwhile: try the folder's current one

    def is_locked(self) -> bool:
        """Whether a live process holds this folder now."""
        if not (self.path / LOCK).exists():
            return False
        with open(self.path / LOCK, encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
        return False

    def state(self) -> str:
        """Where the run stands; the one definition that list_runs, status, verify and the analysis use.

        ``finished``: the ``done`` marker exists (written last, after run.json
        has its final state, so a run killed between the two is not
        finished); ``missing``: no run.json; ``running``: a live process holds
        the folder; ``damaged``: trials.jsonl holds damage a kill cannot leave
        (see ``hpobench.trials_file``); ``failed``: the last attempt raised;
        else ``interrupted``.
        """
        if self.is_finished():
            return "finished"
        if not self.has_run():
            return "missing"
        if self.is_locked():
            return "running"
        try:
            self.read_trials()
        except UserError:
            return "damaged"
        return "failed" if self.read_info().status == "failed" else "interrupted"

    def mark_done(self) -> None:
        (self.path / DONE).touch()

    def close(self) -> None:
        if self._trials_file is not None:
            self._trials_file.close()
            self._trials_file = None


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, never half."""
    with atomic_target(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


@contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """A temporary name beside ``path`` to write to; renamed to ``path`` when the block ends without error.

    A kill or an error midway leaves ``path`` as it was (and at most a hidden
    ``.<name>.<pid>.tmp``, removed on errors), never a truncated file under the final name.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def find_runs(root: str | os.PathLike) -> list[Path]:
    """Every run folder below ``root`` (folders with a run.json), sorted."""
    return sorted(p.parent for p in Path(root).rglob(RUN_INFO))


def list_runs(root: str | os.PathLike) -> pd.DataFrame:
    """One row per run below ``root``: study, task, method, seed, status (``RunFolder.state``), trials, path."""
    import pandas as pd

    rows = []
    for path in find_runs(root):
        folder = RunFolder(path)
        info = folder.read_info()
        rows.append({**info.labels, "status": folder.state(), "stop_reason": info.stop_reason,
                     "n_trials": info.n_trials, "path": str(path)})
    return pd.DataFrame(rows, columns=["study", "task", "method", "seed", "status", "stop_reason", "n_trials", "path"])


def load_results(root: str | os.PathLike) -> pd.DataFrame:
    """All trials of all runs below ``root`` as one tidy DataFrame.

    One row per finished trial, in finishing order within each run, with the
    run's ``study, task, method, seed, run_status`` and the trial record's
    fields; ``config`` and ``info`` are spread into ``config.<name>`` and
    ``info.<key>`` columns.
    """
    import pandas as pd

    keys, counts, frames = [], [], []
    for path in find_runs(root):
        folder = RunFolder(path)
        info, trials = folder.read_info(), folder.read_trials()
        if not trials:
            continue
        keys.append({**info.labels, "run_status": info.status})
        counts.append(len(trials))
        # one frame per run, so each run's columns get their types from that run alone
        frames.append(pd.DataFrame.from_records([_spread(trial) for trial in trials]))
    if not frames:
        return pd.DataFrame()
    runs = pd.DataFrame.from_records(keys).loc[np.repeat(np.arange(len(keys)), counts)].reset_index(drop=True)
    return pd.concat([runs, pd.concat(frames, ignore_index=True)], axis=1)


def _spread(trial: Record) -> dict[str, Any]:
    """A trial record with ``config`` and ``info`` spread into prefixed keys."""
    flat = trial.to_dict()
    config, info = flat.pop("config"), flat.pop("info")
    flat.update({f"config.{k}": v for k, v in config.items()})
    flat.update({f"info.{k}": v for k, v in info.items()})
    return flat
