"""A multirun ends with the analysis of its study, by the Hydra callback in conf/config.yaml."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_multirun_ends_with_the_analysis(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "hpobench", "-m", "method=random,grid", "task=branin", "seed=0,1",
               "budget.evals=4", f"results_dir={tmp_path}", "study=cb"]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "analysis" / "cb"
    for name in ("curves-evals.png", "ranks.png", "cd.png", "cost.png", "report.md"):
        assert str(out / name) in done.stdout, name
        assert (out / name).stat().st_size > 0
    assert "fontTools" not in done.stdout  # the PDF font subsetter's INFO logging stays quiet
    final = (out / "final.md").read_text()
    assert "| branin | regret |" in final and "(2)" in final  # two seeds per method


def test_with_the_study_swept_the_results_folder_is_analysed(tmp_path, capsys):
    from _analysis_runs import write_run
    from omegaconf import OmegaConf

    from hpobench.analysis.callback import AnalysisCallback

    write_run(tmp_path, "t", "a", 0, [2.0, 1.0], study="s1")
    write_run(tmp_path, "t", "a", 0, [2.0, 1.0], study="s2")
    # study=s1,s2 leaves the sweep folder at the default study, which holds no runs
    config = OmegaConf.create({"hydra": {"sweep": {"dir": str(tmp_path / "default")}}, "results_dir": str(tmp_path)})
    AnalysisCallback().on_multirun_end(config)
    printed = capsys.readouterr().out
    for study in ("s1", "s2"):
        assert str(tmp_path / "analysis" / study / "curves-evals.png") in printed
