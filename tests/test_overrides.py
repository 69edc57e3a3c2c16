"""The command line's overrides are checked before Hydra runs: one sentence naming the valid choices."""

from __future__ import annotations

import pytest

from hpobench import UserError
from hpobench.overrides import check_command_line, overrides_of


@pytest.mark.parametrize(("argv", "words"), [
    (["method=rando"], ["method=rando is not a config in conf/method/", "asha, ax, bohb", "did you mean random?"]),
    (["task=levyy"], ["task=levyy is not a config in conf/task/", "branin", "did you mean levy?"]),
    (["-m", "method=random,gridd"], ["method=gridd", "did you mean grid?"]),
    (["hydra/launcher=jobliv"], ["of the group hydra/launcher", "submitit_slurm", "did you mean joblib?"]),
    (["+experiment=nb201_searc"], ["experiment=nb201_searc", "did you mean nb201_search?"]),
    (["+suite=bbob-smal"], ["suite=bbob-smal", "did you mean bbob-small?"]),
    (["nosuchkey=1"], ["'nosuchkey' is not one of its top-level keys", "budget, device"]),
    (["+budgett.evals=5"], ["'budgett' is not one of its top-level keys", "did you mean budget?"]),
    (["+budget.epochs=3"], ["budget.epochs is not a budget limit", "budget.evals", "budget.max_failed_in_a_row"]),
    (["budget.evalz=3"], ["budget.evalz is not a budget limit", "did you mean budget.evals?"]),
    (["+budget.evals=3"], ["already a setting", "without the '+'"]),
    (["+seed=3"], ["seed is already a setting"]),
    (["+method.foo=1"], ["method=random has no setting 'foo'", "block"]),
    (["method.foo=1"], ["method=random has no setting 'foo'"]),
    (["+task.nonsense=1"], ["task=branin has no setting 'nonsense'", "cost"]),
    (["task=levy", "task.dimm=3"], ["task=levy has no setting 'dimm'", "did you mean task.dim?"]),
    (["method=grid", "+method.resolution=3"], ["method.resolution is already a setting of method=grid"]),
    (["-m", "method=random,grid", "method.resolution=3"], ["method=random has no setting 'resolution'"]),
    (["task=nb201", "task.noise=seed"], ["task=nb201 has no setting 'noise'", "use +task.noise=..."]),
    (["method=["], ["Cannot read the override 'method=['", "write it as key=value"]),
])
def test_a_mistake_is_one_sentence_naming_the_valid_choices(argv, words):
    with pytest.raises(UserError) as error:
        check_command_line(argv)
    message = str(error.value)
    assert all(w in message for w in words), message
    assert "\n" not in message and message.endswith(".")


@pytest.mark.parametrize("argv", [
    [],
    ["method=tpe", "task=hartmann6", "seed=3", "budget.evals=5", "study=x", "results_dir=/tmp/r"],
    ["-m", "method=random,grid", "task=branin,hartmann6", "seed=0,1,2", "hydra/launcher=joblib"],
    ["task=nb201", "+task.noise=seed", "task.hp=200"],  # constructor arguments the YAML leaves out
    ["task=nb201", "+task.cost=train_time"],
    ["-m", "+experiment=nb201_search"],
    ["-m", "+experiment=nb201_search_time"],
    ["+experiment=nb201_search_time", "+task.noise=seed", "task.hp=200"],
    ["-m", "+suite=bbob-small", "method=random,tpe,gp", "seed=0,1,2"],
    ["method=grid", "method.resolution=5", "method.shuffle=true"],
    ["budget.max_failed_in_a_row=null", "budget.sim_time=100", "~hydra.callbacks.analysis"],
    ["hydra.launcher.n_jobs=2", "hydra/launcher=joblib", "-m", "method=random"],
    ["method=hebo", "+method.paths=[/tmp]"],
    ["--help"], ["--cfg", "job", "method=random"],
])
def test_what_the_docs_use_passes(argv):
    check_command_line(argv)


def test_search_path_configs_are_choices(tmp_path):
    (tmp_path / "task").mkdir()
    (tmp_path / "task" / "mine.yaml").write_text("_target_: hpobench.tasks.synthetic.Branin\ncost: 2\n")
    search = f"hydra.searchpath=[file://{tmp_path}]"
    check_command_line([search, "task=mine", "task.cost=3"])
    with pytest.raises(UserError, match="did you mean mine"):
        check_command_line([search, "task=mien"])


def test_flags_are_not_overrides():
    assert overrides_of(["-m", "--cfg", "job", "a=1", "-p", "task", "b=2"]) == ["a=1", "b=2"]
    assert overrides_of(["--help", "a=1"]) is None
