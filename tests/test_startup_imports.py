"""A tiny run imports only what it needs: no data-frame, plotting or learning library for random search on Branin.

Each of these adds tenths of a second to every run's start-up (and to every
job of a sweep); they are imported where they are used (analysis, the torch
and sklearn tasks, model-based methods), never by the run's own code path.
"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import cli_env

HEAVY = ("matplotlib", "onnxruntime", "pandas", "scipy", "sklearn", "torch")

# `python -m hpobench ARGS`, then the top-level names of every module imported, as JSON on the last line
PROBE = """
import json, runpy, sys
sys.argv = ["hpobench", *sys.argv[1:]]
try:
    runpy.run_module("hpobench", run_name="__main__", alter_sys=True)
except SystemExit as end:
    if end.code:
        raise
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_a_random_search_run_on_branin_imports_no_heavy_package(tmp_path):
    args = ["method=random", "task=branin", "budget.evals=1", f"results_dir={tmp_path / 'results'}"]
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=tmp_path, env=cli_env(), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    imported = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert {"hydra", "numpy", "hpobench"} <= imported  # the probe saw the run's modules
    trials = tmp_path / "results" / "default" / "branin" / "random" / "seed=0" / "trials.jsonl"
    assert len(trials.read_text().splitlines()) == 1  # and the run really ran
    assert sorted(imported & set(HEAVY)) == []
