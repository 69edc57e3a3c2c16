"""Which runs a results folder holds, and what is wrong with them.

The analysis reads run.json and trials.jsonl as data and never builds a
task or a method from them (so a crafted results folder cannot run code):
what it needs, such as the optimum, is recorded in run.json; runs recorded
before the optimum was have none, and their curves show the loss.

The analysis never drops a run silently: runs that are unfinished, that
failed (every trial failed, or no trial recorded), that are missing from a
study's full grid of tasks x methods x seeds, that were made with other
package versions than the rest of their study, or whose budget (or number
of workers) differs from other runs of their method and task, which the
curves and tables would average together, are listed by ``inventory``.
A run of the grid that no sweep could make, because the method needs what
the task lacks (Hyperband on a task without a fidelity), is not missing but
not applicable: run.json records what each method requires and what each
task has, so this is known from the data, without building anything.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hpobench.storage import DONE, RunFolder, find_runs

KEYS = ["study", "task", "method", "seed"]


@dataclass
class Inventory:
    """The runs of a results folder and their problems.

    Attributes:
        runs: one row per run folder: ``study, task, method, seed, status,
            finished, n_trials, n_failed, optimum, versions, path``.
        missing: ``study, task, method, seed`` of runs expected from the
            study's grid of tasks x methods x seeds but absent.
        not_applicable: those of the grid's absent runs that cannot exist,
            since the method needs something the task lacks, with ``lacks``
            (what, e.g. ``fidelity``); not in ``missing``.
        version_groups: per study, the distinct environments (package
            versions and git commit) with how many runs used each; a study
            with more than one is flagged.
    """

    runs: pd.DataFrame
    missing: pd.DataFrame
    version_groups: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    not_applicable: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=[*KEYS, "lacks"]))

    @property
    def mixed_budgets(self) -> pd.DataFrame:
        """Runs of a (study, task, method) whose runs differ in budget or workers: they would be averaged together."""
        if "budget" not in self.runs:
            return self.runs.iloc[:0]
        kinds = self.runs.groupby(["study", "task", "method"])["budget"].transform("nunique")
        return self.runs[kinds > 1].sort_values(KEYS)

    @property
    def unequal_budgets(self) -> dict[tuple[str, str], list[tuple[str, str]]]:
        """(study, task) -> (method, budget) of tasks whose methods ran with different budgets or workers.

        A method with mixed budgets itself is listed by ``mixed_budgets`` instead.
        """
        if "budget" not in self.runs:
            return {}
        found = {}
        for (study, task), group in self.runs.groupby(["study", "task"], sort=True):
            per_method = group.groupby("method")["budget"].unique()
            if group["budget"].nunique() > 1 and (per_method.map(len) == 1).all():
                found[(study, task)] = [(m, b[0]) for m, b in sorted(per_method.items())]
        return found

    def of_study(self, study: str) -> Inventory:
        """The part of this inventory that concerns one study."""
        return Inventory(self.runs[self.runs["study"] == study], self.missing[self.missing["study"] == study],
                         {s: g for s, g in self.version_groups.items() if s == study},
                         self.not_applicable[self.not_applicable["study"] == study])

    @property
    def unfinished(self) -> pd.DataFrame:
        """Runs without a ``done`` marker: still running, or killed."""
        return self.runs[~self.runs["finished"]]

    @property
    def failed(self) -> pd.DataFrame:
        """Runs with no successful trial (none recorded, or all failed)."""
        return self.runs[self.runs["n_trials"] == self.runs["n_failed"]]

    @property
    def with_failed_trials(self) -> pd.DataFrame:
        """Runs in which some (not all) trials failed."""
        return self.runs[(self.runs["n_failed"] > 0) & (self.runs["n_failed"] < self.runs["n_trials"])]

    @property
    def mixed_versions(self) -> dict[str, list[tuple[str, int]]]:
        """Studies whose runs were made with more than one environment."""
        return {study: groups for study, groups in self.version_groups.items() if len(groups) > 1}


def read_runs(root: str | os.PathLike) -> pd.DataFrame:
    """One row per run folder below ``root`` with what ``run.json`` says about it.

    Columns: ``study, task, method, seed, status, finished, optimum,
    optimum_recorded, versions, budget, task_config, path``.
    ``optimum_recorded`` says whether run.json has the ``optimum`` key (None
    there: unknown); ``versions`` is a short text of the package versions
    and git commit, and ``budget`` one of the budget and workers
    (``evals=40, 4 workers``), for comparing runs.
    """
    rows = []
    for path in find_runs(root):
        info = RunFolder(path).read_info()
        rows.append({
            **info.labels, "status": info.status, "finished": (path / DONE).exists(),
            "optimum": info.optimum, "optimum_recorded": info.optimum_recorded,
            "requires": _known(info.requires), "capabilities": _known(info.capabilities),
            "versions": _describe_env(info.environment), "budget": _describe_budget(info.config or {}),
            "task_config": json.dumps((info.config or {}).get("task"), sort_keys=True), "path": str(path),
        })
    columns = [*KEYS, "status", "finished", "optimum", "optimum_recorded", "requires", "capabilities", "versions",
               "budget", "task_config", "path"]
    return pd.DataFrame(rows, columns=columns)


def _known(names: Any) -> frozenset[str] | None:
    """A list of names from run.json as a set; None when the file does not say (or says something else)."""
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return None
    return frozenset(names)


def _describe_env(env: dict[str, Any]) -> str:
    versions = env.get("versions") or {}
    text = ", ".join(f"{name} {versions[name]}" for name in sorted(versions))
    return f"{text}; git {env.get('git_commit')}"


def _describe_budget(config: dict[str, Any]) -> str:
    if "budget" not in config:
        return "not recorded"
    limits = config.get("budget") or {}
    text = ", ".join(f"{k}={limits[k]:g}" if isinstance(limits[k], (int, float)) else f"{k}={limits[k]}"
                     for k in sorted(limits) if limits[k] is not None) or "the task's default budget"
    workers = config.get("workers", 1)
    return text + (f", {workers} workers" if workers not in (None, 1) else "")


def inventory(runs: pd.DataFrame, trials: pd.DataFrame) -> Inventory:
    """Count trials per run and find missing, unfinished and failed runs and mixed versions.

    Args:
        runs: from ``read_runs``.
        trials: from ``storage.load_results`` on the same folder.
    """
    runs = runs.copy()
    if len(trials):
        counts = trials[KEYS].assign(failed=trials["status"] == "failed").groupby(KEYS, sort=False).agg(
            n_trials=("failed", "size"), n_failed=("failed", "sum"))
        runs = runs.merge(counts.reset_index(), on=KEYS, how="left")
    else:
        runs["n_trials"], runs["n_failed"] = 0, 0
    runs[["n_trials", "n_failed"]] = runs[["n_trials", "n_failed"]].fillna(0).astype(int)
    missing = []
    for study, group in runs.groupby("study", sort=True):
        full = pd.MultiIndex.from_product([[study], *(sorted(group[k].unique()) for k in KEYS[1:])], names=KEYS)
        have = pd.MultiIndex.from_frame(group[KEYS])
        missing.append(full.difference(have).to_frame(index=False))
    versions = {study: sorted(group["versions"].value_counts().items())
                for study, group in runs.groupby("study", sort=True)}
    absent = pd.concat(missing, ignore_index=True) if missing else pd.DataFrame(columns=KEYS)
    lacks = _lacks(runs, absent)
    impossible = lacks != ""
    return Inventory(runs, absent[~impossible].reset_index(drop=True), versions,
                     absent[impossible].assign(lacks=lacks[impossible]).reset_index(drop=True))


def _lacks(runs: pd.DataFrame, absent: pd.DataFrame) -> pd.Series:
    """For each absent run, what its method needs that its task lacks ("" when nothing, or unknown), from
    what the study's other runs of that method and of that task recorded."""
    def known(column: str, key: str) -> dict[tuple[str, str], frozenset[str]]:
        have = runs if column in runs else runs.assign(**{column: None})
        return {(row.study, getattr(row, key)): getattr(row, column)
                for row in have.itertuples(index=False) if getattr(row, column) is not None}

    requires, capabilities = known("requires", "method"), known("capabilities", "task")
    out = []
    for row in absent.itertuples(index=False):
        need, has = requires.get((row.study, row.method)), capabilities.get((row.study, row.task))
        out.append(" and ".join(sorted(need - has)) if need is not None and has is not None else "")
    return pd.Series(out, index=absent.index, dtype=object)


