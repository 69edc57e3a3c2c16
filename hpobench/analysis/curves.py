"""Incumbent curves: the best loss so far of every run, on common grids.

A run's incumbent is the trial with the lowest validation ``loss`` among its
successful trials so far, at any fidelity or (by option) at full fidelity
only; ties keep the earlier trial. Its
``test_loss`` is reported beside it: the test loss is never used to choose.
Curves are step functions of one of four axes and are sampled on a grid
shared by every run of a task, taking the last value at or before each grid
point (nan before a run's first successful trial, the final value after the
run ended).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hpobench.analysis.runs import KEYS
from hpobench.analysis.stats import ranks

# axis name -> label with unit; each axis is a cumulative column of ``traces``.
AXES: dict[str, str] = {
    "evals": "evaluations",
    "fidelity": "fidelity used (full-fidelity evaluations)",
    "sim_time": "simulated time (s)",
    "wall_time": "wall time, evaluation + method (s)",
}
# the same axes in a few words, for "fraction of ..." labels
AXIS_NAMES: dict[str, str] = {"evals": "evaluations", "fidelity": "fidelity used", "sim_time": "simulated time",
                              "wall_time": "wall time"}


def traces(trials: pd.DataFrame, full_fidelity_only: bool = False) -> pd.DataFrame:
    """Per trial, where its run stands on every axis and what the incumbent is.

    Args:
        trials: from ``storage.load_results``, in finishing order within each run.
        full_fidelity_only: only trials at the highest fidelity any trial of
            the task reached can become the incumbent (a low-fidelity loss can
            flatter a configuration); by default any successful trial can.

    Returns:
        One row per trial: ``study, task, method, seed, run`` (an integer per
        run), the axes ``evals`` (trials finished), ``fidelity``
        (``budget_used``), ``sim_time`` (``sim_end``) and ``wall_time``
        (cumulative ``wall_time + optimizer_time``), and ``incumbent`` and
        ``incumbent_test`` (nan until the first successful trial).
    """
    trials = trials.reset_index(drop=True)
    run = trials.groupby(KEYS, sort=False).ngroup().to_numpy()
    out = trials[KEYS].copy()
    out["run"] = run
    out["evals"] = trials.groupby(run).cumcount().to_numpy() + 1
    out["fidelity"] = trials["budget_used"].astype(float)
    out["sim_time"] = trials["sim_end"].astype(float)
    out["wall_time"] = (trials["wall_time"] + trials["optimizer_time"]).groupby(run).cumsum().astype(float)
    eligible = trials["status"] == "ok"  # failed trials can never be the incumbent
    if full_fidelity_only:
        fidelity = pd.to_numeric(trials["fidelity"], errors="coerce")  # None: a task without fidelities
        top = fidelity.groupby([trials["study"], trials["task"]]).transform("max")
        eligible &= fidelity.isna() | (fidelity >= top)
    loss = trials["loss"].astype(float).where(eligible).fillna(np.inf).to_numpy()
    best = pd.Series(loss).groupby(run).cummin().to_numpy()
    before = pd.Series(best).groupby(run).shift(fill_value=np.inf).to_numpy()
    improved = loss < before  # strictly: a tie keeps the earlier incumbent
    row_of_best = pd.Series(np.where(improved, np.arange(len(out)), np.nan)).groupby(run).ffill().to_numpy()
    test = np.append(trials["test_loss"].astype(float).to_numpy(), np.nan)
    out["incumbent"] = np.where(np.isfinite(best), best, np.nan)
    out["incumbent_test"] = test[np.nan_to_num(row_of_best, nan=len(out)).astype(int)]
    return out


@dataclass
class GridCurves:
    """The incumbent curves of every run of one task on one axis, sampled on one grid.

    Attributes:
        study: the study.
        task: the task.
        axis: a key of ``AXES``.
        grid: the sample points, increasing, (points,).
        log: whether the grid is geometric (plot it on a log axis).
        runs: one row per run: ``method, seed, end`` (the run's last position on the axis).
        values: ``"incumbent"`` and ``"incumbent_test"`` -> (runs, points).
    """

    study: str
    task: str
    axis: str
    grid: np.ndarray
    log: bool
    runs: pd.DataFrame
    values: dict[str, np.ndarray]

    def methods(self) -> list[str]:
        return sorted(self.runs["method"].unique())

    def of(self, method: str, column: str = "incumbent") -> np.ndarray:
        """The (seeds, points) values of one method."""
        return self.values[column][(self.runs["method"] == method).to_numpy()]


def make_grid(starts: np.ndarray, ends: np.ndarray, axis: str, points: int) -> tuple[np.ndarray, bool]:
    """A grid covering the runs' ranges on ``axis``: linear for evaluations, else geometric.

    Args:
        starts: each run's first position on the axis.
        ends: each run's last position.
        axis: a key of ``AXES``.
        points: at most this many points.
    """
    high = float(np.max(ends))
    if axis == "evals":
        return (np.arange(1, high + 1) if high <= points else np.linspace(1, high, points)), False
    positive = starts[starts > 0]
    low = float(np.min(positive)) if len(positive) else 0.0
    if low <= 0 or low >= high:  # costs of zero, or a single point: no log scale
        return np.linspace(0.0, high, points), False
    return np.geomspace(low, high, points), True


def sample(tr: pd.DataFrame, axis: str, grid: np.ndarray) -> dict[str, np.ndarray]:
    """Sample the step curves of the runs in ``tr`` (rows grouped by run) at ``grid``.

    Returns:
        ``"incumbent"`` and ``"incumbent_test"`` -> (runs in order of first
        appearance, points): the value of the last trial at or before each
        grid point, nan before the run's first trial.
    """
    run = tr["run"].to_numpy()
    x = tr[axis].to_numpy()
    starts = np.flatnonzero(np.r_[True, run[1:] != run[:-1]])
    stops = np.r_[starts[1:], len(run)]
    # One searchsorted per run (the axes grow within a run); the rest is vectorised.
    index = np.stack([np.searchsorted(x[a:b], grid, side="right") - 1 + a for a, b in zip(starts, stops)])
    before = index < starts[:, None]
    out = {}
    for column in ("incumbent", "incumbent_test"):
        values = tr[column].to_numpy()[np.maximum(index, 0)]
        values[before] = np.nan
        out[column] = values
    return out


def grid_curves(tr: pd.DataFrame, axis: str, points: int = 200) -> list[GridCurves]:
    """Incumbent curves of every (study, task) on ``axis``, on a grid per task.

    Args:
        tr: from ``traces``.
        axis: a key of ``AXES``.
        points: grid points at most.
    """
    result = []
    for (study, task), group in tr.groupby(["study", "task"], sort=True):
        first = group.groupby("run", sort=False).head(1)
        last = group.groupby("run", sort=False).tail(1)
        grid, log = make_grid(first[axis].to_numpy(), last[axis].to_numpy(), axis, points)
        runs = pd.DataFrame({"method": last["method"].to_numpy(), "seed": last["seed"].to_numpy(),
                             "end": last[axis].to_numpy()})
        result.append(GridCurves(study, task, axis, grid, log, runs, sample(group, axis, grid)))
    return result


def final(tr: pd.DataFrame) -> pd.DataFrame:
    """The last incumbent of every run: ``study, task, method, seed, incumbent, incumbent_test``."""
    # tail, not last: last() would skip a nan test loss and report an older incumbent's
    return tr.groupby("run", sort=False).tail(1)[[*KEYS, "incumbent", "incumbent_test"]].reset_index(drop=True)


def mean_over_time(tr: pd.DataFrame, axis: str, fractions: np.ndarray) -> pd.DataFrame:
    """The mean incumbent over seeds of each method on each task at fractions of the budget.

    The grid of a task is ``fractions`` times the furthest any of its runs got
    on ``axis``, so tasks of different budgets line up for ranking.

    Args:
        tr: from ``traces``, one study.
        axis: a key of ``AXES``.
        fractions: in (0, 1], increasing.

    Returns:
        DataFrame indexed by (task, method) with one column per fraction; nan
        where some seed of the method has no successful trial yet.
    """
    frames = []
    for task, group in tr.groupby("task", sort=True):
        values = sample(group, axis, fractions * group[axis].max())["incumbent"]
        methods = group.groupby("run", sort=False)["method"].first().to_numpy()
        names = sorted(set(methods))
        means = [values[methods == m].mean(axis=0) for m in names]  # any nan seed gives nan
        index = pd.MultiIndex.from_product([[task], names], names=["task", "method"])
        frames.append(pd.DataFrame(means, index=index, columns=fractions))
    return pd.concat(frames)


def ranks_over_time(tr: pd.DataFrame, points: int = 100) -> dict[str, pd.DataFrame]:
    """Per axis, each method's rank averaged over tasks at fractions of the budget.

    On each task the methods are ranked by their mean incumbent over seeds
    (``mean_over_time``; ties share ranks); a method without a value yet on a
    task has no rank there, and the average is over the tasks where it has one.

    Args:
        tr: from ``traces``, one study.
        points: fractions 1/points, 2/points, ..., 1.

    Returns:
        axis -> DataFrame indexed by method with one column per fraction.
    """
    fractions = np.linspace(0, 1, points + 1)[1:]
    methods = sorted(tr["method"].unique())
    result = {}
    for axis in AXES:
        means = mean_over_time(tr, axis, fractions)
        per_task = np.stack([ranks(means.loc[task].reindex(methods).to_numpy().T).T
                             for task in means.index.unique("task")])  # (tasks, methods, fractions)
        count = np.isfinite(per_task).sum(axis=0)  # a method without a value yet has no rank there
        mean = np.where(count > 0, np.nansum(per_task, axis=0) / np.maximum(count, 1), np.nan)
        result[axis] = pd.DataFrame(mean, index=methods, columns=fractions)
    return result
