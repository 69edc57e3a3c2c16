"""The evaluation limit a method that plans with it is told (Nevergrad's NGOpt chooses its algorithm by it)."""

from omegaconf import OmegaConf

from hpobench.budget import run_evals

TOLD = "${hpobench_evals:${oc.select:budget,null},${oc.select:task.default_budget,null}}"  # as the method YAMLs say


def test_a_method_is_told_the_evaluations_of_the_budget_the_run_will_have():
    task = {"default_budget": {"evals": 100}}
    told = [OmegaConf.create({"budget": budget, "task": task, "told": TOLD}).told
            for budget in ({"evals": None, "sim_time": None}, {"evals": 30, "sim_time": None},
                           {"evals": None, "sim_time": 50.0})]
    assert told == [100, 30, None]  # the task's default; the limit given; only a time limit: no evaluation limit


def test_a_method_yaml_loaded_outside_a_run_is_told_no_limit():
    assert OmegaConf.create({"told": TOLD}).told is None
    assert run_evals(None, None) is None
