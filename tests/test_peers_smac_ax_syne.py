"""The adapters of SMAC3, Ax and Syne Tune (hpobench/methods/peers/): the method contract, the same trials
from two fresh processes on the command line, Syne Tune's global numpy draws kept to itself, and a
missing library named by its extra.

Budgets are tiny: SMAC's GP facade takes seconds and Ax's BoTorch tens of seconds per suggestion on a
loaded two-core machine. A library that is not installed skips its adapter's tests, saying which extra
installs it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, cli_env
from hydra.utils import get_class
from omegaconf import OmegaConf

from hpobench import Budget, Float, Result, Space, UserError, run, testing
from hpobench.runner import method_rng
from hpobench.storage import deterministic_part

# name -> (module the adapter imports, extra, settings for the contract checks, evaluations per check)
ADAPTERS = {
    # n_trials: SMAC's initial designs take at most a quarter of it, so that its models are fitted within the
    # budget (BB: 6 Sobol points of 9 evaluations, its GP taking seconds per suggestion; HPO, MF: 10 points)
    "smac_bb": ("smac", "smac", {"n_trials": 24}, 9),
    "smac_hpo": ("smac", "smac", {"n_trials": 40}, 25),
    "smac_hb": ("smac", "smac", {}, 30),
    "smac_mf": ("smac", "smac", {"n_trials": 40}, 30),
    "ax": ("ax", "ax", {}, 7),
    # 12: BORE's first 6 trials are random (its init_random), so the last 6 come from its classifier
    "syne_tune_bore": ("syne_tune", "syne-tune", {}, 12),
    "syne_tune_tpe": ("syne_tune", "syne-tune", {}, 25),
    "syne_tune_asha": ("syne_tune", "syne-tune", {}, 30),
    "syne_tune_bohb": ("syne_tune", "syne-tune", {}, 30),
}
MULTI_FIDELITY = {"smac_hb", "smac_mf", "syne_tune_asha", "syne_tune_bohb"}


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def adapter(name: str) -> pytest.param:
    module, extra, _, _ = ADAPTERS[name]
    return pytest.param(name, marks=pytest.mark.skipif(
        not installed(module), reason=f"{module} is not installed (pip install -e \".[{extra}]\")"))


NAMES = [adapter(name) for name in ADAPTERS]


def make_method(name: str, **overrides):
    """The method as its YAML builds it, with the tests' settings: a picklable partial of its class."""
    cfg = OmegaConf.to_container(OmegaConf.load(ROOT / "conf" / "method" / f"{name}.yaml"), resolve=True)
    target = get_class(cfg.pop("_target_"))
    cfg.pop("_partial_")
    return partial(target, **{**cfg, **ADAPTERS[name][2], **overrides})


@pytest.mark.parametrize("name", NAMES)
def test_the_adapter_keeps_the_method_contract(name):
    method, evals = make_method(name), ADAPTERS[name][3]
    for workers in (1, 3):
        testing.check_asks_stay_in_the_space_and_fidelity_range(method, workers=workers, evals=evals)
    testing.check_leaves_global_random_state_alone(method, evals=evals)
    testing.check_same_seed_gives_the_same_trials_in_a_fresh_process(method, evals=evals)
    testing.check_resumes_by_replay_to_the_uninterrupted_trials(method, evals=evals)
    if name not in MULTI_FIDELITY:
        testing.check_ends_cleanly_when_it_has_nothing_more_to_ask(method, evals=min(evals, 12))


