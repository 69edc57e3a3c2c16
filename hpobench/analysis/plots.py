"""The figures: incumbent curves, average ranks over time, critical differences, cost.

Every function draws one figure, writes it as PDF and PNG and returns the
paths. Legends sit above the panels, never over the data.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import LogFormatterSciNotation, LogLocator, NullFormatter

from hpobench.analysis.curves import AXES, AXIS_NAMES, GridCurves
from hpobench.analysis.stats import band as centre_and_band
from hpobench.analysis.stats import cliques
from hpobench.analysis.style import COLUMN_WIDTH, MethodStyle, figure, new_figure, save, styled

MARKS_PER_CURVE = 6
REGRET_FLOOR = 1e-12  # regret can reach 0 (or round below it); a log axis needs it positive


def _log_ticks(axis) -> None:
    """Label a log axis at powers of ten only, or at 1, 2 and 5 times them when fewer than two fit.

    Matplotlib's default labels minor ticks on short ranges, which crowds a
    small panel with overlapping "3 x 10^-1"-style labels.
    """
    low, high = sorted(axis.get_view_interval())
    narrow = low > 0 and math.floor(math.log10(high)) - math.ceil(math.log10(low)) < 1
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0) if narrow else (1.0,), numticks=8))
    axis.set_major_formatter(LogFormatterSciNotation(labelOnlyBase=False, minor_thresholds=(np.inf, np.inf)))
    axis.set_minor_formatter(NullFormatter())


def _legend(fig, styles: dict[str, MethodStyle], methods: list[str]) -> None:
    handles = [fig.axes[0].plot([], [], label=m, **styles[m].line())[0] for m in methods]
    per_row = max(2, int(fig.get_figwidth() / 1.15))  # about 1.15 inches per entry: 6 across the page, 2 in a column
    fig.legend(handles=handles, loc="outside upper center", ncols=min(len(methods), per_row), frameon=False)


@styled
def curves_figure(curves: list[GridCurves], optima: dict[tuple[str, str], float | None], column: str,
                  band: str, styles: dict[str, MethodStyle], path: Path) -> list[Path]:
    """One panel per task: the incumbent's regret (log scale, where the optimum is known) or loss.

    Args:
        curves: the grid curves of one study on one axis, one per task.
        optima: (study, task) -> the task's optimum, or None.
        column: ``"incumbent"`` (validation loss) or ``"incumbent_test"``
            (test loss of the incumbent chosen by validation loss; never regret).
        band: ``"sem"`` or ``"iqr"``.
        styles: the style of every method.
        path: where to write, without suffix.
    """
    fig, axes = figure(len(curves))
    methods = sorted({m for c in curves for m in c.methods()})
    for ax, c in zip(axes, curves):
        optimum = optima.get((c.study, c.task)) if column == "incumbent" else None
        step = max(len(c.grid) // MARKS_PER_CURVE, 1)
        for i, method in enumerate(c.methods()):
            values = c.of(method, column)
            if optimum is not None:
                values = np.maximum(values - optimum, REGRET_FLOOR)
            centre, low, high = centre_and_band(values, band)
            # after every seed of the method ended there is nothing to show
            past = c.grid > c.runs.loc[c.runs["method"] == method, "end"].max()
            centre, low, high = (np.where(past, np.nan, v) for v in (centre, low, high))
            if optimum is not None:
                low = np.maximum(low, REGRET_FLOOR)
            ax.plot(c.grid, centre, drawstyle="steps-post", markevery=(i * step // max(len(methods), 1), step),
                    **styles[method].line())
            ax.fill_between(c.grid, low, high, step="post", color=styles[method].colour, alpha=0.2, linewidth=0)
        what = "test loss of incumbent" if column == "incumbent_test" else "best loss"
        if not np.isfinite(c.values[column]).any():  # e.g. a task without test loss beside one with
            ax.text(0.5, 0.5, f"no {what}", transform=ax.transAxes, ha="center", va="center")
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            if c.log:
                ax.set_xscale("log")
                _log_ticks(ax.xaxis)
            if optimum is not None:
                ax.set_yscale("log")
                _log_ticks(ax.yaxis)
        ax.set_ylabel("regret" if optimum is not None else what)
        ax.set_xlabel(AXES[c.axis])
        ax.set_title(c.task)
    _legend(fig, styles, methods)
    return save(fig, path)


@styled
def ranks_figure(ranks: dict[str, pd.DataFrame], n_tasks: int, styles: dict[str, MethodStyle],
                 path: Path) -> list[Path]:
    """One panel per axis: each method's rank averaged over tasks, against the fraction of budget.

    Args:
        ranks: axis -> DataFrame, index methods, columns fractions of the budget.
        n_tasks: how many tasks the ranks average over (for the title).
        styles: the style of every method.
        path: where to write, without suffix.
    """
    fig, axes = figure(len(ranks), columns=2, height=1.7)
    methods = sorted({m for frame in ranks.values() for m in frame.index})
    for ax, (axis, frame) in zip(axes, ranks.items()):
        x = frame.columns.to_numpy(dtype=float)
        step = max(len(x) // MARKS_PER_CURVE, 1)
        for i, method in enumerate(frame.index):
            ax.plot(x, frame.loc[method].to_numpy(dtype=float), drawstyle="steps-post",
                    markevery=(i * step // len(methods), step),
                    **styles[method].line())
        ax.set_xlabel(f"fraction of budget ({AXIS_NAMES[axis]})")
        ax.set_ylabel(f"mean rank ({n_tasks} task{'s' if n_tasks != 1 else ''})")
        ax.set_ylim(0.8, len(methods) + 0.2)
        ax.set_xlim(0, 1)
        ax.set_yticks(range(1, len(methods) + 1))
        ax.invert_yaxis()  # rank 1, the best, on top
    _legend(fig, styles, methods)
    return save(fig, path)


@styled
def cd_figure(mean_ranks: pd.Series, cd: float, path: Path, note: str = "") -> list[Path]:
    """A critical-difference diagram (Demšar 2006, fig. 1).

    Methods sit at their average rank on an axis with the best (rank 1) on the
    left; thick bars join methods whose ranks differ by less than the critical
    difference ``cd``, which is drawn above the axis.

    Args:
        mean_ranks: method -> average rank.
        cd: Nemenyi's critical difference.
        path: where to write, without suffix.
        note: a line under the diagram (the test and its numbers).
    """
    order = mean_ranks.sort_values(kind="stable")
    k = len(order)
    half = (k + 1) // 2
    rows = max(half, k - half)
    groups = cliques(order.to_numpy(), cd)
    first_row = 0.3 + 0.07 * len(groups)  # labels start below the bars of the groups
    top = first_row + 0.2 * rows + 0.1
    fig = new_figure((COLUMN_WIDTH, 0.75 * (top + 0.7)))  # the same scale for any number of methods
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    ax.set_ylim(top, -0.7)  # y grows downwards, as rows of labels do

    def x_of(rank: float) -> float:
        return (rank - 1) / max(k - 1, 1)

    ax.set_xlim(-0.45, max(1.45, x_of(1 + cd) + 0.05))
    ax.plot([0, 1], [0, 0], color="black", linewidth=0.8)
    for r in range(1, k + 1):
        ax.plot([x_of(r)] * 2, [0, -0.06], color="black", linewidth=0.8)
        ax.text(x_of(r), -0.1, str(r), ha="center", va="bottom", fontsize=7)
    # the critical difference, as a ruler above the axis
    ax.plot([0, x_of(1 + cd)], [-0.45, -0.45], color="black", linewidth=1.0)
    for end in (0, x_of(1 + cd)):
        ax.plot([end, end], [-0.5, -0.4], color="black", linewidth=1.0)
    ax.text(x_of(1 + cd) / 2, -0.5, f"CD = {cd:.2f}", ha="center", va="bottom", fontsize=7)
    for i, (method, rank) in enumerate(order.items()):
        left = i < half
        row = first_row + 0.2 * (i if left else k - 1 - i)
        end = -0.05 if left else 1.05
        ax.plot([x_of(rank), x_of(rank), end], [0, row, row], color="black", linewidth=0.7)
        ax.text(end + (-0.02 if left else 0.02), row, f"{method} ({rank:.2f})", ha="right" if left else "left",
                va="center", fontsize=7)
    for j, (first, last) in enumerate(groups):
        y = 0.12 + 0.07 * j
        ax.plot([x_of(order.iloc[first]) - 0.01, x_of(order.iloc[last]) + 0.01], [y, y], color="black",
                linewidth=2.5, solid_capstyle="butt")
    if note:
        ax.text(0.5, top, note, ha="center", va="bottom", fontsize=6.5)
    return save(fig, path)


@styled
def cost_figure(cost: pd.DataFrame, styles: dict[str, MethodStyle], path: Path) -> list[Path]:
    """One panel per task: per method, its own time beside the cost of its evaluations, per run.

    Each method has a row: the hollow marker is the evaluation cost of a run
    (what the task reports, the simulated clock), the filled one the method's
    time in ask and tell; small markers are seeds, large ones their mean. The
    gap between them, on a log scale, is the ratio, so an expensive optimiser
    cannot hide.

    Args:
        cost: from ``cost.per_run``.
        styles: the style of every method.
        path: where to write, without suffix.
    """
    tasks = sorted(cost["task"].unique())
    methods = sorted(cost["method"].unique())
    fig, axes = figure(len(tasks), height=1.1 + 0.25 * len(methods))  # room for title, ticks and label
    for ax, task in zip(axes, tasks):
        rows = cost[cost["task"] == task]
        for y, method in enumerate(methods):
            group = rows[rows["method"] == method]
            if group.empty:
                continue
            s = styles[method]
            evaluation, own = group["evaluation_cost"].to_numpy(), group["method_time"].to_numpy()
            ax.plot([evaluation.mean(), own.mean()], [y, y], color="grey", linewidth=0.6, zorder=1)
            for values, face in ((evaluation, "none"), (own, s.colour)):
                ax.scatter(values, np.full(len(values), y), marker=s.marker, s=8, facecolors=face,
                           edgecolors=s.colour, linewidths=0.6, alpha=0.5, zorder=2)
                ax.scatter([values.mean()], [y], marker=s.marker, s=36, facecolors=face, edgecolors=s.colour,
                           linewidths=1.0, zorder=3)
        positive = rows[["evaluation_cost", "method_time"]].to_numpy().ravel()
        if (positive > 0).any():
            ax.set_xscale("log")
            _log_ticks(ax.xaxis)
        ax.set_yticks(range(len(methods)), methods)
        ax.set_ylim(len(methods) - 0.5, -0.5)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("seconds per run")
        ax.set_title(task)
    key = [axes[0].scatter([], [], marker="o", s=36, facecolors=face, edgecolors="black", label=label)
           for face, label in (("black", "method's own time (ask + tell)"), ("none", "evaluation cost (task)"))]
    fig.legend(handles=key, loc="outside upper center", ncols=2, frameon=False)
    return save(fig, path)
