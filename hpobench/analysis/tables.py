"""Tables in markdown and LaTeX: final performance per task, and cost.

In the final-performance table each cell is a method's final value on a task
over seeds (mean ± standard error, median [25th, 75th percentile], or median
[best, worst seed]); the
best centre of each row is bold, and a dagger marks a method whose
difference to the best is significant by a one-sided paired Wilcoxon
signed-rank test over the seeds both share (p < alpha, not corrected for
multiple comparisons).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hpobench.analysis.stats import band as centre_and_band
from hpobench.analysis.stats import wilcoxon_worse

DAGGER = "†"


@dataclass
class Table:
    """A table ready to format: a header, rows of cell texts, and which cells are bold or marked.

    Attributes:
        header: column titles.
        rows: cell texts, row by row.
        bold: same shape as rows.
        marked: same shape as rows: append the significance mark.
        caption: one or two sentences saying what the numbers are.
    """

    header: list[str]
    rows: list[list[str]]
    bold: list[list[bool]]
    marked: list[list[bool]]
    caption: str


def final_table(final: pd.DataFrame, band: str = "sem", alpha: float = 0.05,
                measure: str = "regret where the task's optimum is known, else loss") -> Table:
    """Final performance per task (rows) and method (columns).

    Args:
        final: one row per run: ``task, method, seed, value, metric`` where
            ``metric`` names what ``value`` is (``regret`` or ``loss``), lower
            better. Runs without a value (nan: no test loss, say) are left out,
            and a task without any has no row.
        band: ``"sem"``: mean ± standard error; ``"iqr"``: median [25th, 75th percentile];
            ``"range"``: median [best seed, worst seed].
        alpha: significance level of the marks.
        measure: what the values are, for the caption.
    """
    methods = sorted(final["method"].unique())
    rows, bold, marked = [], [], []
    for task, group in final.dropna(subset=["value"]).groupby("task", sort=True):  # no value: no row
        by_method = {m: g.set_index("seed")["value"] for m, g in group.groupby("method", sort=True)}
        stats = {m: centre_and_band(v.to_numpy()[:, None], band) for m, v in by_method.items()}
        centres = {m: float(s[0][0]) for m, s in stats.items() if np.isfinite(s[0][0])}
        best = min(centres, key=centres.get) if centres else None
        row, row_bold, row_marked = [task, group["metric"].iloc[0]], [False, False], [False, False]
        for m in methods:
            if m not in stats:
                row.append("–")
                row_bold.append(False)
                row_marked.append(False)
                continue
            centre, low, high = (float(x[0]) for x in stats[m])
            n = len(by_method[m])
            error = high - centre if abs(high - centre) > 1e-12 * max(1.0, abs(centre)) else 0.0  # rounding noise
            spread = f"± {error:.2g}" if band == "sem" else f"[{low:.3g}, {high:.3g}]"
            row.append(f"{centre:.3g} {spread} ({n})")
            row_bold.append(m == best or (best is not None and centres.get(m) == centres[best]))
            worse = False
            if best is not None and m != best:
                paired = pd.concat([by_method[m], by_method[best]], axis=1, join="inner").to_numpy()
                worse = wilcoxon_worse(paired[:, 0], paired[:, 1]) < alpha
            row_marked.append(worse)
        rows.append(row)
        bold.append(row_bold)
        marked.append(row_marked)
    what = {"sem": "mean ± standard error", "iqr": "median [25th, 75th percentile]",
            "range": "median [best, worst seed]"}[band]
    caption = (f"Final performance ({what} over seeds; seeds in parentheses), lower is better: {measure}. "
               f"Bold: best per task. {DAGGER}: worse than the best by a "
               f"one-sided paired Wilcoxon signed-rank test over shared seeds, p < {alpha:g} (uncorrected).")
    return Table(["task", "metric", *methods], rows, bold, marked, caption)


def cost_table(summary: pd.DataFrame) -> Table:
    """Time per run, mean over seeds: evaluation cost and wall time, and the method's own time.

    Args:
        summary: from ``cost.summary`` for one study.
    """
    header = ["task", "method", "trials", "evaluation cost (s)", "evaluation wall (s)", "method time (s)",
              "method per trial (ms)", "method share of wall (%)"]
    rows = [[r.task, r.method, f"{r.trials:.0f}", f"{r.evaluation_cost:.4g}", f"{r.evaluation_wall:.3g}",
             f"{r.method_time:.3g}", f"{1000 * r.method_per_trial:.3g}", f"{100 * r.method_share:.3g}"]
            for r in summary.itertuples(index=False)]
    falses = [[False] * len(header) for _ in rows]
    caption = ("Where the time of a run goes (mean over seeds): the evaluation cost the task reports (the "
               "simulated clock), the measured wall time of the evaluations, and the method's own time in "
               "ask and tell.")
    return Table(header, rows, falses, [list(r) for r in falses], caption)


def to_markdown(table: Table) -> str:
    """The table as GitHub markdown, caption first."""
    def cell(text: str, bold: bool, mark: bool) -> str:
        text = f"**{text}**" if bold else text
        return text + (DAGGER if mark else "")

    lines = [table.caption, "", "| " + " | ".join(table.header) + " |",
             "|" + "|".join("---" for _ in table.header) + "|"]
    for row, bold, mark in zip(table.rows, table.bold, table.marked):
        lines.append("| " + " | ".join(cell(*c) for c in zip(row, bold, mark)) + " |")
    return "\n".join(lines) + "\n"


def to_latex(table: Table) -> str:
    """The table as a LaTeX ``table`` with booktabs rules (needs ``\\usepackage{booktabs}``)."""
    def cell(text: str, bold: bool, mark: bool) -> str:
        text = _latex_escape(text)
        text = rf"\textbf{{{text}}}" if bold else text
        return text + (r"$^\dagger$" if mark else "")

    lines = [r"\begin{table}[t]", r"\centering", r"\small",
             r"\caption{" + _latex_escape(table.caption).replace(DAGGER, r"$^\dagger$") + "}",
             r"\begin{tabular}{" + "l" * 2 + "r" * (len(table.header) - 2) + "}", r"\toprule",
             " & ".join(_latex_escape(h) for h in table.header) + r" \\", r"\midrule"]
    for row, bold, mark in zip(table.rows, table.bold, table.marked):
        lines.append(" & ".join(cell(*c) for c in zip(row, bold, mark)) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def _latex_escape(text: str) -> str:
    for plain, escaped in (("\\", r"\textbackslash{}"), ("_", r"\_"), ("%", r"\%"), ("&", r"\&"), ("#", r"\#"),
                           ("±", r"$\pm$"), ("–", "--")):
        text = text.replace(plain, escaped)
    return text
