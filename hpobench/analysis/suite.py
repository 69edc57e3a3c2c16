"""Summaries for studies of many tasks (a suite): ECDFs, normalised regret, IQM, performance profiles.

Definitions (docs/analysis.md has them with their sources):

* **Best known** value of a task: its ``optimum`` when known, else the
  lowest loss any run of the study reached. Regret = incumbent - best known.
* **Runtime ECDF** (COCO; Hansen et al., "COCO: performance assessment",
  arXiv:1605.03560): every (run, target) pair has a runtime, the number of
  evaluations until the run's regret first fell to the target or below
  (infinite if never); the ECDF at x is the fraction of pairs with runtime
  <= x. Targets: 51 per task, log-spaced. For BBOB tasks they are COCO's,
  regret 10^2 down to 10^-8 (10^(2 - k/5), k = 0..50); for other tasks, whose
  regrets live on other scales, they span the task's largest regret after the
  first evaluation (over all runs) down to the smallest positive regret any
  run reached (at most 8 decades).
* **Normalised regret** (Bayesmark's normalised score; Turner et al.,
  "Bayesian Optimization is Superior to Random Search for Machine Learning
  Hyperparameter Tuning", NeurIPS 2020 competition, PMLR 133):
  (incumbent - best) / (median of random search's final incumbents - best),
  clipped to [0, 1]: 0 = the best known value, 1 = random search's median at
  the same budget or worse. Needs runs of ``random`` on every task.
* **Interquartile mean (IQM)** (Agarwal et al., "Deep Reinforcement Learning
  at the Edge of the Statistical Precipice", NeurIPS 2021): the mean of the
  middle 50 % of all (task, seed) normalised regrets of a method, with a 95 %
  percentile confidence interval from a stratified bootstrap (seeds resampled
  within each task; ``scipy.stats.bootstrap`` with one sample per task,
  2,000 resamples, a fixed generator).
* **Performance profile** (Agarwal et al. 2021's score distribution): the
  fraction of a method's (task, seed) runs whose normalised regret is at most
  tau, for tau in [0, 1].

Families: a task's family is its config name (the run-folder label before the
first comma); BBOB tasks are split into COCO's five function groups. Figures
have one panel per family, not per task.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from hpobench.analysis.style import MethodStyle, figure, legend, save, styled

COCO_TARGETS = 10.0 ** (2 - np.arange(51) / 5)  # 1e2 ... 1e-8
TARGETS = len(COCO_TARGETS)
MAX_DECADES = 8  # the span of targets for non-BBOB tasks, at most
RANDOM = "random"
BOOTSTRAP_RESAMPLES = 2000
CURVE_POINTS = 50  # points of the normalised-regret curves over the fraction of the budget
MIN_TASKS = 4  # fewer tasks than this: the study gets no suite summaries
BBOB_GROUPS = ((range(1, 6), "separable"), (range(6, 10), "moderate cond."), (range(10, 15), "ill-conditioned"),
               (range(15, 20), "multimodal, global str."), (range(20, 25), "multimodal, weak str."))


def family(task: str) -> str:
    """The panel a task is drawn in: its config name, or 'bbob <COCO group>' for BBOB tasks."""
    name = task.split(",", 1)[0]
    match = re.search(r"(?:^|,)function=(\d+)", task)
    if name == "bbob" and match:
        function = int(match[1])
        return "bbob " + next((group for members, group in BBOB_GROUPS if function in members), "other")
    return name


def best_known(tr: pd.DataFrame, optima: dict[str, float | None]) -> dict[str, float]:
    """Per task: its optimum when known, else the lowest incumbent of any run."""
    lowest = tr.groupby("task")["incumbent"].min()
    return {task: (optima[task] if optima.get(task) is not None else float(lowest[task])) for task in lowest.index}


def targets(task: str, regret: pd.DataFrame) -> np.ndarray:
    """The 51 regret targets of a task; ``regret`` holds that task's traces with a ``regret`` column."""
    if task.split(",", 1)[0] == "bbob":
        return COCO_TARGETS
    first = regret.groupby("run")["regret"].first()
    top = float(first.max()) if np.isfinite(first).any() else 1.0
    positive = regret["regret"][regret["regret"] > 0]
    low = float(positive.min()) if len(positive) else top * 10.0**-MAX_DECADES
    low = max(min(low, top), top * 10.0**-MAX_DECADES)
    return np.geomspace(top, low, TARGETS) if top > 0 else np.full(TARGETS, 0.0)


