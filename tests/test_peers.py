"""The adapters of other libraries (hpobench/methods/peers/): the method contract with tiny budgets,
same-seed runs from the command line, run.json's method_info, verify, and a missing library.

An adapter whose library is not installed is skipped with the sentence it stops with (CI installs the
``peers`` extra, so there they all run).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import subprocess
import sys

import pytest
from conftest import ROOT, cli_env, is_peer, method_configs
from hydra.utils import instantiate
from omegaconf import OmegaConf

from hpobench import Budget, UserError, run, testing
from hpobench.storage import deterministic_part

# SMAC3, Ax and Syne Tune have their own file (tests/test_peers_smac_ax_syne.py), with budgets made for them.
OWN_FILE = ("hpobench.methods.peers.smac.", "hpobench.methods.peers.ax.", "hpobench.methods.peers.syne_tune.")
PEERS = [m for m in method_configs() if is_peer(name := getattr(m, "values", [m])[0]) and not str(
    OmegaConf.load(ROOT / "conf" / "method" / f"{name}.yaml")["_target_"]).startswith(OWN_FILE)]
EVALS = 12  # past every adapter's random start (10) but hyperopt's (20; test_hyperopt_tpe_past_its_start)


def make_method(name: str):
    """The method of conf/method/<name>.yaml, or a skip naming the extra when its library is missing."""
    made = instantiate(OmegaConf.load(ROOT / "conf" / "method" / f"{name}.yaml"))
    try:
        testing.built(made)
    except UserError as error:
        if "pip install" not in str(error):
            raise
        pytest.skip(str(error))
    return made


@pytest.mark.parametrize("name", PEERS)
def test_the_contract_holds_with_tiny_budgets(name):
    made = make_method(name)
    for workers in (1, 3):
        testing.check_asks_stay_in_the_space_and_fidelity_range(made, workers=workers, evals=EVALS)
    testing.check_leaves_global_random_state_alone(made, evals=EVALS)
    if testing.built(made).deterministic:
        testing.check_same_seed_gives_the_same_trials_in_a_fresh_process(made, evals=EVALS)
        testing.check_resumes_by_replay_to_the_uninterrupted_trials(made, evals=EVALS)
    if not testing.requirements_of(made) - testing.TinyTask().capabilities():
        testing.check_ends_cleanly_when_it_has_nothing_more_to_ask(made, evals=6)


def trials_of(path) -> list[dict]:
    return [deterministic_part(json.loads(line)) for line in (path / "trials.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("name", PEERS)
def test_the_same_command_twice_gives_the_same_trials_and_run_json_names_the_library(name, hpobench_cli, tmp_path):
    make_method(name)  # skips when the library is missing
    runs = []
    for k in (1, 2):
        hpobench_cli(f"method={name}", "task=branin", "seed=0", f"budget.evals={EVALS}", "workers=2",
                     results=tmp_path / f"r{k}")
        runs.append(tmp_path / f"r{k}" / "default" / "branin" / name / "seed=0")
    info = json.loads((runs[0] / "run.json").read_text())["method_info"]
    assert info["library"] and info["library_version"] and isinstance(info["deterministic"], bool), info
    if info["deterministic"]:
        assert trials_of(runs[0]) == trials_of(runs[1])


@pytest.mark.parametrize(("name", "module", "extra"), [
    ("optuna_tpe", "optuna", "optuna"), ("skopt_gp", "skopt", "skopt"), ("hyperopt_tpe", "hyperopt", "hyperopt"),
    ("nevergrad", "nevergrad", "nevergrad")])
def test_a_missing_library_is_one_sentence_naming_the_extra_and_nothing_is_written(name, module, extra, monkeypatch,
                                                                                  tmp_path):
    from hpobench.runner import Recording
    from hpobench.storage import RunFolder
    from hpobench.tasks.synthetic import Branin

    monkeypatch.setitem(sys.modules, module, None)  # what Python does for a package that is not installed
    cls = instantiate(OmegaConf.load(ROOT / "conf" / "method" / f"{name}.yaml"))
    folder = tmp_path / "run"
    with pytest.raises(UserError) as raised:
        run(cls, Branin(), seed=0, budget=Budget(evals=3), folder=Recording(RunFolder(folder), config={}))
    message = str(raised.value)
    assert f'pip install -e ".[{extra}]"' in message and message.count(". ") == 0, message
    assert not folder.exists() or not any(folder.iterdir())


def test_verify_reports_a_method_that_says_it_is_not_deterministic_as_such(hpobench_cli, tmp_path):
    hpobench_cli("method=random", "task=branin", "seed=0", "budget.evals=5")
    folder = tmp_path / "results" / "default" / "branin" / "random" / "seed=0"
    info = json.loads((folder / "run.json").read_text())
    assert info["method_info"]["deterministic"] is True
    info["method_info"]["deterministic"] = False  # as an adapter whose library is not deterministic writes it
    (folder / "run.json").write_text(json.dumps(info))
    rows = [json.loads(line) for line in (folder / "trials.jsonl").read_text().splitlines()]
    rows[1]["loss"] += 1.0
    (folder / "trials.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    done = subprocess.run([sys.executable, "-m", "hpobench.verify", str(tmp_path / "results")], env=cli_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not deterministic" in done.stdout and "differs at trial 1" in done.stdout
    assert "0 differs" in done.stdout and "1 not deterministic" in done.stdout


class HalfFailing(testing.MixedTask):
    """MixedTask whose left half of ``x`` fails (nan loss)."""

    def evaluate(self, trial, seed):
        result = super().evaluate(trial, seed)
        return dataclasses.replace(result, loss=math.nan) if trial.config["x"] < 0.5 else result


@pytest.mark.parametrize("name", PEERS)
def test_failed_trials_are_told_and_the_run_goes_on(name):
    out = run(make_method(name), HalfFailing(), seed=0, budget=Budget(evals=EVALS), workers=2)
    statuses = [r["status"] for r in out.records]
    assert len(statuses) == EVALS and "failed" in statuses and "ok" in statuses, statuses


def test_hyperopt_tpe_past_its_start_keeps_the_contract():
    make_method("hyperopt_tpe")  # skips when hyperopt is missing
    from hpobench.methods.peers.hyperopt import Hyperopt

    made = functools.partial(Hyperopt, settings={"n_startup_jobs": 4})
    testing.check_same_seed_gives_the_same_trials_in_a_fresh_process(made, evals=EVALS)
    testing.check_resumes_by_replay_to_the_uninterrupted_trials(made, evals=EVALS, workers=3)


def test_optuna_tpe_univariate_is_univariate_and_optuna_tpe_multivariate():
    # Optuna 5 makes TPESampler multivariate on one objective unless told otherwise, so the univariate
    # variant must say multivariate=false; the two then differ once TPE takes over from the random start.
    asked = {}
    for name in ("optuna_tpe", "optuna_tpe_univariate"):
        made = make_method(name)
        assert testing.built(made).study.sampler._multivariate is (name == "optuna_tpe")
        outcome = run(made, testing.MixedTask(), seed=0, budget=Budget(evals=16))
        asked[name] = [r.config for r in outcome.records]
    assert asked["optuna_tpe"][:10] == asked["optuna_tpe_univariate"][:10]  # the same random start
    assert asked["optuna_tpe"][10:] != asked["optuna_tpe_univariate"][10:]
