"""The whole analysis on hand-made results: every file, the numbers behind them, the problems listed."""

import json

import numpy as np
import pandas as pd
import pytest
from _analysis_runs import write_run

from hpobench.analysis import analyse
from hpobench.analysis.__main__ import main
from hpobench.analysis.curves import AXES, ranks_over_time, traces
from hpobench.analysis.runs import read_runs
from hpobench.storage import load_results

SEEDS = range(5)
# every method starts at 3; a ends lowest, then b, then c, on every task and seed
LOSSES = {"a": [3.0, 1.0, 0.5], "b": [3.0, 2.0, 1.0], "c": [3.0, 3.0, 2.0]}


def make_results(root):
    for task, optimum in (("t1", 0.25), ("t2", None)):
        for method, losses in LOSSES.items():
            for seed in SEEDS:
                shifted = [x + 0.01 * seed for x in losses]
                write_run(root, task, method, seed, shifted, optimum=optimum, test_losses=[x + 1 for x in shifted])
    # a messy study: a/1 unfinished, b/0 all failed, b/1 one failed trial and other versions, b/2 missing
    write_run(root, "t", "a", 0, [2.0, 1.0, 1.0], study="messy")
    write_run(root, "t", "a", 1, [2.0, 1.0], study="messy", finished=False)
    write_run(root, "t", "a", 2, [2.0, 1.0, 1.0], study="messy")
    write_run(root, "t", "b", 0, [None, None, None], study="messy")
    write_run(root, "t", "b", 1, [2.0, None, 0.5], study="messy", versions={"python": "3.11.7", "numpy": "1.26.0"})


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    make_results(root)
    report = analyse(root, root / "out")
    return root, report


def test_every_figure_and_table_is_written(analysed):
    root, report = analysed
    out = root / "out" / "hand"
    names = [f"curves-{axis}" for axis in AXES] + [f"test-curves-{axis}" for axis in AXES] + ["ranks", "cd", "cost"]
    for name in names:
        for suffix in (".pdf", ".png"):
            path = out / f"{name}{suffix}"
            assert path in report.files and path.stat().st_size > 1000, path
    for name in ("final.md", "final.tex", "final-test.md", "final-test.tex", "cost.md", "cost.tex", "report.md",
                 "runs.md"):
        assert (out / name).read_text().strip(), name
    # the messy study: no test loss, and no task-seed pair that both methods ran, so no CD diagram
    assert len(report.figures) == 2 * len(names) + 2 * 6
    assert "study messy: no critical-difference diagram" in report.notes[0]


def test_final_table_bolds_the_best_and_marks_significant_differences(analysed):
    root, _ = analysed
    lines = (root / "out" / "hand" / "final.md").read_text().splitlines()
    t1 = next(line for line in lines if line.startswith("| t1 "))
    cells = [c.strip() for c in t1.strip("|").split("|")]
    # regret = final loss - 0.25, mean over seeds 0..4 of 0.01 * seed = 0.02
    assert cells[:2] == ["t1", "regret"]
    assert cells[2].startswith("**0.27 ± ") and cells[2].endswith("(5)**")
    # b and c are worse on all 5 seeds: one-sided Wilcoxon p = 1/32 < 0.05
    assert cells[3].startswith("0.77 ± ") and cells[3].endswith("†")
    assert cells[4].startswith("1.77 ± ") and cells[4].endswith("†")
    t2 = next(line for line in lines if line.startswith("| t2 "))
    assert "| loss |" in t2 and "**0.52 ± " in t2  # no optimum: the loss itself
    latex = (root / "out" / "hand" / "final.tex").read_text()
    assert r"\textbf{0.27 $\pm$" in latex and r"$^\dagger$" in latex and r"\begin{tabular}{llrrr}" in latex
    test = (root / "out" / "hand" / "final-test.md").read_text()
    assert "**1.52 ± " in test  # test loss of a's incumbent on t1: 0.5 + 1 + 0.02


