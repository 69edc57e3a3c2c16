"""The figures: incumbent curves, average ranks over time, critical differences, cost.

Every function draws one figure, writes it as PDF and PNG and returns the
paths. Legends sit above the panels, never over the data. ``CAPTION`` says
what a reader of the curves needs to know (the regret floor, the zoom); the
report prints it under the figures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hpobench.analysis.curves import AXES, AXIS_NAMES, GridCurves
from hpobench.analysis.stats import band as centre_and_band
from hpobench.analysis.stats import cliques
from hpobench.analysis.style import (
    COLUMN_WIDTH,
    MethodStyle,
    figure,
    legend,
    log_ticks,
    new_figure,
    panel_size,
    save,
    styled,
)

MARKS_PER_CURVE = 6
# A regret of 0 (the optimum reached; or below 0, by rounding) cannot sit on a log axis: it is drawn at this
# fraction of the smallest positive regret in its panel, one decade below every other value, on a dotted line.
REGRET_FLOOR = 0.1
REGRET_FLOOR_ALONE = 1e-12  # the floor of a panel whose regrets are all 0
# When the methods' final values (their bands included) span less than this share of a panel's height, its
# y-range is set from them: from the lowest final value to the highest value any method had at ZOOM_FROM of the
# budget, so curves that end close together are told apart (their first steps run off the top).
ZOOM_BELOW = 0.35
ZOOM_FROM = 0.2
CAPTION = (f"Curves: regret on a log axis where the task's optimum is known, else the loss. A regret of 0 "
           f"(optimum reached) is drawn at {REGRET_FLOOR:g} x the smallest positive regret of its panel, on the "
           f"dotted line. Panels whose final values span less than {ZOOM_BELOW:.0%} of the curves' range show y "
           f"from the lowest final value to the highest value at {ZOOM_FROM:.0%} of the budget.")


def regret_floor(regrets: np.ndarray) -> float:
    """Where a regret of 0 is drawn on a panel's log axis: ``REGRET_FLOOR`` x its smallest positive regret."""
    positive = regrets[np.isfinite(regrets) & (regrets > 0)]
    return float(REGRET_FLOOR * positive.min()) if positive.size else REGRET_FLOOR_ALONE


def _title(ax, label: str) -> None:
    """A panel title that fits its panel: a long label (``tabular,metric=...``) wraps after commas, at most
    three lines, the rest cut with an ellipsis."""
    per_line = max(12, int(panel_size(ax)[0] * 72 / (0.6 * ax.title.get_fontsize())))  # a character: about 0.6 em
    parts = label.split(",")
    lines, line = [], ""
    for piece in [f"{part}," for part in parts[:-1]] + parts[-1:]:
        if line and len(line) + len(piece) > per_line:
            lines.append(line)
            line = ""
        line += piece
    lines.append(line)
    lines = [text[: per_line - 1] + "…" if len(text) > per_line else text for text in lines]
    if len(lines) > 3:
        lines = [*lines[:2], lines[2][: per_line - 1] + "…"]
    ax.set_title("\n".join(lines))


def _y_range(ax, finals: list[float], early: list[float], log: bool) -> None:
    """Fit the y-range to the curves' final values, and zoom to them when they would fill too little of it.

    The bottom is the lowest final value (a band's end, or a centre): bands
    below it (a mean minus its standard error that falls to the regret
    floor, say) run off the bottom rather than stretch a log axis by decades.
    """
    low, high = ax.get_ylim()
    finals = [v for v in finals if np.isfinite(v)]
    early = [v for v in early if np.isfinite(v)]
    if not finals or not early:
        return
    scale, unscale = (np.log10, lambda v: 10 ** v) if log else ((lambda v: v), (lambda v: v))
    bottom, top = min(finals), high
    span = scale(top) - scale(bottom)
    if span > 0 and scale(max(finals)) - scale(bottom) < ZOOM_BELOW * span:
        top = max(max(early), max(finals))
    if top <= bottom:
        return
    margin = 0.05 * (scale(top) - scale(bottom))
    ax.set_ylim(max(low, unscale(scale(bottom) - margin)), unscale(scale(top) + margin))


