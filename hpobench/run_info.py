"""What ``run.json`` holds about one run: a RunInfo, with its schema version.

The fields of the dataclass are the one place that says what run.json
contains; ``to_dict`` and ``from_dict`` are written over them, so a new field
is one line here. ``run.json`` also says which layout of the trial record
(``hpobench.trial.TRIAL_SCHEMA``) its ``trials.jsonl`` uses.

Files written before the schema version existed carry no version field and
are read as version 1 (their layout is version 1's).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from hpobench.errors import UserError
from hpobench.trial import TRIAL_SCHEMA

RUN_SCHEMA = 1  # the layout of run.json
_WHEN_SET = {"written": "when set"}  # a field left out of run.json while it holds None or is empty
_WHEN_FINISHED = {"written": "when finished"}  # how the run ended: only in the run.json of a finished run
_NOT_ON_DISK = {"written": "never"}  # a field derived when the file is read
_WHEN_KNOWN = {"written": "when known"}  # left out while None (unknown); an empty list is written


@dataclass(slots=True)
class RunInfo:
    """One run's description, status and ending, as in its ``run.json``.

    Attributes:
        study, task, method: the labels the run was made under (folder names).
        seed: the run's seed.
        config: the settings that define the run (method, task, seed, budget,
            workers); a folder holding other settings is refused.
        config_hash: SHA-256 of ``config``.
        start: when the run was first started (UTC, ISO 8601).
        status: running, interrupted, failed or finished.
        environment: versions, git commit, host, platform, argv of the last start.
        space: the task's search space as data (``Space.as_data``), so that
            readers know each parameter's kind, bounds and scale.
        method_info: ``Method.describe()`` at the last start: the method's
            class, the library and version an adapter drives, and whether the
            method is ``deterministic`` (``verify`` reads it).
        optimum: the task's known optimum (None: unknown), for regret.
        optimum_recorded: whether the file holds ``optimum`` (runs made before
            it was recorded do not; the analysis fills it in from the task).
        data: ``sha256:<hex>`` of each data file the task reads that hpobench
            does not ship (``Task.data_files``), by absolute path; a run
            resumes only against the same content.
        resumed: when the run was resumed, one time per resume.
        requires: what the method needs of a task (``Method.requires``, e.g.
            ``["fidelity"]``), and ``capabilities``: what the task has
            (``Task.capabilities()``). The analysis reads them to tell a run
            that a sweep could never make (a method on a task that lacks what
            it needs) from a missing one, without building anything.
        error: why the last attempt ended, for an interrupted or failed run.
        end, stop_reason, n_trials, best_loss, best_trial: how it finished.
        fingerprint: SHA-256 of the trials' deterministic part, once finished.
        schema_version, trial_schema_version: the layouts of run.json and of
            the records in trials.jsonl.
        extra: keys this version does not know (kept as they are on rewrite).
    """

    seed: int
    config: dict[str, Any] | None = None
    start: str | None = None
    config_hash: str | None = None
    status: str = "running"
    study: str | None = field(default=None, metadata=_WHEN_SET)
    task: str | None = field(default=None, metadata=_WHEN_SET)
    method: str | None = field(default=None, metadata=_WHEN_SET)
    environment: dict[str, Any] = field(default_factory=dict)
    method_info: dict[str, Any] = field(default_factory=dict, metadata=_WHEN_SET)
    space: list[dict[str, Any]] = field(default_factory=list, metadata=_WHEN_SET)
    optimum: float | None = None
    optimum_recorded: bool = field(default=True, metadata=_NOT_ON_DISK)
    data: dict[str, str] = field(default_factory=dict, metadata=_WHEN_SET)
    resumed: list[str] = field(default_factory=list, metadata=_WHEN_SET)
    requires: list[str] | None = field(default=None, metadata=_WHEN_KNOWN)
    capabilities: list[str] | None = field(default=None, metadata=_WHEN_KNOWN)
    error: str | None = field(default=None, metadata=_WHEN_SET)
    end: str | None = field(default=None, metadata=_WHEN_FINISHED)
    stop_reason: str | None = field(default=None, metadata=_WHEN_FINISHED)
    n_trials: int | None = field(default=None, metadata=_WHEN_FINISHED)
    best_loss: float | None = field(default=None, metadata=_WHEN_FINISHED)
    best_trial: int | None = field(default=None, metadata=_WHEN_FINISHED)
    fingerprint: str | None = field(default=None, metadata=_WHEN_FINISHED)
    schema_version: int = RUN_SCHEMA
    trial_schema_version: int = TRIAL_SCHEMA
    extra: dict[str, Any] = field(default_factory=dict, metadata=_NOT_ON_DISK)

    @property
    def labels(self) -> dict[str, Any]:
        return {"study": self.study, "task": self.task, "method": self.method, "seed": self.seed}

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of run.json."""
        data = {}
        for f in fields(self):
            value, written = getattr(self, f.name), f.metadata.get("written", "always")
            if (written == "never" or (written == "when set" and value in (None, [], {}))
                    or (written == "when known" and value is None)
                    or (written == "when finished" and self.status != "finished")
                    or (f.name == "optimum" and not self.optimum_recorded)):
                continue
            data[f.name] = value
        return {**data, **self.extra}

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "run.json") -> RunInfo:
        """Read a run.json object; a file of a schema this version does not know is a UserError."""
        for key, known in (("schema_version", RUN_SCHEMA), ("trial_schema_version", TRIAL_SCHEMA)):
            version = data.get(key, 1)
            if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= known:
                raise UserError(f"{source} has {key}={version!r}, which this hpobench (it reads up to {known}) "
                                f"does not know; read it with the hpobench version that wrote it, or upgrade.")
        names = {f.name for f in fields(cls) if f.metadata.get("written") != "never"}
        try:
            info = cls(**{k: v for k, v in data.items() if k in names}, optimum_recorded="optimum" in data,
                       extra={k: v for k, v in data.items() if k not in names})
        except TypeError as error:  # a required field is missing
            raise UserError(f"{source} is not a run.json of hpobench ({error}); "
                            f"delete that run folder or restore the file.") from None
        return info