def test_known_ranking_and_friedman_statistic(analysed):
    root, _ = analysed
    tr = traces(load_results(root / "hand"))
    ranks = ranks_over_time(tr, points=3)["evals"]
    # after one evaluation all methods tie at 3.0 (rank 2 each); at the end a, b, c rank 1, 2, 3
    np.testing.assert_array_equal(ranks.iloc[:, 0], [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(ranks.iloc[:, -1], [1.0, 2.0, 3.0])
    report = (root / "out" / "hand" / "report.md").read_text()
    # 10 task-seed blocks, every one ranking a < b < c: chi2 = 12*10/(3*4) * (1 + 4 + 9 - 3*16/4) = 20
    assert "Friedman test over 10 blocks (task-seed pairs) of 3 methods: chi2 = 20," in report
    assert "Average ranks: a 1.00, b 2.00, c 3.00." in report
    assert "critical difference at alpha = 0.05: 1.048" in report  # 2.343 sqrt(3*4 / (6*10))


def test_problem_runs_are_listed_and_unfinished_ones_left_out(analysed):
    root, report = analysed
    runs = (root / "out" / "messy" / "runs.md").read_text()
    assert "Missing runs" in runs and "messy/t/b/seed=2" in runs
    assert "Unfinished runs" in runs and "messy/t/a/seed=1 (running)" in runs
    assert "Failed runs (no successful trial): 1" in runs and "messy/t/b/seed=0 (3 trials, all failed)" in runs
    assert "messy/t/b/seed=1 (1 of 3 trials failed)" in runs
    assert "mixes runs made with different versions" in runs and "numpy 1.26.0" in runs
    assert any("messy/t/a/seed=1" in line for line in report.problems)
    assert "No missing, unfinished or failed runs" in (root / "out" / "hand" / "runs.md").read_text()
    cost = (root / "out" / "messy" / "cost.md").read_text()
    # a's unfinished run (2 trials) is left out: a's mean trials per run stays 3
    assert "| t | a | 3 |" in cost


def test_a_folder_of_runs_without_trials_lists_them_and_plots_nothing(tmp_path):
    (write_run(tmp_path, "t", "a", 0, [], finished=False) / "trials.jsonl").unlink()
    report = analyse(tmp_path)
    assert report.figures == []
    assert report.notes == ["study hand: no finished run with a successful trial, nothing to plot"]
    runs = (tmp_path / "analysis" / "hand" / "runs.md").read_text()
    assert "hand/t/a/seed=0 (running)" in runs and "hand/t/a/seed=0 (no trial recorded)" in runs


def test_older_runs_without_a_recorded_optimum_have_none_and_no_task_is_built(tmp_path):
    branin = {"_target_": "hpobench.tasks.synthetic.Branin", "cost": 1.0}
    write_run(tmp_path, "branin", "a", 0, [1.0], task_config=branin)
    write_run(tmp_path, "t", "a", 0, [1.0], optimum=0.5)
    report = analyse(tmp_path, tmp_path / "out")
    runs = read_runs(tmp_path).set_index("task")
    assert runs.loc["t", "optimum"] == 0.5 and pd.isna(runs.loc["branin", "optimum"])
    assert report.figures  # the curves of branin show its loss


def test_cli_with_median_bands(tmp_path, capsys):
    for method, losses in LOSSES.items():
        for seed in range(3):
            write_run(tmp_path / "results", "t", method, seed, losses, optimum=0.0)
    # without fidelities, --incumbent full changes nothing: every trial is at full fidelity
    assert main([str(tmp_path / "results" / "hand"), "--band", "iqr", "--cd-blocks", "task-seed",
                 "--incumbent", "full"]) == 0
    out = tmp_path / "results" / "analysis" / "hand"  # beside the study folder by default
    printed = capsys.readouterr().out
    figures = [f"curves-{axis}" for axis in AXES] + ["ranks", "cd", "cost"]
    for name in figures:
        assert str(out / f"{name}.png") in printed, name
        assert (out / f"{name}.pdf").stat().st_size > 1000 and (out / f"{name}.png").stat().st_size > 1000
    for name in ("final.md", "final.tex", "cost.md", "cost.tex", "runs.md", "report.md"):
        assert str(out / name) in printed and (out / name).stat().st_size > 0, name
    assert not (out / "test-curves-evals.png").exists()  # these runs report no test loss
    assert "| t | regret | **0.5 [0.5, 0.5] (3)** |" in (out / "final.md").read_text()


def test_cli_refuses_a_folder_without_runs(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    assert "No runs below" in capsys.readouterr().err
    assert main([str(tmp_path / "nowhere")]) == 2


def test_run_json_of_the_runner_records_the_optimum(tmp_path):
    from hpobench.budget import Budget
    from hpobench.methods.random_search import RandomSearch
    from hpobench.runner import Recording, run
    from hpobench.storage import RunFolder
    from hpobench.tasks.synthetic import Hartmann3

    folder = RunFolder(tmp_path / "run")
    run(RandomSearch, Hartmann3(), seed=0, budget=Budget(evals=2),
        folder=Recording(folder, labels={"study": "s", "task": "hartmann3", "method": "random"}))
    assert json.loads((tmp_path / "run" / "run.json").read_text())["optimum"] == Hartmann3.optimum


def test_a_task_without_test_loss_beside_one_with_it(tmp_path):
    write_run(tmp_path, "with", "a", 0, [2.0, 1.0], test_losses=[2.5, 1.5], optimum=0.0)
    write_run(tmp_path, "without", "a", 0, [2.0, 1.0], optimum=0.0)
    write_run(tmp_path, "without", "b", 0, [3.0, 2.0], optimum=0.0)
    report = analyse(tmp_path)
    out = tmp_path / "analysis" / "hand"
    assert (out / "test-curves-evals.png") in report.figures
    test = (out / "final-test.md").read_text()
    assert "| with | test loss | **1.5 ± 0 (1)** | – |" in test
    assert "| without |" not in test


def test_unfinished_runs_are_analysed_only_when_asked(tmp_path):
    from hpobench.analysis.report import Options, _usable
    from hpobench.analysis.runs import inventory

    write_run(tmp_path, "t", "a", 0, [1.0])
    write_run(tmp_path, "t", "a", 1, [1.0], finished=False)
    write_run(tmp_path, "t", "a", 2, [None])
    inv = inventory(read_runs(tmp_path), load_results(tmp_path))
    assert _usable(inv, Options())["seed"].tolist() == [0]
    assert _usable(inv, Options(include_unfinished=True))["seed"].tolist() == [0, 1]  # never the failed run


def test_runs_of_one_method_and_task_with_different_budgets_are_listed(tmp_path, capsys):
    evals = {"evals": 3, "fidelity": None, "sim_time": None, "wall_time": None}
    for seed in range(3):
        write_run(tmp_path, "t", "a", seed, [2.0, 1.0, 0.5], budget=evals)
        write_run(tmp_path, "u", "a", seed, [2.0, 1.0, 0.5], budget=evals)
        write_run(tmp_path, "u", "b", seed, [2.0, 1.0, 0.5], budget=evals)
    # b on t: one seed with a larger budget, one with the same budget on 4 workers
    write_run(tmp_path, "t", "b", 0, [2.0, 1.0, 0.5], budget=evals)
    write_run(tmp_path, "t", "b", 1, [2.0, 1.0, 0.5, 0.2, 0.1], budget={**evals, "evals": 5})
    write_run(tmp_path, "t", "b", 2, [2.0, 1.0, 0.5], budget=evals, workers=4)
    # on u every method is consistent, but c ran with the task's default budget
    for seed in range(3):
        write_run(tmp_path, "u", "c", seed, [2.0, 1.5], budget={k: None for k in evals})
    assert main([str(tmp_path)]) == 0
    runs = (tmp_path / "analysis" / "hand" / "runs.md").read_text()
    assert "- Runs of one method and task with different budgets or workers" in runs
    listed = [line.strip() for line in runs.splitlines() if line.startswith("  - hand/t/b/")]
    assert listed == ["- hand/t/b/seed=0 (evals=3)", "- hand/t/b/seed=1 (evals=5)",
                      "- hand/t/b/seed=2 (evals=3, 4 workers)"]
    assert "hand/t/a/" not in runs  # a's runs on t agree
    assert "- Methods on hand/u ran with different budgets or workers" in runs
    assert "  - c: the task's default budget" in runs and "  - a: evals=3" in runs
    assert "Methods on hand/t ran" not in runs  # t's mix is listed run by run above
    assert "different budgets or workers" in capsys.readouterr().out  # and the terminal says so too
    assert "Warning: some runs of one method and task differ in budget" in (
        tmp_path / "analysis" / "hand" / "report.md").read_text()
