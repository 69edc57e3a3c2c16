"""Write a study's ``report.html``: the study page, and the run pages behind a picker.

Called by ``analyse`` (``--html`` on the command line; on by default at the
end of a multirun) with what it has already computed, so the interactive
and the static views show the same numbers.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from hpobench.analysis.html import study as views
from hpobench.analysis.html.page import json_block, render, template
from hpobench.analysis.html.run_views import pack, payload
from hpobench.analysis.runs import Inventory, describe
from hpobench.analysis.style import MethodStyle
from hpobench.storage import RunFolder, write_atomic

STATUS_TEXT = {"finished": "finished", "interrupted": "unfinished (interrupted or running)",
               "failed": "no successful trial", "missing": "missing"}


def write(study: str, inv: Inventory, trials: pd.DataFrame, tr: pd.DataFrame, optima: dict[str, float | None],
          styles: dict[str, MethodStyle], points: int, path: Path) -> Path:
    """Write the report of one study to ``path``.

    Args:
        study: the study's name.
        inv: the study's inventory (every run folder, and the missing ones).
        trials: the trials of the analysed runs (``load_results``, filtered).
        tr: ``curves.traces`` of those trials.
        optima: task -> optimum (None: unknown).
        styles: the colour of every method.
        points: grid points per curve.
        path: the file to write.
    """
    runs = inv.runs.sort_values(["task", "method", "seed"]).reset_index(drop=True)
    with_trials = runs[runs["n_trials"] > 0].reset_index(drop=True)
    ids = {(r.task, r.method, r.seed): i for i, r in enumerate(with_trials.itertuples(index=False))}
    has_fidelity = (trials["fidelity"].notna().groupby(trials["task"]).any().to_dict()
                    if "fidelity" in trials else {})
    data = {"curves": views.curve_figures(tr, optima, has_fidelity, styles, points),
            "ranks": views.ranks_figures(tr, styles), "cost": views.cost_figure(trials, styles)}
    index, blocks = [], []
    for i, r in enumerate(with_trials.itertuples(index=False)):
        labels = {"study": study, "task": r.task, "method": r.method, "seed": int(r.seed)}
        index.append({"label": f"{r.task} / {r.method} / seed {r.seed}", "status": r.status})
        folder = RunFolder(Path(r.path))
        records, space = folder.read_trials(), folder.read_info().space
        blocks.append(f'<script type="application/octet-stream" id="run-{i}">'
                      f"{pack(payload(records, labels, optima.get(r.task), space))}</script>")
    body = _body(study, inv, runs, ids, sorted(data["curves"]), index, trials, tr, optima)
    text = render(f"hpobench: {study}", body, [json_block("study-data", data), json_block("run-index", index),
                                               json_block("plotly-template", template()), *blocks])
    write_atomic(path, text)
    return path


def _body(study: str, inv: Inventory, runs: pd.DataFrame, ids: dict, tasks: list[str], index: list[dict],
          trials: pd.DataFrame, tr: pd.DataFrame, optima: dict[str, float | None]) -> str:
    esc = html.escape
    problems = describe(inv)
    options = "".join(f'<option value="{esc(t)}">{esc(t)}</option>' for t in tasks)
    run_options = "".join(f'<option value="{i}">{esc(e["label"])}</option>' for i, e in enumerate(index))
    return f"""
<nav><a href="#">Study {esc(study)}</a><a href="#run=0">Runs</a></nav>
<section id="study"><h1>Study {esc(study)}</h1>
<h2>Runs</h2>{_overview(inv, runs, ids)}
<pre class="problems">{esc(chr(10).join(problems)) if problems else "No missing, unfinished or failed runs."}</pre>
<h2>Incumbent curves</h2><p>Median over seeds with the inter-quartile band; thin lines are seeds. Regret is
clipped at the floor of the static figures. Click a method in the legend to hide it.
Task: <select id="task-picker">{options}</select></p><div class="figs" id="study-figs"></div>
<h2>Ranks over time</h2><div class="figs" id="rank-figs"></div>
<h2>Final performance</h2>{views.final_tables_html(tr, optima)}
<h2>Cost</h2><div class="figs" id="cost-fig"></div>{views.cost_table_html(trials)}
</section>
<section id="runs" hidden><h1 id="run-title">Run</h1><p>Run: <select id="picker">{run_options}</select></p>
<div class="figs" id="run-figs"></div></section>"""


def _overview(inv: Inventory, runs: pd.DataFrame, ids: dict) -> str:
    """Tasks (rows) x methods (columns); a square per seed, coloured by status, linking to the run."""
    cells: dict[tuple[str, str], list[str]] = {}
    for r in runs.itertuples(index=False):
        status = ("failed" if r.n_trials == r.n_failed else "finished") if r.finished else "interrupted"
        if r.finished is False and r.n_trials == 0:
            status = "failed"
        key = (r.task, r.method, r.seed)
        tip = html.escape(f"{r.task} / {r.method} / seed {r.seed}: {STATUS_TEXT[status]}, {r.n_trials} trials "
                          f"({r.status})")
        href = f' href="#run={ids[key]}"' if key in ids else ""
        cells.setdefault((r.task, r.method), []).append(f'<a class="{status}" title="{tip}"{href}></a>')
    for r in inv.missing.itertuples(index=False):
        tip = html.escape(f"{r.task} / {r.method} / seed {r.seed}: missing")
        cells.setdefault((r.task, r.method), []).append(f'<a class="missing" title="{tip}"></a>')
    tasks = sorted({t for t, _ in cells})
    methods = sorted({m for _, m in cells})
    head = "".join(f"<th>{html.escape(m)}</th>" for m in methods)
    rows = "".join(f"<tr><th>{html.escape(t)}</th>" + "".join(
        f'<td class="cell">{"".join(cells.get((t, m), []))}</td>' for m in methods) + "</tr>" for t in tasks)
    legend = " ".join(f'<span class="cell"><a class="{s}"></a> {STATUS_TEXT[s]}</span>' for s in STATUS_TEXT)
    return f"<table><thead><tr><th>task</th>{head}</tr></thead><tbody>{rows}</tbody></table><p>{legend}</p>"
