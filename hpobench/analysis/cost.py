"""Where a method's time goes: evaluating trials, or the method itself.

A run's time has three parts: the evaluation cost the task reports (measured
seconds for real training, tabulated or modelled seconds for benchmarks; the
simulated clock runs on it), the measured wall time of those evaluations, and
the method's own time in ``ask`` and ``tell``. The last is real time even
when the evaluations are simulated, so a costly optimiser shows up here.
"""

from __future__ import annotations

import pandas as pd

from hpobench.analysis.runs import KEYS


def per_run(trials: pd.DataFrame) -> pd.DataFrame:
    """Totals per run: ``evaluation_cost``, ``evaluation_wall``, ``method_time`` (seconds) and ``trials``."""
    totals = trials.groupby(KEYS, sort=True).agg(
        evaluation_cost=("cost", "sum"), evaluation_wall=("wall_time", "sum"),
        method_time=("optimizer_time", "sum"), trials=("trial_id", "size"))
    return totals.reset_index()


def summary(cost: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds per (study, task, method) of the totals, with the method's share of the wall time.

    ``method_share`` is method time / (method time + evaluation wall time),
    and ``method_per_trial`` the method's mean seconds per trial.
    """
    mean = cost.groupby(["study", "task", "method"], sort=True)[
        ["evaluation_cost", "evaluation_wall", "method_time", "trials"]].mean()
    mean["method_per_trial"] = mean["method_time"] / mean["trials"]
    mean["method_share"] = mean["method_time"] / (mean["method_time"] + mean["evaluation_wall"])
    return mean.reset_index()
