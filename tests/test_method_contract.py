"""The contract every method in conf/method/ must keep, run over all of them."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, cli_env
from hydra.utils import instantiate
from omegaconf import OmegaConf
from toy_tasks import MixedTask

from hpobench import Budget, Categorical, Int, Result, Space, Task, Trial, run

METHODS = sorted(p.stem for p in (ROOT / "conf" / "method").glob("*.yaml"))


def make_method(name: str):
    return instantiate(OmegaConf.load(ROOT / "conf" / "method" / f"{name}.yaml"))


def strip_times(records):
    return [{k: v for k, v in r.items() if k not in ("wall_time", "optimizer_time")} for r in records]


@pytest.mark.parametrize("name", METHODS)
@pytest.mark.parametrize("workers", [1, 3])
def test_asks_stay_in_the_space_and_fidelity_range(name, workers):
    task = MixedTask()
    out = run(make_method(name), task, seed=0, budget=Budget(evals=40), workers=workers)
    assert out.records, "the method asked for nothing"
    for record in out.records:  # the runner refuses invalid trials too; this states the contract plainly
        assert task.space.check(record["config"]) is None
        assert task.fidelity.min <= record["fidelity"] <= task.fidelity.max


@pytest.mark.parametrize("name", METHODS)
def test_methods_leave_global_random_state_alone(name):
    np_state, py_state = np.random.get_state(), random.getstate()
    run(make_method(name), MixedTask(), seed=0, budget=Budget(evals=30), workers=2)
    after = np.random.get_state()
    assert random.getstate() == py_state
    assert np_state[0] == after[0] and np.array_equal(np_state[1], after[1]) and np_state[2:] == after[2:]


SCRIPT = """
import json, sys
from hydra.utils import instantiate
from omegaconf import OmegaConf
from toy_tasks import MixedTask
from hpobench import Budget, run
method = instantiate(OmegaConf.load(sys.argv[1]))
out = run(method, MixedTask(), seed=int(sys.argv[2]), budget=Budget(evals=30), workers=2)
drop = ("wall_time", "optimizer_time")
print(json.dumps([{k: v for k, v in r.items() if k not in drop} for r in out.records]))
"""


@pytest.mark.parametrize("name", METHODS)
def test_same_seed_gives_the_same_trials_in_a_fresh_process(name):
    path = str(ROOT / "conf" / "method" / f"{name}.yaml")

    def fresh(seed: int):
        done = subprocess.run([sys.executable, "-c", SCRIPT, path, str(seed)], env=cli_env(), capture_output=True,
                              text=True, check=True, timeout=120)
        return json.loads(done.stdout)

    first = fresh(11)
    assert first == fresh(11)
    here = run(make_method(name), MixedTask(), seed=11, budget=Budget(evals=30), workers=2)
    assert json.loads(json.dumps(strip_times(here.records))) == first


class TinyTask(Task):
    """Four configurations in all, so exhaustive methods run out."""

    space = Space({"a": Int(0, 1), "b": Categorical(["x", "y"])})

    def evaluate(self, trial: Trial, seed: int) -> Result:
        return Result(trial.config["a"] + (trial.config["b"] == "y"), 1.0)


@pytest.mark.parametrize("name", METHODS)
def test_runs_end_cleanly_when_a_method_has_nothing_more_to_ask(name):
    requires = make_method(name).func.requires
    if requires - TinyTask().capabilities():
        pytest.skip(f"{name} needs {sorted(requires)}, which a black-box task lacks")
    out = run(make_method(name), TinyTask(), seed=0, budget=Budget(evals=25), workers=2)
    assert out.stop_reason in ("method finished", "budget.evals")
    assert 1 <= len(out.records) <= 25
    assert {r["status"] for r in out.records} == {"ok"}


def test_the_suite_covers_every_method_config():
    assert {"random", "grid"} <= set(METHODS)
    assert all(Path(ROOT / "conf" / "method" / f"{m}.yaml").exists() for m in METHODS)
