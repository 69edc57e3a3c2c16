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
