"""What the curve and cost figures show: panels with data only, the regret floor, titles and ticks that fit."""

import itertools

import numpy as np
import pandas as pd
import pytest
from _analysis_runs import write_run

from hpobench.analysis import analyse, plots
from hpobench.analysis.curves import grid_curves, traces
from hpobench.analysis.style import method_styles
from hpobench.storage import load_results

LONG = "tabular,maximize=True,metric=val_accuracy,params=[learning_rate,batch_size,num_layers],upper=100"


@pytest.fixture
def drawn(monkeypatch):
    """The figures a call draws, instead of files."""
    figures = []

    def keep(fig, path):
        fig.canvas.draw()  # lay it out as saving would
        figures.append(fig)
        return [path]

    monkeypatch.setattr(plots, "save", keep)
    return figures


def curves_of(root, axis="evals"):
    tr = traces(load_results(root))
    return grid_curves(tr, axis), method_styles(sorted(tr["method"].unique()))


def test_the_test_curves_have_panels_only_for_tasks_with_a_test_loss(tmp_path, drawn):
    write_run(tmp_path, "with", "a", 0, [2.0, 1.0], test_losses=[2.5, 1.5])
    for task in ("t2", "t3", "t4"):
        write_run(tmp_path, task, "a", 0, [2.0, 1.0])
    curves, styles = curves_of(tmp_path)
    plots.curves_figure(curves, {}, "incumbent_test", "sem", styles, tmp_path / "test-curves")
    plots.curves_figure(curves, {}, "incumbent", "sem", styles, tmp_path / "curves")
    test, valid = drawn
    assert [ax.get_title() for ax in test.axes if ax.get_visible()] == ["with"]
    assert len([ax for ax in valid.axes if ax.get_visible()]) == 4
    assert plots.curves_figure([c for c in curves if c.task != "with"], {}, "incumbent_test", "sem", styles,
                               tmp_path / "none") == []


def test_a_regret_of_zero_is_drawn_at_the_stated_floor(tmp_path, drawn):
    # a reaches the optimum (0.5) exactly; b's smallest regret is 0.25
    for seed in range(3):
        write_run(tmp_path, "t", "a", seed, [2.0, 1.0, 0.5], optimum=0.5)
        write_run(tmp_path, "t", "b", seed, [3.0, 2.0, 0.75], optimum=0.5)
    curves, styles = curves_of(tmp_path)
    plots.curves_figure(curves, {("hand", "t"): 0.5}, "incumbent", "sem", styles, tmp_path / "c")
    (ax,) = drawn[0].axes
    floor = plots.REGRET_FLOOR * 0.25
    a = ax.lines[0].get_ydata()  # the methods in sorted order: a first
    assert np.nanmin(a) == pytest.approx(floor) and ax.get_yscale() == "log"
    assert ax.get_ylim()[0] <= floor  # the floor is in view, on its dotted line
    assert any(line.get_linestyle() == ":" and line.get_ydata()[0] == pytest.approx(floor) for line in ax.lines)
    assert "A regret of 0" in plots.CAPTION and f"{plots.REGRET_FLOOR:g} x the smallest" in plots.CAPTION


def test_the_report_states_the_floor_under_its_figures(tmp_path):
    write_run(tmp_path, "t", "a", 0, [2.0, 0.5], optimum=0.5)
    analyse(tmp_path)
    assert plots.CAPTION in (tmp_path / "analysis" / "hand" / "report.md").read_text()


def _inside(inner, outer) -> bool:
    return (inner.x0 >= outer.x0 - 1 and inner.x1 <= outer.x1 + 1
            and inner.y0 >= outer.y0 - 1 and inner.y1 <= outer.y1 + 1)


def test_long_task_labels_wrap_inside_the_figure_without_overlapping(tmp_path, drawn):
    for task in (LONG, LONG.replace("upper=100", "upper=1"), "branin", "nb201"):
        write_run(tmp_path, task, "a", 0, [2.0, 1.0])
    curves, styles = curves_of(tmp_path)
    plots.curves_figure(curves, {}, "incumbent", "sem", styles, tmp_path / "c")
    fig = drawn[0]
    titles = [ax.title for ax in fig.axes if ax.get_visible()]
    assert any("\n" in t.get_text() for t in titles)
    boxes = [t.get_window_extent() for t in titles]
    assert all(_inside(box, fig.bbox) for box in boxes)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_log_tick_labels_of_narrow_cost_panels_do_not_overlap(drawn, tmp_path):
    rows = [{"study": "s", "task": f"task{t}", "method": m, "seed": 0, "evaluation_cost": 3e6 * (t + 1),
             "evaluation_wall": 1.0, "method_time": 1e-5 * (i + 1), "trials": 10}
            for t in range(6) for i, m in enumerate(("random", "gp", "tpe"))]
    plots.cost_figure(pd.DataFrame(rows), method_styles(["random", "gp", "tpe"]), tmp_path / "cost")
    fig = drawn[0]
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        if not ax.get_visible() or not ax.get_xticklabels():
            continue
        low, high = ax.get_xlim()
        labels = [t for t, x in zip(ax.get_xticklabels(), ax.get_xticks()) if t.get_text() and low <= x <= high]
        assert len(labels) >= 2
        boxes = [t.get_window_extent(renderer) for t in labels]
        gaps = [b.x0 - a.x1 for a, b in itertools.pairwise(boxes)]
        em = labels[0].get_fontsize() * fig.dpi / 72  # pixels
        assert min(gaps) >= em, [t.get_text() for t in labels]  # at least a letter's width apart


def test_curves_that_end_close_together_get_a_y_range_from_their_final_values(tmp_path, drawn):
    start, steps = 100.0, 40
    decay = np.exp(-0.5 * np.arange(steps))  # a steep first descent, then a long close finish
    for method, end in (("a", 1.0), ("b", 1.1), ("c", 1.2)):
        for seed in range(3):
            write_run(tmp_path, "t", method, seed, list(end + 0.01 * seed + (start - end) * decay))
    curves, styles = curves_of(tmp_path)
    plots.curves_figure(curves, {}, "incumbent", "sem", styles, tmp_path / "c")
    (ax,) = drawn[0].axes
    bottom, top = ax.get_ylim()
    assert bottom <= 1.0 and top < 0.1 * start  # the first steps run off the top
    at = int(plots.ZOOM_FROM * (steps - 1))
    assert top >= 1.2 + 0.02 + (start - 1.2) * decay[at]  # what the highest had at ZOOM_FROM of the budget


def test_curves_spread_over_the_panel_keep_their_whole_range(tmp_path, drawn):
    for method, end in (("a", 1.0), ("b", 50.0)):
        write_run(tmp_path, "t", method, 0, list(np.linspace(100.0, end, 10)))
    curves, styles = curves_of(tmp_path)
    plots.curves_figure(curves, {}, "incumbent", "sem", styles, tmp_path / "c")
    bottom, top = drawn[0].axes[0].get_ylim()
    assert bottom <= 1.0 and top >= 100.0
