"""Every method refuses settings that leave it nothing to do or make no sense (issue 14, item 5).

A setting outside its range used to give a "finished" run of 0 trials
(``pbt`` with ``population_size=0``, ``hyperband`` with ``max_brackets=0``)
or a crash midway. Every numeric setting of every method in conf/method/ is
tried with a negative and a non-finite value here.
"""

from __future__ import annotations

import inspect
import math
from functools import partial

import numpy as np
import pytest
from conftest import ROOT, is_peer
from hydra.utils import get_class
from omegaconf import OmegaConf
from toy_tasks import MixedTask

from hpobench import Budget, Float, Space, UserError, run
from hpobench.fidelity import Fidelity

# Methods that run in their own environment (their YAML lists requirements: DEHB, HEBO) and the adapters of
# other libraries (hpobench/methods/peers/) pass their settings to the library, which checks them itself;
# the methods here are hpobench's own classes.
METHODS = sorted(p.stem for p in (ROOT / "conf" / "method").glob("*.yaml")
                 if not OmegaConf.load(p).get("requirements") and not is_peer(p.stem))
SUPPLIED = ("space", "fidelity", "rng")


def method_class(name: str):
    return get_class(OmegaConf.load(ROOT / "conf" / "method" / f"{name}.yaml")["_target_"])


def numeric_settings(cls) -> list[str]:
    """Settings whose default is a number, or that are annotated as numbers (``int | None``)."""
    names = []
    for name, param in inspect.signature(cls).parameters.items():
        default, note = param.default, str(param.annotation)
        numeric_default = isinstance(default, (int, float)) and not isinstance(default, bool)
        if name not in SUPPLIED and (numeric_default or (default is None and ("int" in note or "float" in note))):
            names.append(name)
    return names


def build(cls, **settings):
    space = Space({"x": Float(0.0, 1.0)})
    return cls(space=space, fidelity=Fidelity("epoch", 1, 81), rng=np.random.default_rng(0), **settings)


CASES = [(name, setting, bad) for name in METHODS for setting in numeric_settings(method_class(name))
         for bad in (-1, math.nan)]


def test_every_method_has_numeric_settings_to_check():
    # grid's one number is its resolution; Ax's adapter has no numeric setting and Syne Tune's passes its
    # scheduler's settings on as a dict (the library checks them)
    exempt = {"grid", "ax"} | {name for name in METHODS if name.startswith("syne_tune_")}
    assert {name for name, _, _ in CASES} >= set(METHODS) - exempt
    assert len(CASES) >= 60


@pytest.mark.parametrize(("name", "setting", "bad"), CASES)
def test_a_negative_or_non_finite_setting_is_refused_up_front(name, setting, bad):
    with pytest.raises(UserError, match=setting):
        build(method_class(name), **{setting: bad})


@pytest.mark.parametrize(("name", "settings"), [
    ("pbt", {"population_size": 0}), ("hyperband", {"max_brackets": 0}), ("hyperband", {"max_brackets": -1}),
    ("sh", {"max_brackets": 0}), ("bohb", {"max_brackets": 0}), ("rea", {"population_size": 0}),
    ("rea", {"sample_size": 0}), ("random", {"block": 0}), ("local_search", {"num_init": 0}),
    ("gp", {"n_initial": 0}), ("tpe", {"n_candidates": 0}), ("bohb", {"num_samples": 0}),
    ("pbt", {"quantile": 0}), ("pbt", {"quantile": 0.75}), ("pbt", {"ready": 0}), ("pbt", {"perturb_factors": [1.2]}),
    ("grid", {"resolution": 0}),
])
def test_settings_that_leave_nothing_to_do_are_refused(name, settings):
    with pytest.raises(UserError, match=next(iter(settings))):
        build(method_class(name), **settings)


def test_the_defaults_and_the_papers_settings_are_accepted():
    for name in METHODS:
        config = {k: v for k, v in OmegaConf.to_container(
            OmegaConf.load(ROOT / "conf" / "method" / f"{name}.yaml")).items() if not k.startswith("_")}
        build(method_class(name), **config)  # raises on a setting the checks got wrong
    out = run(partial(method_class("hyperband"), max_brackets=1), MixedTask(), seed=0, budget=Budget(evals=10**4))
    assert out.stop_reason == "method finished" and len(out.records) > 1  # one bracket: the smallest legal run
