"""A sweep over methods x tasks skips the pairs that cannot run (a method that needs what the task lacks), and
the analysis and ``hpobench.status`` list them as not applicable, not as missing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from conftest import NO_ANALYSIS, cli_env

from hpobench.analysis.runs import describe, inventory, read_runs
from hpobench.storage import load_results


def test_impossible_pairs_are_not_applicable_not_missing(tmp_path):
    results = tmp_path / "results"
    sweep = ["-m", "method=random,hyperband", "task=branin,mfh3", "seed=0,1", "budget.evals=3",
             f"results_dir={results}", "study=st", NO_ANALYSIS]
    done = subprocess.run([sys.executable, "-m", "hpobench", *sweep], cwd=tmp_path, env=cli_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("hpobench: skipped hyperband on branin: Hyperband needs a task that supports "
                             "fidelity") == 2
    study = results / "st"
    assert not (study / "branin" / "hyperband").exists()
    info = json.loads((study / "mfh3" / "hyperband" / "seed=0" / "run.json").read_text())
    assert (info["requires"], info["capabilities"]) == (["fidelity"], ["fidelity"])
    assert json.loads((study / "branin" / "random" / "seed=0" / "run.json").read_text())["capabilities"] == []

    inv = inventory(read_runs(results), load_results(results))
    assert inv.missing.empty
    assert sorted(map(tuple, inv.not_applicable.values.tolist())) == [
        ("st", "branin", "hyperband", 0, "fidelity"), ("st", "branin", "hyperband", 1, "fidelity")]
    lines = describe(inv)
    assert lines[0].startswith("- Not applicable") and "  - st/branin/hyperband/seed=0 (needs fidelity)" in lines

    shutil.rmtree(study / "mfh3" / "random" / "seed=1")  # a run that a sweep can make, gone: that is missing
    inv = inventory(read_runs(results), load_results(results))
    assert inv.missing.values.tolist() == [["st", "mfh3", "random", 1]] and len(inv.not_applicable) == 2

    status = subprocess.run([sys.executable, "-m", "hpobench.status", str(study)], env=cli_env(),
                            capture_output=True, text=True, timeout=120)
    assert "n/a          branin/hyperband/seed=0" in status.stdout and "5 finished, 1 missing, 2 n/a" in status.stdout
    command = status.stdout.split("interrupted ones resume):\n", 1)[1].splitlines()[0]
    assert "method=random" in command and "task=mfh3" in command and "hyperband" not in command


def test_runs_recorded_before_requires_was_are_missing_as_before(tmp_path):
    results = tmp_path / "results"
    sweep = ["-m", "method=random,hyperband", "task=branin,mfh3", "seed=0", "budget.evals=3",
             f"results_dir={results}", NO_ANALYSIS]
    subprocess.run([sys.executable, "-m", "hpobench", *sweep], cwd=tmp_path, env=cli_env(), check=True,
                   capture_output=True, timeout=300)
    for path in results.glob("default/*/*/seed=0/run.json"):  # as written by an older hpobench
        info = json.loads(path.read_text())
        del info["requires"], info["capabilities"]
        path.write_text(json.dumps(info))
    inv = inventory(read_runs(results), load_results(results))
    assert inv.missing.values.tolist() == [["default", "branin", "hyperband", 0]] and inv.not_applicable.empty
