"""Named suites (conf/suite/): what they expand to, and one -m command that sweeps one."""

from __future__ import annotations

import pytest
from conftest import NO_ANALYSIS, ROOT
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from hpobench import UserError, list_runs
from hpobench.status import run_folder, sweep_jobs
from hpobench.suites import combine, expand, families

SUITES = sorted(p.stem for p in (ROOT / "conf" / "suite").glob("*.yaml"))
TASKS = {p.stem for p in (ROOT / "conf" / "task").glob("*.yaml")}


def members(name: str) -> list[dict]:
    return OmegaConf.to_container(OmegaConf.load(ROOT / "conf" / "suite" / f"{name}.yaml").hydra.sweeper.members)


def test_the_suites_hold_what_their_names_promise():
    sizes = {name: len(expand(members(name))) for name in SUITES}
    assert sizes == {"bbob": 24 * 4 * 5, "bbob-small": 48, "hpo-tabular": 4 + 8 + 3 + 34, "multi-fidelity": 2 + 34}
    jobs = expand(members("bbob"))
    assert ["task=bbob", "task.dim=20", "task.function=24", "task.instance=5"] in jobs
    assert len({tuple(j) for j in jobs}) == len(jobs)
    tabular = [j[0] for j in expand(members("hpo-tabular"))]
    assert {t: tabular.count(t) for t in set(tabular)} == {"task=fcnet": 4, "task=hpobench_mlp": 8, "task=nb201": 3,
                                                             "task=lcbench": 34}


@pytest.mark.parametrize("name", SUITES)
def test_every_member_names_a_task_config_and_its_source(name):
    for member in members(name):
        assert member["task"] in TASKS and len(member["source"]) > 20, member


@pytest.mark.parametrize("name", SUITES)
def test_every_member_composes_with_its_settings(name):
    jobs = expand(members(name))
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"+suite={name}"], return_hydra_config=True)
        assert cfg.hydra.sweeper._target_ == "hydra_plugins.hpobench_sweeper.HpobenchSweeper"
        assert cfg.hydra.sweeper.suite == name and cfg.hydra.sweeper.members
        for job in jobs[:: max(1, len(jobs) // 12)]:  # a spread of members: composing costs ~50 ms each
            task = compose(config_name="config", overrides=[f"+suite={name}", *job]).task
            for override in job[1:]:
                key, value = override.removeprefix("task.").split("=", 1)
                assert str(task[key]) == value


def test_family_names_follow_the_run_folder_labels():
    names = families(members("hpo-tabular"))
    assert names["fcnet,dataset=naval_propulsion"] == "fcnet" and names["lcbench,instance=3945"] == "lcbench"
    assert len(names) == 49


def test_a_suite_refuses_a_task_given_on_the_command_line():
    with pytest.raises(UserError, match="A suite chooses the tasks"):
        combine([["task=branin"]], [["task=levy", "seed=0"]])


def test_one_command_sweeps_a_suite_into_readable_folders(hpobench_cli, tmp_path):
    conf = tmp_path / "myconf" / "suite"
    conf.mkdir(parents=True)
    (conf / "tiny.yaml").write_text(
        "# @package _global_\n"
        "defaults:\n  - override /hydra/sweeper: hpobench_suite\n"
        "hydra:\n  sweeper:\n    suite: tiny\n    members:\n"
        "      - {task: branin, source: 'Branin-Hoo, Surjanovic and Bingham'}\n"
        "      - {task: levy, source: 'Levy, Surjanovic and Bingham', settings: {dim: [2, 3]}}\n")
    search = f"hydra.searchpath=[file://{tmp_path / 'myconf'}]"
    hpobench_cli("-m", "+suite=tiny", "method=random,grid", "seed=0,1", "budget.evals=3", search, NO_ANALYSIS)
    runs = list_runs(tmp_path / "results")
    assert len(runs) == 3 * 2 * 2
    assert set(runs.task) == {"branin", "levy,dim=2", "levy,dim=3"} and set(runs.method) == {"random", "grid"}
    assert set(runs.status) == {"finished"}
    study = tmp_path / "results" / "default"
    jobs, _ = sweep_jobs(OmegaConf.load(study / "multirun.yaml"))  # hpobench.status expands the suite alike
    defaults = {"task": "branin", "method": "random", "seed": "0"}
    assert sorted(str(run_folder(study, job, defaults)) for job in jobs) == sorted(runs.path)
    done = hpobench_cli("-m", "+suite=tiny", "task=branin", "budget.evals=3", search, NO_ANALYSIS, check=False)
    assert done.returncode != 0 and "A suite chooses the tasks" in done.stderr