def runtimes(tr: pd.DataFrame, best: dict[str, float]) -> pd.DataFrame:
    """One row per (run, target): ``task, method, seed, target, runtime`` (evaluations; inf: never reached)."""
    rows = []
    for task, group in tr.groupby("task", sort=True):
        group = group.assign(regret=group["incumbent"] - best[task])
        levels = targets(task, group)
        for (method, seed), run in group.groupby(["method", "seed"], sort=True):
            regret, evals = run["regret"].to_numpy(), run["evals"].to_numpy()
            reached = np.nan_to_num(regret, nan=np.inf)[None, :] <= levels[:, None]  # targets x trials
            first = np.where(reached.any(axis=1), evals[np.argmax(reached, axis=1)], np.inf)
            rows.append(pd.DataFrame({"task": task, "method": method, "seed": seed, "target": levels,
                                      "runtime": first.astype(float)}))
    return pd.concat(rows, ignore_index=True)


def normalised_regret(tr: pd.DataFrame, best: dict[str, float]) -> pd.DataFrame | None:
    """Per run: ``task, method, seed, score`` (see the module docstring); None without random search."""
    last = tr.groupby("run", sort=False).tail(1)
    if RANDOM not in set(last["method"]) or set(last["task"]) != set(last.loc[last["method"] == RANDOM, "task"]):
        return None
    scale = last[last["method"] == RANDOM].groupby("task")["incumbent"].median()
    out = last[["task", "method", "seed"]].copy()
    out["score"] = [_score(value, best[task], scale[task]) for task, value in zip(last["task"], last["incumbent"])]
    return out.reset_index(drop=True)


def _score(value: float, best: float, random_median: float) -> float:
    span = random_median - best
    if not span > 0:  # random search's median already at the best known value
        return 0.0 if value <= best else 1.0
    return float(np.clip((value - best) / span, 0.0, 1.0))


