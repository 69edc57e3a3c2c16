"""The study page's views as plotly figure specs (plain dicts) and HTML tables.

Curves reuse the static figures' computations: ``curves.grid_curves`` puts
every run of a task on one grid, ``stats.band`` gives the median and
quartiles, ``plots.regret_floor`` keeps a regret of 0 off the bottom of a
log axis, and ``style.method_styles`` gives each method the colour it has in
the PDF figures. Seeds are drawn as thin lines under the bands (thinned to
``SEED_POINTS`` points) so hovering names the method, seed and value; with
many seeds, ``SEED_LINES`` of them per method: those at evenly spaced
quantiles of the final value, best and worst included, so outliers show.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from hpobench.analysis import cost, tables
from hpobench.analysis.curves import AXES, AXIS_NAMES, final, grid_curves, ranks_over_time
from hpobench.analysis.plots import regret_floor
from hpobench.analysis.stats import band
from hpobench.analysis.style import MethodStyle

SEED_POINTS = 50  # points of each seed's thin line (the bands use the full grid)
SEED_LINES = 9  # seed lines per method and panel at most (the page's size with hundreds of seeds)
DASHES = {"-": "solid", "--": "dash", ":": "dot", "-.": "dashdot"}


def _round(values: np.ndarray, digits: int = 5) -> list:
    """Numbers to a few significant digits (the page's size), nan as null."""
    out = []
    for v in np.asarray(values, dtype=float):
        out.append(None if not np.isfinite(v) else float(f"{v:.{digits}g}"))
    return out


def curve_figures(tr: pd.DataFrame, optima: dict[str, float | None], has_fidelity: dict[str, bool],
                  styles: dict[str, MethodStyle], points: int) -> dict[str, dict[str, dict]]:
    """task -> axis -> figure of the incumbent's regret (or loss) with median and quartile bands."""
    result: dict[str, dict[str, dict]] = {}
    for axis in AXES:
        for c in grid_curves(tr, axis, points):
            if axis == "fidelity" and not has_fidelity.get(c.task):
                continue
            optimum = optima.get(c.task)
            result.setdefault(c.task, {})[axis] = _curve(c, optimum, styles)
    return result


def _curve(c, optimum: float | None, styles: dict[str, MethodStyle]) -> dict:
    traces = []
    thin = np.unique(np.linspace(0, len(c.grid) - 1, SEED_POINTS).round().astype(int))
    floor = None if optimum is None else regret_floor(c.values["incumbent"] - optimum)  # as the static figures
    for method in c.methods():
        style, mask = styles[method], (c.runs["method"] == method).to_numpy()
        values = c.of(method)
        if floor is not None:
            values = np.maximum(values - optimum, floor)
        past = c.grid > c.runs.loc[mask, "end"].max()
        centre, low, high = (np.where(past, np.nan, v) for v in band(values, "iqr"))
        x = _round(c.grid)
        common = {"type": "scatter", "mode": "lines", "legendgroup": method, "line": {"shape": "hv"}}
        seeds = c.runs.loc[mask, "seed"].to_numpy()
        for k in _spread_seeds(values[:, -1]):
            seed, row = seeds[k], values[k]
            traces.append({**common, "x": [x[i] for i in thin], "y": _round(row[thin], 4), "showlegend": False,
                           "line": {"shape": "hv", "width": 0.7, "color": style.colour}, "opacity": 0.35,
                           "hovertemplate": f"{html.escape(method)} seed {seed}<br>%{{x}}: %{{y:.4g}}<extra></extra>"})
        traces.append({**common, "x": x, "y": _round(low), "showlegend": False, "hoverinfo": "skip",
                       "line": {"shape": "hv", "width": 0}})
        traces.append({**common, "x": x, "y": _round(high), "showlegend": False, "hoverinfo": "skip",
                       "fill": "tonexty", "fillcolor": _alpha(style.colour, 0.2), "line": {"shape": "hv", "width": 0}})
        traces.append({**common, "x": x, "y": _round(centre), "name": method,
                       "line": {"shape": "hv", "width": 2, "color": style.colour, "dash": DASHES[style.linestyle]},
                       "hovertemplate": f"{html.escape(method)} median<br>%{{x}}: %{{y:.4g}}<extra></extra>"})
    what = "regret" if optimum is not None else "best loss"
    ys = np.array([y for t in traces for y in t["y"] if y is not None], dtype=float)
    xaxis = {"title": {"text": AXES[c.axis]}, "type": "log" if c.log else "linear"}
    yaxis = {"title": {"text": what}, "type": "log" if optimum is not None else "linear"}
    if c.log:
        xaxis.update(_decades(c.grid))
    if optimum is not None:
        yaxis.update(_decades(ys))
    return {"data": traces, "layout": {"title": {"text": f"{c.task}: {what} by {AXIS_NAMES[c.axis]}"},
                                       "xaxis": xaxis, "yaxis": yaxis}}


def _decades(values: np.ndarray) -> dict:
    """Ticks of a log axis: at powers of ten when the values span two decades or more; else at 1, 2 and 5
    times them (plotly's own choice on a short range labels every digit, a jumble of small numbers)."""
    positive = values[np.isfinite(values) & (values > 0)]
    if not len(positive):
        return {}
    if np.log10(positive.max() / positive.min()) >= 2:
        return {"dtick": 1, "exponentformat": "power"}
    low, high = np.floor(np.log10(positive.min())), np.ceil(np.log10(positive.max()))
    ticks = [m * 10.0**e for e in np.arange(low, high + 1) for m in (1, 2, 5)]
    ticks = [t for t in ticks if positive.min() / 2 <= t <= positive.max() * 2]
    return {"tickvals": ticks, "ticktext": [f"{t:.3g}" for t in ticks]}


def _spread_seeds(last: np.ndarray) -> list[int]:
    """Rows of at most ``SEED_LINES`` seeds at evenly spaced quantiles of their final value."""
    order = np.argsort(np.nan_to_num(last, nan=np.inf), kind="stable")
    if len(order) <= SEED_LINES:
        return sorted(order.tolist())
    return sorted(set(order[np.linspace(0, len(order) - 1, SEED_LINES).round().astype(int)].tolist()))


def ranks_figures(tr: pd.DataFrame, styles: dict[str, MethodStyle]) -> dict[str, dict]:
    """axis -> each method's rank averaged over tasks against the fraction of the budget."""
    n_tasks = tr["task"].nunique()
    figures = {}
    for axis, frame in ranks_over_time(tr).items():
        x = _round(frame.columns.to_numpy(dtype=float))
        data = [{"type": "scatter", "mode": "lines", "name": m, "legendgroup": m, "x": x,
                 "y": _round(frame.loc[m].to_numpy(dtype=float), 4),
                 "line": {"shape": "hv", "color": styles[m].colour, "dash": DASHES[styles[m].linestyle]},
                 "hovertemplate": f"{html.escape(m)}<br>%{{x:.2f}} of budget: rank %{{y:.2f}}<extra></extra>"}
                for m in frame.index]
        figures[axis] = {"data": data, "layout": {
            "title": {"text": f"mean rank over {n_tasks} task{'s' if n_tasks != 1 else ''} ({AXIS_NAMES[axis]})"},
            "xaxis": {"title": {"text": f"fraction of budget ({AXIS_NAMES[axis]})"}, "range": [0, 1]},
            "yaxis": {"title": {"text": "mean rank (1 is best)"}, "autorange": "reversed"}}}
    return figures


def cost_figure(trials: pd.DataFrame, styles: dict[str, MethodStyle]) -> dict:
    """The method's own time per trial (ms) by task, one box per method, a point per run."""
    per_run = cost.per_run(trials)
    data = []
    for m, group in per_run.groupby("method", sort=True):
        data.append({"type": "box", "name": m, "legendgroup": m, "x": group["task"].tolist(),
                     "y": _round(1000 * group["method_time"] / group["trials"]), "boxpoints": "all",
                     "marker": {"color": styles[m].colour, "size": 4}, "text": [f"seed {s}" for s in group["seed"]],
                     "hovertemplate": f"{html.escape(m)} %{{text}}<br>%{{x}}: %{{y:.3g}} ms per trial<extra></extra>"})
    return {"data": data, "layout": {"title": {"text": "method time per trial (ask + tell)"}, "boxmode": "group",
                                     "yaxis": {"title": {"text": "ms per trial"}, "type": "log"}}}


def final_tables_html(tr: pd.DataFrame, optima: dict[str, float | None]) -> str:
    """The final-performance table (median and quartiles, as in the static report), as HTML."""
    last = final(tr)
    opt = last["task"].map(lambda t: optima.get(t)).astype(float)
    known = opt.notna()
    regret = last.assign(value=np.where(known, last["incumbent"] - opt, last["incumbent"]),
                         metric=np.where(known, "regret", "loss"))
    parts = [table_html(tables.final_table(regret, "iqr"))]
    if last["incumbent_test"].notna().any():
        parts.append(table_html(tables.final_table(last.assign(value=last["incumbent_test"], metric="test loss"),
                                                   "iqr", measure="the test loss of the incumbent")))
    return "".join(parts)


def cost_table_html(trials: pd.DataFrame) -> str:
    return table_html(tables.cost_table(cost.summary(cost.per_run(trials))))


def table_html(table: tables.Table) -> str:
    """A ``tables.Table`` as an HTML table: bold best, dagger marks, caption."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.header)
    rows = []
    for row, bold, mark in zip(table.rows, table.bold, table.marked):
        cells = []
        for text, b, m in zip(row, bold, mark):
            text = html.escape(text) + (tables.DAGGER if m else "")
            cells.append(f"<td><b>{text}</b></td>" if b else f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table><caption>{html.escape(table.caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _alpha(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"