def describe(inv: Inventory) -> list[str]:
    """Lines (markdown) that list every problem of the inventory; empty when there is none."""
    lines = []

    def listing(title: str, frame: pd.DataFrame, extra: str | None = None) -> None:
        if len(frame):
            lines.append(f"- {title}: {len(frame)}")
            for row in frame.itertuples(index=False):
                text = f"{row.study}/{row.task}/{row.method}/seed={row.seed}"
                lines.append(f"  - {text}" + (f" ({getattr(row, extra)})" if extra else ""))

    listing("Missing runs (expected from the study's tasks x methods x seeds)", inv.missing)
    listing("Not applicable (the method needs what the task lacks, so no sweep makes these runs; not missing)",
            inv.not_applicable.assign(note="needs " + inv.not_applicable["lacks"].astype(str)), "note")
    listing("Unfinished runs (no `done` marker: running or killed; left out of the analysis)", inv.unfinished,
            "status")
    failed = inv.failed.assign(note=lambda f: np.where(
        f["n_trials"] > 0, f["n_trials"].astype(str) + " trials, all failed", "no trial recorded"))
    listing("Failed runs (no successful trial)", failed, "note")
    failed_trials = inv.with_failed_trials.assign(
        note=lambda f: f["n_failed"].astype(str) + " of " + f["n_trials"].astype(str) + " trials failed")
    listing("Runs with failed trials (those trials are skipped)", failed_trials, "note")
    listing("Runs of one method and task with different budgets or workers (averaged together in the curves and "
            "tables: give each budget its own study)", inv.mixed_budgets, "budget")
    for (study, task), budgets in inv.unequal_budgets.items():
        lines.append(f"- Methods on {study}/{task} ran with different budgets or workers (compare with care):")
        lines.extend(f"  - {method}: {budget}" for method, budget in budgets)
    for study, groups in inv.mixed_versions.items():
        lines.append(f"- Study {study!r} mixes runs made with different versions:")
        lines.extend(f"  - {count} runs: {text}" for text, count in groups)
    return lines