@styled
def curves_figure(curves: list[GridCurves], optima: dict[tuple[str, str], float | None], column: str,
                  band: str, styles: dict[str, MethodStyle], path: Path) -> list[Path]:
    """One panel per task: the incumbent's regret (log scale, where the optimum is known) or loss.

    Tasks without a value in ``column`` (e.g. without a test loss, beside
    tasks with one) get no panel; with none at all nothing is drawn. See
    ``CAPTION`` for the regret floor and the zoom.

    Args:
        curves: the grid curves of one study on one axis, one per task.
        optima: (study, task) -> the task's optimum, or None.
        column: ``"incumbent"`` (validation loss) or ``"incumbent_test"``
            (test loss of the incumbent chosen by validation loss; never regret).
        band: ``"sem"`` or ``"iqr"``.
        styles: the style of every method.
        path: where to write, without suffix.
    """
    curves = [c for c in curves if np.isfinite(c.values[column]).any()]
    if not curves:
        return []
    fig, axes = figure(len(curves))
    methods = sorted({m for c in curves for m in c.methods()})
    alpha = min(0.2, 0.6 / len(methods))  # many methods' bands over each other turn to mud
    for ax, c in zip(axes, curves):
        optimum = optima.get((c.study, c.task)) if column == "incumbent" else None
        floor = None
        if optimum is not None:
            floor = regret_floor(c.values[column] - optimum)
        step = max(len(c.grid) // MARKS_PER_CURVE, 1)
        finals, early = [], []
        for i, method in enumerate(c.methods()):
            values = c.of(method, column)
            if floor is not None:
                values = np.maximum(values - optimum, floor)
            centre, low, high = centre_and_band(values, band)
            # after every seed of the method ended there is nothing to show
            past = c.grid > c.runs.loc[c.runs["method"] == method, "end"].max()
            centre, low, high = (np.where(past, np.nan, v) for v in (centre, low, high))
            if floor is not None:
                low = np.maximum(low, floor)
            ax.plot(c.grid, centre, drawstyle="steps-post", markevery=(i * step // max(len(methods), 1), step),
                    **styles[method].line())
            ax.fill_between(c.grid, low, high, step="post", color=styles[method].colour, alpha=alpha, linewidth=0)
            shown = np.flatnonzero(np.isfinite(centre))
            if shown.size:
                end = shown[-1]
                # a band that only reaches the floor does not pull the axis down to it; a centre does
                finals += [centre[end], high[end], low[end] if floor is None or low[end] > floor else np.nan]
                early.append(centre[shown[0] + int(ZOOM_FROM * (shown[-1] - shown[0]))])
        what = "test loss of incumbent" if column == "incumbent_test" else "best loss"
        if c.log:
            ax.set_xscale("log")
            log_ticks(ax.xaxis)
        if floor is not None:
            ax.set_yscale("log")
            if c.values[column].min() - optimum <= 0:  # some run reached the optimum: say where it is drawn
                ax.axhline(floor, color="grey", linestyle=":", linewidth=0.8, zorder=0)
        _y_range(ax, finals, early, log=floor is not None)
        if floor is not None:
            log_ticks(ax.yaxis)
        ax.set_ylabel("regret" if floor is not None else what)
        ax.set_xlabel(AXES[c.axis])
        _title(ax, c.task)
    legend(fig, styles, methods)
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
    legend(fig, styles, methods)
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
            log_ticks(ax.xaxis)
        ax.set_yticks(range(len(methods)), methods)
        ax.set_ylim(len(methods) - 0.5, -0.5)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("seconds per run")
        _title(ax, task)
    key = [axes[0].scatter([], [], marker="o", s=36, facecolors=face, edgecolors="black", label=label)
           for face, label in (("black", "method's own time (ask + tell)"), ("none", "evaluation cost (task)"))]
    fig.legend(handles=key, loc="outside upper center", ncols=2, frameon=False)
    return save(fig, path)
