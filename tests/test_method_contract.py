"""The contract every method in conf/method/ must keep (hpobench.testing's checks), run over all of them.

Methods that run in their own virtual environment (their YAML lists
``requirements``) build it on first use, which downloads packages: they run
here only with ``HPOBENCH_TEST_ENVS=1`` (tests/test_isolated.py covers the
mechanism with an optimiser that needs no download).
"""

from __future__ import annotations

import pytest
from conftest import ROOT, method_configs
from hydra.utils import instantiate
from omegaconf import OmegaConf

from hpobench import testing

METHODS = method_configs(peers=False)  # the adapters: tests/test_peers.py
# HEBO takes seconds per suggestion: its runs here go 3 suggestions past its 1 + d Sobol points (5 on MixedTask)
EVALS = {"hebo": 8}


def budget(name: str) -> dict:
    """The checks' own evaluation counts, but for the methods in EVALS."""
    return {"evals": EVALS[name]} if name in EVALS else {}


def make_method(name: str):
    config = OmegaConf.load(ROOT / "conf" / "method" / f"{name}.yaml")
    if "budget" in config.get("settings", {}):  # a run tells it its evaluation limit; NGOpt asks nothing without one
        config.settings.budget = 40
    return instantiate(config)


@pytest.mark.parametrize("name", METHODS)
@pytest.mark.parametrize("workers", [1, 3])
def test_asks_stay_in_the_space_and_fidelity_range(name, workers):
    testing.check_asks_stay_in_the_space_and_fidelity_range(make_method(name), workers=workers, **budget(name))


@pytest.mark.parametrize("name", METHODS)
def test_methods_leave_global_random_state_alone(name):
    testing.check_leaves_global_random_state_alone(make_method(name), **budget(name))


@pytest.mark.parametrize("name", METHODS)
def test_same_seed_gives_the_same_trials_in_a_fresh_process(name):
    testing.check_same_seed_gives_the_same_trials_in_a_fresh_process(make_method(name), **budget(name))


@pytest.mark.parametrize("name", METHODS)
def test_a_killed_run_resumes_to_the_uninterrupted_trials(name):
    testing.check_resumes_by_replay_to_the_uninterrupted_trials(make_method(name), **budget(name))


@pytest.mark.parametrize("name", METHODS)
def test_runs_end_cleanly_when_a_method_has_nothing_more_to_ask(name):
    requires = testing.requirements_of(make_method(name))
    if requires - testing.TinyTask().capabilities():
        pytest.skip(f"{name} needs {sorted(requires)}, which a black-box task lacks")
    testing.check_ends_cleanly_when_it_has_nothing_more_to_ask(make_method(name), **budget(name))


def test_the_suite_covers_every_method_config():
    assert {"random", "grid"} <= {getattr(m, "values", [m])[0] for m in METHODS}
