"""The ``hpobench`` sweeper (the default) gives the same runs as Hydra's basic sweeper and launchers.

It composes each distinct job once and derives the other seeds from it
(hpobench/sweep.py); these tests compare its configs with Hydra's own
composition, and a small sweep's results and files with those of
``hydra/sweeper=basic``, with the basic and the joblib launcher.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import NO_ANALYSIS, cli_env
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode
from omegaconf import OmegaConf

from hpobench.storage import deterministic_part, fingerprint
from hpobench.sweep import JobTemplates, seed_entry

ROOT = Path(__file__).resolve().parents[1]
SWEEP = ["method=random,tpe", "task=branin,hartmann3", "seed=0,1,2", "budget.evals=4", "progress=false"]
HYDRA_FILES = "hydra.output_subdir=hydra_files"  # Hydra's own copies of config, hydra and overrides, to compare


def _jobs(overrides: list[str]) -> list[list[str]]:
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    (batch,) = BasicSweeper.split_arguments(OverridesParser.create().parse_overrides(overrides), None)
    return batch


@pytest.mark.parametrize("overrides", [
    ["method=random,grid", "task=levy", "task.dim=2,3", "seed=0,1,7,12", "budget.evals=3"],
    ["seed=5,6", "method=tpe", "method.n_startup=3", "hydra.job.config.override_dirname.exclude_keys=[seed]"],
    ["+experiment=nb201_search", "seed=3,4"],
])
def test_a_derived_job_config_is_what_hydra_composes(overrides):
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        hydra_args = [o for o in overrides if o.startswith("hydra.")]
        master = loader.load_configuration("config", hydra_args, RunMode.MULTIRUN)
        templates = JobTemplates(loader, master)
        jobs = [[o for o in job if not o.startswith("hydra.")] for job in _jobs(overrides)]
        for job in jobs:
            mine, hydras = templates.config(job), loader.load_sweep_config(master, job)
            assert OmegaConf.to_yaml(mine) == OmegaConf.to_yaml(hydras), job
            assert mine.hydra.job.override_dirname == hydras.hydra.job.override_dirname
            for flag in ("struct", "readonly"):
                assert mine._get_node_flag(flag) == hydras._get_node_flag(flag)
        composed = {tuple(j[:seed_entry(j)] + j[seed_entry(j) + 1:]) for j in jobs}
        assert len(templates.templates) == len(composed) < len(jobs)  # one composition per seedless job


def test_a_job_is_never_derived_from_another_seed_it_does_not_vary():
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        templates = JobTemplates(loader, loader.load_configuration("config", [], RunMode.MULTIRUN))
        for job in (["seed=3"], ["seed=abc"], ["seed=4"], ["seed=abc"]):
            assert OmegaConf.to_yaml(templates.config(job)) == OmegaConf.to_yaml(loader.load_sweep_config(
                templates.master, job)), job


def test_only_a_plain_integer_seed_is_derived():
    assert seed_entry(["method=random", "seed=12"]) == 1
    assert seed_entry(["seed=012"]) is None and seed_entry(["seed=1", "+seed=2"]) is None
    assert seed_entry(["seed=-1"]) is None and seed_entry(["method=random"]) is None


def _sweep(folder: Path, *args: str) -> Path:
    folder.mkdir()
    cmd = [sys.executable, "-m", "hpobench", "-m", *SWEEP, *args, "results_dir=results", NO_ANALYSIS]
    done = subprocess.run(cmd, cwd=folder, env=cli_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{cmd} failed:\n{done.stdout}\n{done.stderr}"
    return folder / "results" / "default"


def _runs(study: Path) -> dict[str, dict[str, object]]:
    """Each run folder's fingerprint, trials (without wall-clock fields) and files, by folder."""
    runs = {}
    for info in sorted(study.glob("*/*/seed=*/run.json")):
        folder = info.parent
        trials = [json.loads(line) for line in (folder / "trials.jsonl").read_text().splitlines()]
        files = {str(p.relative_to(folder)): p.read_text().replace(str(study.parents[1]), "<sweep>")
                 for p in sorted(folder.glob("*/*.yaml"))}
        files["hydra_files/hydra.yaml"] = _but_the_sweeper(files["hydra_files/hydra.yaml"])
        runs[str(folder.relative_to(study))] = {
            "fingerprint": json.loads(info.read_text())["fingerprint"],
            "trials": fingerprint([deterministic_part(t) for t in trials]), "files": files}
    return runs


def _but_the_sweeper(hydra_yaml: str) -> str:
    """hydra.yaml without what legitimately differs: the sweeper's settings and name."""
    cfg = OmegaConf.create(hydra_yaml)
    del cfg.hydra["sweeper"], cfg.hydra.runtime.choices["hydra/sweeper"]
    cfg.hydra.overrides.hydra = [o for o in cfg.hydra.overrides.hydra if o != "hydra/sweeper=basic"]
    return OmegaConf.to_yaml(cfg)


@pytest.mark.parametrize("launcher", ["basic", "joblib"])
def test_a_sweep_gives_the_runs_and_files_of_the_basic_sweeper(tmp_path, launcher):
    args = [f"hydra/launcher={launcher}", HYDRA_FILES, *(["hydra.launcher.n_jobs=2"] * (launcher == "joblib"))]
    old = _runs(_sweep(tmp_path / "old", "hydra/sweeper=basic", *args))
    new = _runs(_sweep(tmp_path / "new", *args))
    assert len(old) == 2 * 2 * 3 and sorted(old) == sorted(new)
    for folder in sorted(old):
        assert set(old[folder]["files"]) == {f".hydra/{n}" for n in ("config.yaml", "overrides.yaml")} | {
            f"hydra_files/{n}" for n in ("config.yaml", "hydra.yaml", "overrides.yaml")}, folder
        assert new[folder] == old[folder], folder
    hydra_yaml = OmegaConf.create(new["branin/tpe/seed=2"]["files"]["hydra_files/hydra.yaml"])
    assert hydra_yaml.hydra.runtime.output_dir == os.path.join("<sweep>", "results", "default", "branin/tpe/seed=2")
