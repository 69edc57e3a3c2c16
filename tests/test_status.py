"""``python -m hpobench.status``: what a sweep has finished and what is missing."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys

from conftest import NO_ANALYSIS, cli_env

from hpobench import list_runs


def test_deleted_runs_are_found_and_the_printed_command_recreates_exactly_them(tmp_path):
    results = tmp_path / "results"
    sweep = ["-m", "method=random,grid", "task=branin,hartmann3", "seed=0,1,2", "budget.evals=5",
             f"results_dir={results}", "study=st", NO_ANALYSIS]
    subprocess.run([sys.executable, "-m", "hpobench", *sweep], cwd=tmp_path, env=cli_env(), check=True,
                   capture_output=True, timeout=300)
    study = results / "st"
    for gone in ("branin/grid/seed=1", "hartmann3/grid/seed=1"):
        shutil.rmtree(study / gone)
    before = {p: (p / "trials.jsonl").read_bytes() for p in map(lambda s: study / s, list_runs(study).path)}

    status = subprocess.run([sys.executable, "-m", "hpobench.status", str(study)], env=cli_env(), check=True,
                            capture_output=True, text=True, timeout=120)
    assert "10 finished, 2 missing" in status.stdout
    assert "missing      branin/grid/seed=1" in status.stdout
    commands = status.stdout.split("interrupted ones resume):\n", 1)[1].strip().splitlines()
    assert len(commands) == 1 and "method=grid" in commands[0] and "seed=1" in commands[0]

    args = shlex.split(commands[0])
    assert args[:3] == ["python", "-m", "hpobench"]
    subprocess.run([sys.executable, *args[1:]], cwd=tmp_path, env=cli_env(), check=True, capture_output=True,
                   timeout=300)
    runs = list_runs(study)
    assert len(runs) == 12 and set(runs.status) == {"finished"}
    assert all((p / "trials.jsonl").read_bytes() == data for p, data in before.items())
    again = subprocess.run([sys.executable, "-m", "hpobench.status", str(study)], env=cli_env(), check=True,
                           capture_output=True, text=True, timeout=120)
    assert "12 finished" in again.stdout and "To run" not in again.stdout


def test_a_folder_without_a_sweep_gets_a_clear_message(tmp_path):
    done = subprocess.run([sys.executable, "-m", "hpobench.status", str(tmp_path)], env=cli_env(),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "holds no multirun.yaml" in done.stderr


def test_a_sweep_with_configs_from_outside_the_repository_is_composed_with_its_own_search_path(tmp_path):
    conf = tmp_path / "myconf"
    (conf / "method").mkdir(parents=True)
    (conf / "task").mkdir()
    (conf / "method" / "my_random.yaml").write_text("_target_: hpobench.methods.random_search.RandomSearch\n"
                                                    "_partial_: true\n")
    (conf / "task" / "my_branin.yaml").write_text("_target_: hpobench.tasks.synthetic.Branin\n"
                                                  "default_budget:\n  evals: 3\n")
    results = tmp_path / "results"
    # method and task come from the outside folder and are not given per job: status must compose them
    sweep = ["-m", "method=my_random", "task=my_branin", "seed=0,1", f"results_dir={results}", "study=out",
             NO_ANALYSIS, f"hydra.searchpath=[file://{conf}]"]
    subprocess.run([sys.executable, "-m", "hpobench", *sweep], cwd=tmp_path, env=cli_env(), check=True,
                   capture_output=True, timeout=300)
    study = results / "out"
    shutil.rmtree(study / "my_branin" / "my_random" / "seed=1")
    status = subprocess.run([sys.executable, "-m", "hpobench.status", str(study)], cwd=tmp_path, env=cli_env(),
                            capture_output=True, text=True, timeout=120)
    assert status.returncode == 0, status.stderr
    assert "finished     my_branin/my_random/seed=0" in status.stdout
    assert "missing      my_branin/my_random/seed=1" in status.stdout
    assert "1 finished, 1 missing" in status.stdout and "not in sweep" not in status.stdout
    command = status.stdout.split("interrupted ones resume):\n", 1)[1].strip()
    assert f"hydra.searchpath=[file://{conf}]" in shlex.split(command)