def cli_trials(tmp_path: Path, name: str, hash_seed: str, *args: str) -> list[dict]:
    results = tmp_path / f"results-{hash_seed}"
    env = {**cli_env(), "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, "-m", "hpobench", f"method={name}", *args, f"results_dir={results}"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    (trials,) = results.glob("**/trials.jsonl")
    return [deterministic_part(json.loads(line)) for line in trials.read_text().splitlines()]


@pytest.mark.parametrize("name", NAMES)
def test_two_fresh_processes_with_the_same_seed_write_the_same_trials(tmp_path, name):
    """Under different PYTHONHASHSEEDs, as two shells of a new user would run them (SMAC's local search
    used to order its start points by string hashes)."""
    if name in MULTI_FIDELITY:
        args = ("task=mfh3", "seed=0", "budget.evals=60", "workers=3")
    else:
        evals = {"smac_bb": 20, "ax": 7, "syne_tune_bore": 12}.get(name, 30)
        args = ("task=branin", "seed=0", f"budget.evals={evals}")
    args += tuple(f"method.{k}={v}" for k, v in ADAPTERS[name][2].items())
    first, second = (cli_trials(tmp_path, name, seed, *args) for seed in ("1", "2"))
    assert len(first) == int(args[2].split("=")[1])
    assert first == second
    if name in MULTI_FIDELITY:  # promotions continue the configuration's trial at the lower fidelity
        by_id = {r["trial_id"]: r for r in first}
        promoted = [r for r in first if r["parent"] is not None]
        assert promoted, "no configuration was promoted"
        for r in promoted:
            parent = by_id[r["parent"]]
            assert parent["config"] == r["config"] and parent["fidelity"] < r["fidelity"]


@pytest.mark.skipif(not installed("syne_tune"), reason="syne_tune is not installed (pip install -e \".[syne-tune]\")")
@pytest.mark.parametrize("name", ["syne_tune_bore", "syne_tune_asha"])
def test_syne_tune_draws_from_numpy_without_changing_the_callers_global_state(name):
    task = testing.MixedTask()
    method = make_method(name)(space=task.space, fidelity=task.fidelity, rng=method_rng(0))
    np.random.seed(123)
    expected = np.random.RandomState(123)
    asked = []
    for _ in range(12):  # BORE's differential evolution starts after its 6 random draws; ASHA draws per trial
        trial = method.ask()
        method.tell(trial, task.evaluate(trial, 0))
        asked.append(trial.config)
        assert np.random.random() == expected.random(), "a Syne Tune call moved the caller's global numpy state"
    again = make_method(name)(space=task.space, fidelity=task.fidelity, rng=method_rng(0))
    np.random.seed(7)  # a different global state before the calls: the same trials
    replayed = []
    for _ in range(12):
        trial = again.ask()
        again.tell(trial, task.evaluate(trial, 0))
        replayed.append(trial.config)
    assert replayed == asked


@pytest.mark.parametrize("name", NAMES)
def test_a_failed_trial_is_told_and_the_run_goes_on(name):
    task = FailingEvery3rd()
    out = run(make_method(name), task, seed=0, budget=Budget(evals=min(ADAPTERS[name][3], 12)), workers=2)
    statuses = [r["status"] for r in out.records]
    assert "failed" in statuses and statuses.count("ok") >= len(statuses) // 2


class FailingEvery3rd(testing.MixedTask):
    """MixedTask whose every third trial fails (nan loss)."""

    def evaluate(self, trial, seed):
        result = super().evaluate(trial, seed)
        return result if trial.id % 3 else type(result)(float("nan"), result.cost)


BLOCKED = {"smac": "smac", "ax": "ax", "syne_tune_bore": "syne_tune"}


@pytest.mark.parametrize("name", sorted(BLOCKED))
def test_a_missing_library_stops_the_run_with_one_sentence_naming_the_extra(tmp_path, name):
    blocked = tmp_path / "blocked" / BLOCKED[name]
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text(f"raise ImportError('hidden by the test', name={BLOCKED[name]!r})\n")
    method = "smac_hpo" if name == "smac" else name
    env = cli_env()
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "blocked"), env["PYTHONPATH"]])
    done = subprocess.run([sys.executable, "-m", "hpobench", f"method={method}", "task=branin",
                           f"results_dir={tmp_path / 'results'}"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    extra = ADAPTERS[method][1]
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    (line,) = [x for x in done.stderr.splitlines() if x.strip()]
    assert f'pip install -e ".[{extra}]"' in line and line.endswith(".") and line.count(". ") == 0, line
    assert not (tmp_path / "results").exists()


def test_a_missing_library_is_a_user_error_in_process(monkeypatch):
    monkeypatch.setitem(sys.modules, "syne_tune.optimizer.baselines", None)  # None: import raises ImportError
    task = testing.MixedTask()
    with pytest.raises(UserError, match=r'pip install -e "\.\[syne-tune\]"'):
        make_method("syne_tune_asha")(space=task.space, fidelity=task.fidelity, rng=method_rng(0))


@pytest.mark.parametrize("name", NAMES)
def test_run_json_names_the_library_and_its_version(name):
    module, _, _, _ = ADAPTERS[name]
    task = testing.MixedTask()
    described = make_method(name)(space=task.space, fidelity=task.fidelity, rng=method_rng(0)).describe()
    assert described["library"] == module and described["library_version"] and described["deterministic"] is True


def test_syne_tune_numbers_outside_their_bounds_come_back_clipped():
    pytest.importorskip("syne_tune", reason='syne_tune is not installed (pip install -e ".[syne-tune]")')
    from types import SimpleNamespace

    from hpobench.methods.peers.syne_tune import SyneTune
    from hpobench.space import Int

    # BOHB's density sampler once gave batch_size=4 for a log-scaled range of 16-512 (LCBench)
    space = Space({"batch_size": Int(16, 512, log=True), "lr": Float(1e-4, 1e-1, log=True)})
    decoded = SyneTune._decode(SimpleNamespace(space=space), {"batch_size": 4, "lr": 0.1000000001})
    assert decoded == {"batch_size": 16, "lr": 0.1}


@pytest.mark.skipif(not installed("smac"), reason='smac is not installed (pip install -e ".[smac]")')
def test_smac_sizes_its_initial_design_for_the_runs_evaluation_limit():
    # SMAC's BlackBox facade takes 8 Sobol points per hyperparameter, at most a quarter of its n_trials; the
    # YAML hands it the run's evaluation limit, so 12 trials in 6-D start from 3 points, not 48
    yaml = OmegaConf.load(ROOT / "conf" / "method" / "smac_bb.yaml")
    told = [OmegaConf.create({"method": yaml, "budget": budget}).method.n_trials
            for budget in ({"evals": 12}, {"sim_time": 100.0})]
    assert told == [12, None]
    space = Space({f"x{i}": Float(0.0, 1.0) for i in range(6)})
    method = make_method("smac_bb", n_trials=12)(space=space, fidelity=None, rng=method_rng(0))
    origins = []
    for _ in range(6):
        trial = method.ask()
        origins.append(method._infos[trial.id].config.origin.split(":")[0])
        method.tell(trial, Result(sum(trial.config.values()), 1.0))
    assert origins == ["Initial Design"] * 3 + ["Acquisition Function Maximizer"] * 3, origins
