"""``python -m hpobench.verify``: re-running finished runs and comparing them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import NO_ANALYSIS, ROOT, cli_env, env_skipped, peer_library_missing
from omegaconf import OmegaConf

from hpobench.storage import find_runs

MF_TASKS = ("mfh3", "mfh6")  # every method in conf/method/ but checkpoint-only ones runs on these


def methods_for_multi_fidelity_tasks() -> list[str]:
    names = []
    for path in sorted((ROOT / "conf" / "method").glob("*.yaml")):
        if peer_library_missing(path.stem):
            continue  # an adapter whose optional library is not installed here
        if env_skipped(path.stem):
            continue  # in its own environment, built by downloading packages: with HPOBENCH_TEST_ENVS only
        target = OmegaConf.load(path)["_target_"]
        module, cls = target.rsplit(".", 1)
        requires = getattr(__import__(module, fromlist=[cls]), cls).requires
        if requires <= {"fidelity"}:
            names.append(path.stem)
    return names


def verify(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hpobench.verify", *args], env=cli_env(), capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """Every (multi-fidelity-capable) method on two synthetic tasks, one seed, two workers; an evaluation limit
    beside the fidelity one, which NGOpt needs to choose its algorithm."""
    root = tmp_path_factory.mktemp("verify")
    methods = ",".join(methods_for_multi_fidelity_tasks())
    subprocess.run([sys.executable, "-m", "hpobench", "-m", f"method={methods}", f"task={','.join(MF_TASKS)}",
                    "seed=0", "workers=2", "budget.fidelity=4", "budget.evals=40", f"results_dir={root}", NO_ANALYSIS],
                   cwd=root, env=cli_env(), check=True, capture_output=True, timeout=600)
    return root


def test_a_fresh_sweep_verifies_identical(sweep):
    done = verify(str(sweep), "--jobs", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    runs = find_runs(sweep)
    assert len(runs) == 2 * len(methods_for_multi_fidelity_tasks())
    assert done.stdout.count("identical") == len(runs) + 1  # one per run, and the closing count


def test_an_edited_trial_is_reported_with_trial_and_field(sweep, tmp_path):
    path = sweep / "default" / "mfh3" / "random" / "seed=0" / "trials.jsonl"
    original = path.read_text()
    rows = [json.loads(line) for line in original.splitlines()]
    rows[2]["loss"] += 1e-9
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    try:
        done = verify(str(sweep / "default" / "mfh3" / "random"))
    finally:
        path.write_text(original)
    assert done.returncode == 1
    assert "differs at trial 2 (id 2) in loss" in done.stdout


def test_a_run_that_cannot_be_rebuilt_is_reported(sweep):
    path = sweep / "default" / "mfh6" / "random" / "seed=0" / "run.json"
    original = path.read_text()
    info = json.loads(original)
    info["config"]["task"]["_target_"] = "hpobench.tasks.synthetic.NoSuchTask"
    path.write_text(json.dumps(info))
    try:
        done = verify(str(sweep / "default" / "mfh6" / "random"))
    finally:
        path.write_text(original)
    assert done.returncode == 1 and "could not run" in done.stdout and "NoSuchTask" in done.stdout


def test_sampling_checks_that_many_runs(sweep):
    done = verify(str(sweep), "--sample", "2", "--seed", "3")
    assert done.returncode == 0 and "2 identical, 0 differs, 0 could not run" in done.stdout


def test_a_gpu_run_made_with_the_fastest_algorithms_that_differs_is_not_deterministic(tmp_path):
    subprocess.run([sys.executable, "-m", "hpobench", "method=random", "task=digits", "task.max_epochs=2",
                    "budget.evals=2", f"results_dir={tmp_path}"], cwd=tmp_path, env=cli_env(), check=True,
                   capture_output=True, timeout=300)
    path, = tmp_path.rglob("trials.jsonl")  # (the folder's name holds the task's override)
    rows = [json.loads(line) | {"loss": 0.5} for line in path.read_text().splitlines()]  # losses that differ
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert verify(str(tmp_path)).returncode == 1  # on the CPU, a differing loss is a damaged record
    for r in rows:
        r["info"]["deterministic"] = False  # what a CUDA run with task.deterministic=false records
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    done = verify(str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 not deterministic" in done.stdout and "task.deterministic=false" in done.stdout