def iqm(scores: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Per method: ``iqm, low, high`` (95 % stratified-bootstrap percentile interval), ``runs``, ``tasks``."""
    rows = []
    for method, group in scores.groupby("method", sort=True):
        samples = [g["score"].to_numpy() for _, g in group.groupby("task", sort=True)]
        point = _iqm(*samples)
        if all(len(s) == len(samples[0]) == 1 for s in samples) or len(group) < 2:
            low = high = point  # one run per task: nothing to resample
        else:
            result = stats.bootstrap(samples, _iqm, vectorized=True, n_resamples=BOOTSTRAP_RESAMPLES,
                                     method="percentile", confidence_level=0.95, rng=np.random.default_rng(seed))
            low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
        rows.append({"method": method, "iqm": point, "low": low, "high": high, "runs": len(group),
                     "tasks": len(samples)})
    return pd.DataFrame(rows)


def _iqm(*samples: np.ndarray, axis: int = -1) -> np.ndarray | float:
    """The 25 %-trimmed mean of all samples pooled (scipy.stats.trim_mean, as rliable's IQM)."""
    pooled = np.concatenate([np.asarray(s) for s in samples], axis=axis)
    value = stats.trim_mean(pooled, 0.25, axis=axis)
    return float(value) if np.ndim(value) == 0 else value


def regret_curves(tr: pd.DataFrame, best: dict[str, float], scores: pd.DataFrame) -> pd.DataFrame:
    """Normalised regret at fractions of each run's evaluations: ``task, method, seed, fraction, score``."""
    last = tr.groupby("run", sort=False).tail(1)
    scale = last[last["method"] == RANDOM].groupby("task")["incumbent"].median()
    fractions = np.linspace(0, 1, CURVE_POINTS + 1)[1:]
    rows = []
    for (task, method, seed), run in tr.groupby(["task", "method", "seed"], sort=True):
        incumbent = run["incumbent"].to_numpy()
        at = np.maximum(np.ceil(fractions * len(incumbent)).astype(int) - 1, 0)
        values = [_score(v, best[task], scale[task]) if np.isfinite(v) else 1.0 for v in incumbent[at]]
        rows.append(pd.DataFrame({"task": task, "method": method, "seed": seed, "fraction": fractions,
                                  "score": values}))
    return pd.concat(rows, ignore_index=True)


# ----- figures ----------------------------------------------------------------------------------------


def _panels(frame: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """'all tasks' first, then one panel per family (when there is more than one)."""
    groups = sorted(frame.assign(family=frame["task"].map(family)).groupby("family"), key=lambda g: g[0])
    return [("all tasks", frame), *groups] if len(groups) > 1 else [("all tasks", frame)]


def _panel_title(name: str, frame: pd.DataFrame) -> str:
    n = frame["task"].nunique()
    return f"{name} ({n} task{'s' if n != 1 else ''})"


def _marks(i: int, methods: list[str]) -> tuple[float, float]:
    """``markevery`` in fractions of the panel's diagonal, offset per method so the markers do not stack."""
    return (0.2 * i / max(len(methods), 1), 0.2)


@styled
def ecdf_figure(rt: pd.DataFrame, styles: dict[str, MethodStyle], path: Path) -> list[Path]:
    """Runtime ECDFs over (run, target) pairs against evaluations, one panel per family."""
    panels = _panels(rt)
    fig, axes = figure(len(panels))
    methods = sorted(rt["method"].unique())
    for ax, (name, frame) in zip(axes, panels):
        finite = frame["runtime"][np.isfinite(frame["runtime"])]
        top = float(finite.max()) if len(finite) else 1.0
        grid = np.unique(np.geomspace(1, max(top, 2), 200).round())
        for i, method in enumerate(methods):
            values = np.sort(frame.loc[frame["method"] == method, "runtime"].to_numpy())
            if len(values):
                ax.plot(grid, np.searchsorted(values, grid, side="right") / len(values), drawstyle="steps-post",
                        **styles[method].line(), markevery=_marks(i, methods))
        ax.set_xscale("log")
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("evaluations")
        ax.set_ylabel("fraction of (run, target)")
        ax.set_title(_panel_title(name, frame))
    legend(fig, styles, methods)
    return save(fig, path)


@styled
def regret_figure(curves: pd.DataFrame, styles: dict[str, MethodStyle], path: Path) -> list[Path]:
    """IQM of the normalised regret across (task, seed) against the fraction of the budget, per family."""
    panels = _panels(curves)
    fig, axes = figure(len(panels))
    methods = sorted(curves["method"].unique())
    for ax, (name, frame) in zip(axes, panels):
        for i, method in enumerate(methods):
            mine = frame[frame["method"] == method]
            by_point = mine.groupby("fraction")["score"]
            iqm_values = by_point.apply(lambda s: stats.trim_mean(s.to_numpy(), 0.25))
            low, high = by_point.quantile(0.25), by_point.quantile(0.75)
            ax.plot(iqm_values.index, iqm_values.to_numpy(), **styles[method].line(), markevery=_marks(i, methods))
            ax.fill_between(iqm_values.index, low.to_numpy(), high.to_numpy(), color=styles[method].colour,
                            alpha=0.15, linewidth=0)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("fraction of the budget")
        ax.set_ylabel("normalised regret (IQM)")
        ax.set_title(_panel_title(name, frame))
    legend(fig, styles, methods)
    return save(fig, path)


@styled
def iqm_figure(table: pd.DataFrame, styles: dict[str, MethodStyle], path: Path) -> list[Path]:
    """Each method's IQM of the final normalised regret with its 95 % bootstrap interval."""
    fig, (ax,) = figure(1, height=0.5 + 0.3 * len(table))
    for i, row in enumerate(table.sort_values("iqm", ascending=False).itertuples()):
        ax.errorbar([row.iqm], [i], xerr=[[row.iqm - row.low], [row.high - row.iqm]], fmt=styles[row.method].marker,
                    color=styles[row.method].colour, capsize=3)
    ax.set_yticks(range(len(table)), table.sort_values("iqm", ascending=False)["method"].tolist())
    ax.set_xlabel("IQM of normalised regret\n(lower is better), 95 % CI")
    return save(fig, path)


def profile(scores: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """The performance profile at ``tau``: the fraction of ``scores`` (normalised regrets) <= tau."""
    return np.searchsorted(np.sort(scores), tau, side="right") / len(scores)


@styled
def profile_figure(scores: pd.DataFrame, styles: dict[str, MethodStyle], path: Path) -> list[Path]:
    """Performance profiles: the fraction of runs with normalised regret <= tau."""
    fig, (ax,) = figure(1)
    tau = np.linspace(0, 1, 201)
    methods = sorted(scores["method"].unique())
    for i, method in enumerate(methods):
        ax.plot(tau, profile(scores.loc[scores["method"] == method, "score"].to_numpy(), tau),
                drawstyle="steps-post", **styles[method].line(), markevery=_marks(i, methods))
    ax.set_xlabel("normalised regret tau")
    ax.set_ylabel("fraction of runs <= tau")
    ax.set_ylim(-0.02, 1.02)
    legend(fig, styles, methods)
    return save(fig, path)


# ----- the study's suite section ----------------------------------------------------------------------


def write(tr: pd.DataFrame, optima: dict[str, float | None], styles: dict[str, MethodStyle],
          out: Path) -> tuple[list[Path], list[str], list[str]]:
    """Write the suite figures of one study into ``out``; returns (files, report.md lines, notes).

    Args:
        tr: the study's traces (``curves.traces``).
        optima: task -> optimum, or None when unknown.
        styles: the style of every method.
        out: the study's analysis folder.
    """
    if tr["task"].nunique() < MIN_TASKS:
        return [], [], []
    best = best_known(tr, optima)
    files = ecdf_figure(runtimes(tr, best), styles, out / "suite-ecdf")
    lines = ["## Suite summaries", "",
             f"{tr['task'].nunique()} tasks in {len({family(t) for t in tr['task'].unique()})} families. "
             "Definitions: docs/analysis.md (runtime ECDF, normalised regret, IQM, performance profile).", "",
             "- [suite-ecdf.png](suite-ecdf.png): runtime ECDFs over (run, target) pairs, 51 targets per task"]
    scores = normalised_regret(tr, best)
    if scores is None:
        note = "no normalised regret, IQM or performance profile: they need random search runs on every task"
        return files, [*lines, "", note + "."], [note]
    table = iqm(scores)
    files += regret_figure(regret_curves(tr, best, scores), styles, out / "suite-normalised-regret")
    files += iqm_figure(table, styles, out / "suite-iqm")
    files += profile_figure(scores, styles, out / "suite-profile")
    lines += ["- [suite-normalised-regret.png](suite-normalised-regret.png): normalised regret over the budget, "
              "IQM across (task, seed) with quartiles, per family",
              "- [suite-iqm.png](suite-iqm.png) and [suite-profile.png](suite-profile.png): IQM with 95 % "
              "stratified-bootstrap intervals; performance profiles", ""]
    tables = _tables(table, scores)
    (out / "suite.md").write_text("\n".join(tables) + "\n", encoding="utf-8")
    return [*files, out / "suite.md"], [*lines, *tables], []


def _tables(table: pd.DataFrame, scores: pd.DataFrame) -> list[str]:
    """Markdown: the IQM table, then the mean final normalised regret per family and method."""
    lines = ["| method | IQM of final normalised regret | 95 % CI | runs | tasks |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {r.method} | {r.iqm:.3f} | [{r.low:.3f}, {r.high:.3f}] | {r.runs} | {r.tasks} |"
              for r in table.itertuples()]
    by_family = scores.assign(family=scores["task"].map(family)).groupby(["family", "method"])["score"].mean()
    by_family = by_family.unstack("method")
    lines += ["", "Mean final normalised regret per family:", "",
              "| family | " + " | ".join(by_family.columns) + " |", "|" + " --- |" * (1 + len(by_family.columns))]
    lines += [f"| {name} | " + " | ".join(f"{v:.3f}" for v in row) + " |" for name, row in by_family.iterrows()]
    return lines
