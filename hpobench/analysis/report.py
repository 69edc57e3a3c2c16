"""The whole analysis of a results folder: read, check, compute, and write figures and tables.

``analyse(root, out)`` is what ``python -m hpobench.analysis`` and the
multirun callback call. Each study below ``root`` is analysed on its own (a
study is one comparison), into ``out/<study>/``, where ``runs.md`` lists the
runs that are missing, unfinished or failed and mixed package versions. The
default ``out`` is the ``analysis`` folder beside the studies, so
``results/`` and ``results/<study>`` both write to ``results/analysis/<study>/``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hpobench.analysis import cost, plots, suite, tables
from hpobench.analysis.curves import AXES, final, grid_curves, ranks_over_time, traces
from hpobench.analysis.runs import KEYS, Inventory, describe, inventory, read_runs
from hpobench.analysis.stats import BANDS, critical_difference, friedman
from hpobench.analysis.style import method_styles
from hpobench.cli import check_writable
from hpobench.errors import UserError
from hpobench.storage import load_results, write_atomic

CD_BLOCKS = ("auto", "task", "task-seed")
INCUMBENTS = ("any", "full")
MAX_POINTS = 100_000  # grid points per curve; more only fill memory (a figure shows a few hundred)
MIN_TASKS_AS_BLOCKS = 5  # with fewer tasks, "auto" compares over (task, seed) pairs
MAX_TASK_PANELS = 12  # with more tasks, per-task curves give way to the suite's per-family panels


@dataclass(frozen=True)
class Options:
    """Settings of an analysis.

    Attributes:
        band: ``"sem"`` (mean ± standard error), ``"iqr"`` (median and quartiles) or ``"range"`` (median,
            best and worst seed) over seeds.
        points: grid points of each curve at most.
        alpha: significance level of the critical difference and the table marks.
        cd_blocks: the blocks of the Friedman test: ``"task"`` (Demšar's data
            sets: the mean over seeds per task), ``"task-seed"`` (every task
            and seed that all methods ran), or ``"auto"``: tasks when there are
            at least five, else task-seed pairs.
        include_unfinished: analyse runs without a ``done`` marker too
            (they are listed either way).
        incumbent: ``"any"``: any successful trial can be the incumbent;
            ``"full"``: only trials at the highest fidelity of their task.
        html: also write the interactive ``report.html`` of each study.
    """

    band: str = "sem"
    points: int = 200
    alpha: float = 0.05
    cd_blocks: str = "auto"
    include_unfinished: bool = False
    incumbent: str = "any"
    html: bool = False

    def __post_init__(self) -> None:
        if self.band not in BANDS:
            raise UserError(f"band must be one of {', '.join(BANDS)}, got {self.band!r}.")
        if self.cd_blocks not in CD_BLOCKS:
            raise UserError(f"cd_blocks must be one of {', '.join(CD_BLOCKS)}, got {self.cd_blocks!r}.")
        if self.incumbent not in INCUMBENTS:
            raise UserError(f"incumbent must be one of {', '.join(INCUMBENTS)}, got {self.incumbent!r}.")
        if not 0 < self.alpha < 1:
            raise UserError(f"alpha must lie between 0 and 1, got {self.alpha}.")
        if not 2 <= self.points <= MAX_POINTS:
            raise UserError(f"points must be at least 2 and at most {MAX_POINTS:,}, got {self.points}.")


@dataclass
class Report:
    """What an analysis wrote and found.

    Attributes:
        out: the output folder.
        files: every file written, figures (PDF and PNG) and tables.
        problems: markdown lines listing missing, unfinished and failed runs and mixed versions.
        notes: what could not be computed and why (e.g. a CD diagram of one method).
    """

    out: Path
    files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def figures(self) -> list[Path]:
        return [p for p in self.files if p.suffix in (".pdf", ".png")]

    def summary(self) -> str:
        """A few lines for the terminal: problems, notes and the files written."""
        lines = [f"hpobench.analysis: wrote {len(self.files)} files to {self.out}"]
        if self.problems:
            lines.append("Problems with the runs (see runs.md):")
            lines += [f"  {line}" for line in self.problems]
        lines += [f"  note: {note}" for note in self.notes]
        lines += [f"  {path}" for path in self.files if path.suffix != ".pdf"]
        return "\n".join(lines)


def analyse(root: str | os.PathLike, out: str | os.PathLike | None = None, options: Options | None = None) -> Report:
    """Analyse every run below ``root`` and write figures and tables into ``out``.

    Args:
        root: a results folder, or a study folder within it.
        out: where to write; default: ``analysis`` beside the study folders
            (``<root>/analysis``, or ``<root>/../analysis`` when ``root`` is a study folder).
        options: settings; default ``Options()``.

    Returns:
        The files written and the problems found.
    """
    options = options or Options()
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"{root} is not a folder; give a results folder such as results/ or results/<study>.")
    runs = read_runs(root)
    if runs.empty:
        raise UserError(f"No runs below {root} (no run.json found); give the folder that holds the results.")
    runs["optimum"] = runs["optimum"].astype(float)  # None (not recorded, or unknown): nan
    trials = load_results(root)
    inv = inventory(runs, trials)
    if out is None:
        is_study = set(runs["study"]) == {root.resolve().name}
        out = (root.parent if is_study else root) / "analysis"
    check_writable(Path(out), "give a writable folder with --out")
    report = Report(Path(out), problems=describe(inv))
    used = _usable(inv, options)
    if not trials.empty:
        trials = trials.merge(used[KEYS], on=KEYS, how="inner")  # keeps the finishing order of the trials
    optima = {key: (None if np.isnan(value) else value)  # nan: the task's optimum is not known
              for key, value in used.groupby(["study", "task"])["optimum"].first().items()}
    styles = method_styles(sorted(runs["method"].unique()))
    for study in sorted(runs["study"].unique()):
        report.files.append(_write(report.out / study / "runs.md", _runs_markdown(inv.of_study(study))))
        study_trials = trials[trials["study"] == study].reset_index(drop=True) if len(trials) else trials
        if study_trials.empty:
            report.notes.append(f"study {study}: no finished run with a successful trial, nothing to plot")
            continue
        tr = traces(study_trials, full_fidelity_only=options.incumbent == "full")
        mixed = inv.of_study(study)
        warnings = (["Warning: some runs of one method and task differ in budget or workers and are averaged "
                     "together below; runs.md lists them.", ""] if len(mixed.mixed_budgets) else [])
        _study(study, tr, study_trials, optima, styles, options, report, warnings)
        if options.html:
            from hpobench.analysis.html import build  # here: plotly only when asked for

            task_optima = {t: o for (s, t), o in optima.items() if s == study}
            report.files.append(build.write(study, inv.of_study(study), study_trials, tr, task_optima, styles,
                                            options.points, report.out / study / "report.html"))
    return report


def _usable(inv: Inventory, options: Options) -> pd.DataFrame:
    """The runs to analyse: finished (or all, by option) and with a successful trial."""
    runs = inv.runs
    keep = runs["n_trials"] > runs["n_failed"]
    if not options.include_unfinished:
        keep &= runs["finished"]
    return runs[keep]


def _study(study: str, tr: pd.DataFrame, trials: pd.DataFrame, optima: dict, styles: dict, options: Options,
           report: Report, warnings: list[str]) -> None:
    """Write the figures and tables of one study into ``report.out / study``, and its report.md."""
    out = report.out / study
    has_test = bool(tr["incumbent_test"].notna().any())
    per_task = tr["task"].nunique() <= MAX_TASK_PANELS
    if not per_task:
        report.notes.append(f"study {study}: {tr['task'].nunique()} tasks, so no per-task curves; the suite "
                            "figures show them by family")
    for axis in AXES if per_task else ():
        curves = grid_curves(tr, axis, options.points)
        report.files += plots.curves_figure(curves, optima, "incumbent", options.band, styles, out / f"curves-{axis}")
        if has_test:
            report.files += plots.curves_figure(curves, optima, "incumbent_test", options.band, styles,
                                                out / f"test-curves-{axis}")
    report.files += plots.ranks_figure(ranks_over_time(tr), tr["task"].nunique(), styles, out / "ranks")
    last = final(tr)
    last["optimum"] = [optima.get((study, t)) for t in last["task"]]
    markdown = [f"# Study {study}", "", *warnings, *_final_tables(last, has_test, options, out, report),
                "## Critical difference", "", _critical_difference(study, last, options, out, report), ""]
    per_run = cost.per_run(trials)
    cost_table = tables.cost_table(cost.summary(per_run))
    by_panel = per_run if per_task else per_run.assign(task=per_run["task"].map(suite.family))  # pooled per family
    report.files += plots.cost_figure(by_panel, styles, out / "cost")
    report.files += [_write(out / "cost.md", tables.to_markdown(cost_table)),
                     _write(out / "cost.tex", tables.to_latex(cost_table))]
    markdown += ["## Cost", "", tables.to_markdown(cost_table)]
    files, lines, notes = suite.write(tr, {t: o for (s, t), o in optima.items() if s == study}, styles, out)
    report.files += files
    report.notes += [f"study {study}: {note}" for note in notes]
    markdown += [*lines, "", "## Figures", "", plots.CAPTION, ""]
    markdown += [f"- [{p.name}]({p.name})" for p in report.files if p.parent == out and p.suffix == ".png"]
    report.files.append(_write(out / "report.md", "\n".join(markdown) + "\n"))


def _final_tables(last: pd.DataFrame, has_test: bool, options: Options, out: Path, report: Report) -> list[str]:
    """Write the final-performance tables (and the test-loss ones); return their markdown for report.md."""
    known = last["optimum"].notna()
    regret = last.assign(value=np.where(known, last["incumbent"] - last["optimum"].astype(float), last["incumbent"]),
                         metric=np.where(known, "regret", "loss"))
    made = [("final", "Final performance", tables.final_table(regret, options.band, options.alpha))]
    if has_test:
        test = tables.final_table(last.assign(value=last["incumbent_test"], metric="test loss"), options.band,
                                  options.alpha, measure="the test loss of the incumbent chosen by validation loss")
        made.append(("final-test", "Test loss of the incumbent", test))
    markdown = []
    for name, title, table in made:
        report.files += [_write(out / f"{name}.md", tables.to_markdown(table)),
                         _write(out / f"{name}.tex", tables.to_latex(table))]
        markdown += [f"## {title}", "", tables.to_markdown(table)]
    return markdown


def _critical_difference(study: str, last: pd.DataFrame, options: Options, out: Path, report: Report) -> str:
    """Draw the CD diagram of the study's final performance; return a markdown paragraph on the test."""
    blocks = options.cd_blocks
    if blocks == "auto":
        blocks = "task" if last["task"].nunique() >= MIN_TASKS_AS_BLOCKS else "task-seed"
    if blocks == "task":
        scores = last.groupby(["task", "method"])["incumbent"].mean().unstack("method")
        what = "tasks (mean over seeds)"
    else:
        scores = last.set_index(["task", "seed", "method"])["incumbent"].unstack("method")
        what = "task-seed pairs"
    complete = scores.dropna()
    dropped = len(scores) - len(complete)
    n, k = complete.shape
    if n < 2 or k < 2:
        note = f"study {study}: no critical-difference diagram: {n} complete blocks ({what}) of {k} methods"
        report.notes.append(note)
        return note + "; it needs at least 2 of each."
    test = friedman(complete.to_numpy())
    cd = critical_difference(k, n, options.alpha)
    mean_ranks = pd.Series(test.mean_ranks, index=complete.columns)
    note = (f"Friedman over {n} {what}: chi2 = {test.statistic:.3g}, p = {test.pvalue:.3g}; "
            f"Nemenyi CD = {cd:.3g} (alpha = {options.alpha:g})")
    report.files.extend(plots.cd_figure(mean_ranks, cd, out / "cd", note))
    iman = (f"Iman-Davenport F = {test.f_statistic:.4g}, p = {test.f_pvalue:.3g}" if np.isfinite(test.f_statistic)
            else "Iman-Davenport F is unbounded (every block ranks the methods alike)")
    text = (f"Friedman test over {n} blocks ({what}) of {k} methods: chi2 = {test.statistic:.4g}, "
            f"p = {test.pvalue:.3g}; {iman}. Nemenyi critical difference at alpha = {options.alpha:g}: {cd:.4g}. "
            "Average ranks: "
            + ", ".join(f"{m} {r:.2f}" for m, r in mean_ranks.sort_values().items()) + ".")
    if dropped:
        text += f" {dropped} blocks where some method had no result were left out."
    return text


def _runs_markdown(inv: Inventory) -> str:
    runs = inv.runs
    lines = ["# Runs", "", f"{len(runs)} runs: {int(runs['finished'].sum())} finished, "
             f"{int((~runs['finished']).sum())} unfinished; {int(runs['n_trials'].sum())} trials, "
             f"{int(runs['n_failed'].sum())} failed.", ""]
    lines += inv_lines if (inv_lines := describe(inv)) else ["No missing, unfinished or failed runs; one environment."]
    lines += ["", "## Environments", ""]
    for study, groups in inv.version_groups.items():
        lines += [f"- study {study}:", *(f"  - {count} runs: {text}" for text, count in groups)]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> Path:
    write_atomic(path, text)  # a killed analysis leaves no truncated file under its final name
    return path
