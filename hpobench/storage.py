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
from json.encoder import c_make_encoder, encode_basestring_ascii
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hpobench.errors import UserError
from hpobench.run_info import RunInfo
from hpobench.trial import Record

TRIALS = "trials.jsonl"
RUN_INFO = "run.json"
DONE = "done"
LOCK = ".lock"
MEASURED_FIELDS = ("wall_time", "optimizer_time")  # differ between identical runs


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot record a {type(value).__name__} in a trial record")


_ENCODER = json.JSONEncoder(default=_jsonable)
# The trial writer runs once per evaluation, and JSONEncoder.encode builds a new C encoder on every call: build
# it once, with JSONEncoder's own settings, so each line is the same text for less time (json.dumps without the
# C accelerator where it is missing). Records hold no cycles, so the cycle check is left out.
_C_ENCODER = c_make_encoder and c_make_encoder(None, _jsonable, encode_basestring_ascii, None, ": ", ", ", False,
                                               False, True)


def record_line(data: dict[str, Any]) -> str:
    """One line of trials.jsonl: the JSON of ``data``, as ``json.dumps(data, default=...)`` writes it."""
    return ("".join(_C_ENCODER(data, 0)) if _C_ENCODER else _ENCODER.encode(data)) + "\n"


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
    if isinstance(content, list):
        content = [deterministic_part(r) if isinstance(r, Mapping) else r for r in content]
    text = json.dumps(content, sort_keys=True, default=_jsonable, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def clean_float(x: float | None) -> float | None:
    """None for missing or non-finite numbers, which JSON cannot hold."""
    return None if x is None or not math.isfinite(x) else float(x)


class RunFolder:
    """The files of one run."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._trials_file = None

    @property
    def trials_path(self) -> Path:
        return self.path / TRIALS

    def is_finished(self) -> bool:
        return (self.path / DONE).exists()

    def has_run(self) -> bool:
        return (self.path / RUN_INFO).exists()

    def read_info(self) -> RunInfo:
        """The run's run.json; one of an unknown schema version is a UserError."""
        path = self.path / RUN_INFO
        return RunInfo.from_dict(json.loads(path.read_text()), source=str(path))

    def write_info(self, info: RunInfo) -> None:
        write_atomic(self.path / RUN_INFO, json.dumps(info.to_dict(), indent=2, default=_jsonable) + "\n")

    def read_trials(self, repair: bool = False) -> list[Record]:
        """The recorded trials in finishing order, in the layout run.json names.

        A last line without its newline was cut off by a kill mid-write; it is
        ignored, and with ``repair`` removed so that appending can go on.
        """
        if not self.trials_path.exists():
            return []
        schema = self.read_info().trial_schema_version if self.has_run() else 1
        data = self.trials_path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        if repair and len(complete) != len(data):
            with open(self.trials_path, "r+b") as f:
                f.truncate(len(complete))
        # one parse for the whole file: per-line json.loads costs more than the parsing itself
        rows = json.loads(b"[" + b",".join(complete.splitlines()) + b"]")
        try:
            return [Record.from_dict(row, schema) for row in rows]
        except KeyError as error:
            raise UserError(f"{self.trials_path} has a trial without the field {error}, so it was not written "
                            f"by hpobench; delete that run folder or restore the file.") from None

    def append_trial(self, record: Record) -> None:
        if self._trials_file is None:
            self.path.mkdir(parents=True, exist_ok=True)
            self._trials_file = open(self.trials_path, "a", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self._trials_file.write(record_line(record.to_dict()))
        self._trials_file.flush()

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold this folder for one process; a second one is refused with the holder's name.

        An flock on ``.lock``: the kernel drops it when the holder dies, even
        by SIGKILL, so a killed run never leaves a stale lock behind.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        handle = open(self.path / LOCK, "a+", encoding="utf-8")  # noqa: SIM115 (closed below)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise UserError(f"{self.path} is being written by {holder}; wait for it to end "
                            f"or choose another study=.") from None
        handle.truncate(0)
        handle.write(f"process {os.getpid()} on {socket.gethostname()}")
        handle.flush()
        try:
            yield
        finally:
            os.unlink(self.path / LOCK)
            handle.close()

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

    def mark_done(self) -> None:
        (self.path / DONE).touch()

    def close(self) -> None:
        if self._trials_file is not None:
            self._trials_file.close()
            self._trials_file = None


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def find_runs(root: str | os.PathLike) -> list[Path]:
    """Every run folder below ``root`` (folders with a run.json), sorted."""
    return sorted(p.parent for p in Path(root).rglob(RUN_INFO))


def list_runs(root: str | os.PathLike) -> pd.DataFrame:
    """One row per run below ``root``: study, task, method, seed, status, trials, path."""
    rows = []
    for path in find_runs(root):
        info = RunFolder(path).read_info()
        rows.append({**info.labels, "status": info.status, "stop_reason": info.stop_reason,
                     "n_trials": info.n_trials, "path": str(path)})
    return pd.DataFrame(rows, columns=["study", "task", "method", "seed", "status", "stop_reason", "n_trials", "path"])


def load_results(root: str | os.PathLike) -> pd.DataFrame:
    """All trials of all runs below ``root`` as one tidy DataFrame.

    One row per finished trial, in finishing order within each run, with the
    run's ``study, task, method, seed, run_status`` and the trial record's
    fields; ``config`` and ``info`` are spread into ``config.<name>`` and
    ``info.<key>`` columns.
    """
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
