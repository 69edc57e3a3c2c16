"""Which runs of a sweep are finished, running, interrupted, failed or missing.

    python -m hpobench.status results/my_study

Reads the sweep that made the study (Hydra's ``multirun.yaml`` in the study
folder), expands it into its runs as Hydra's basic sweeper does, looks at each
run's folder, and prints a table and the command that runs what is missing.
Rerunning skips finished runs and resumes interrupted ones, so the printed
command re-creates exactly the runs that are not finished.
"""

from __future__ import annotations

import argparse
import itertools
import shlex
import sys
from collections import Counter
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from hpobench.app import CONF_DIR
from hpobench.callbacks import SWEEP_HISTORY
from hpobench.cli import end_quietly_on_closed_output, run_command
from hpobench.errors import UserError
from hpobench.paths import run_path
from hpobench.storage import RunFolder, find_runs
from hpobench.suites import combine, expand

NOT_DONE = ("missing", "interrupted", "failed")


def sweep_files(study: Path) -> list[Path]:
    """Every sweep into this study: earlier ones kept by KeepSweepHistory, then the last."""
    return [*sorted((study / SWEEP_HISTORY).glob("*.yaml")), study / "multirun.yaml"]


def sweep_jobs(sweep: DictConfig) -> tuple[list[list[str]], list[str]]:
    """The override lists of every job of one sweep (a loaded multirun.yaml), and its Hydra overrides."""
    params = sweep.hydra.sweeper.get("params") or {}
    lines = [f"{key}={value}" for key, value in params.items()] + list(sweep.hydra.overrides.task)
    choices: dict[str, list[str]] = {}
    for override in OverridesParser.create().parse_overrides(lines):
        key = override.get_key_element()
        values = list(override.sweep_string_iterator()) if override.is_sweep_override() else [override.value()]
        choices[key] = [f"{key}={value}" for value in values]  # a later override of a key wins, as in Hydra
    jobs = [list(job) for job in itertools.product(*choices.values())]
    if sweep.hydra.sweeper.get("members"):  # a suite (conf/suite/): every member with every job
        jobs = combine(expand(OmegaConf.to_container(sweep.hydra.sweeper.members, resolve=True)), jobs)
    return jobs, list(sweep.hydra.overrides.hydra)


def run_folder(study: Path, job: list[str], defaults: dict[str, str]) -> Path:
    """Where the job's run lives, named by the function that names it for Hydra (``paths.run_path``)."""
    given = dict(o.split("=", 1) for o in job)
    return study / run_path(given.get("task", defaults["task"]), given.get("method", defaults["method"]),
                            given.get("seed", defaults["seed"]), job)


def search_path(sweep: DictConfig) -> list[str]:
    """The sweep's own config search path: ``hydra.searchpath`` and any ``--config-dir``."""
    paths = list(sweep.hydra.get("searchpath") or [])
    for source in sweep.hydra.runtime.get("config_sources") or []:
        if source.get("provider") == "command-line" and source.get("schema") == "file":
            paths.append(f"file://{source.path}")
    return list(dict.fromkeys(paths))


def defaults_for(common: list[str], sweep: DictConfig | None = None) -> dict[str, str]:
    """Method, task and seed that a job gets when it does not set them, composed as the sweep composed them."""
    overrides = list(common)
    config_name = "config"
    if sweep is not None:
        config_name = sweep.hydra.job.get("config_name") or config_name
        paths = search_path(sweep)
        if paths:
            overrides.append(f"hydra.searchpath=[{','.join(repr(p) for p in paths)}]")  # quoted: spaces, commas
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            cfg = compose(config_name=config_name, overrides=overrides, return_hydra_config=True)
    except HydraException as error:
        raise UserError(f"Cannot compose this sweep's configs again ({str(error).splitlines()[0]}); if it used "
                        f"configs from outside hpobench (hydra.searchpath=), make sure they are still there.") from None
    return {"task": cfg.hydra.runtime.choices.task, "method": cfg.hydra.runtime.choices.method, "seed": str(cfg.seed)}


def state_of(path: Path) -> str:
    return RunFolder(path).state()


def command_for(jobs: list[list[str]], hydra_overrides: list[str]) -> list[str]:
    """One ``-m`` command when the jobs form a full product of values, else one per job."""
    keys = list(dict.fromkeys(o.split("=", 1)[0] for job in jobs for o in job))
    values = {k: list(dict.fromkeys(o.split("=", 1)[1] for job in jobs for o in job if o.startswith(k + "=")))
              for k in keys}
    product = 1
    for vals in values.values():
        product *= len(vals)
    base = ["python", "-m", "hpobench"]
    if product == len(jobs):
        args = [f"{k}={','.join(v)}" for k, v in values.items()]
        return [shlex.join([*base, "-m", *args, *hydra_overrides])]
    return [shlex.join([*base, *job]) for job in jobs]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hpobench.status", description=__doc__.splitlines()[0])
    parser.add_argument("study", type=Path, help="a study folder made by a sweep (it holds multirun.yaml)")
    args = parser.parse_args(argv)
    return run_command("hpobench.status", lambda: report(args.study))


def report(study: Path) -> int:
    """Print the state of every run of the sweeps into ``study`` and the command that completes them."""
    if not (study / "multirun.yaml").is_file():
        raise UserError(f"{study} holds no multirun.yaml; give the study folder of a sweep made with -m.")
    folders: dict[Path, tuple[list[str], list[str]]] = {}  # run folder -> (job overrides, hydra overrides)
    for path in sweep_files(study):
        sweep, jobs, hydra_overrides = _read_sweep(path)
        defaults = defaults_for([o for o in jobs[0] if all(o in job for job in jobs)], sweep)
        for job in jobs:
            folders.setdefault(run_folder(study, job, defaults), (job, hydra_overrides))
    states = {folder: state_of(folder) for folder in folders}
    lacking = _lacking(study, [folder for folder, state in states.items() if state == "missing"])
    states.update({folder: "n/a" for folder in lacking})
    for folder, state in states.items():
        print(f"{state:<12} {folder.relative_to(study)}")
    for extra in sorted(set(find_runs(study)) - set(folders)):
        print(f"{'not in sweep':<12} {extra.relative_to(study)}")
    counts = Counter(states.values())
    print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    todo = [folders[folder] for folder, state in states.items() if state in NOT_DONE]
    if todo:
        print("To run what is not finished (finished runs are skipped, interrupted ones resume):")
        print("\n".join(command_for([placed(job, study) for job, _ in todo], todo[0][1])))
    if lacking:
        print("n/a: not applicable, the method needs what the task lacks ("
              + "; ".join(sorted(set(lacking.values()))) + "), so no sweep makes these runs.")
    damaged = [folder for folder, state in states.items() if state == "damaged"]
    if damaged:
        print("Damaged runs (their trials.jsonl holds damage a kill cannot leave): move each folder aside to run "
              "it afresh, or rerun its command with repair=true to cut trials.jsonl to the last valid trial:")
        print("\n".join(f"  {folder.resolve()}" for folder in damaged))
    return 0


def _lacking(study: Path, missing: list[Path]) -> dict[Path, str]:
    """The missing run folders whose method needs what their task lacks, with what (e.g. "hyperband on branin
    needs fidelity"), from what the study's other runs recorded in run.json (``requires``, ``capabilities``)."""
    requires: dict[str, set[str]] = {}
    capabilities: dict[str, set[str]] = {}
    for path in find_runs(study):
        try:
            info = RunFolder(path).read_info()
        except UserError:
            continue
        task, method = path.parent.parent.relative_to(study).as_posix(), path.parent.name
        if isinstance(info.requires, list):
            requires.setdefault(method, set(info.requires))
        if isinstance(info.capabilities, list):
            capabilities.setdefault(task, set(info.capabilities))
    out = {}
    for folder in missing:
        task, method = folder.parent.parent.relative_to(study).as_posix(), folder.parent.name
        if method in requires and task in capabilities and requires[method] - capabilities[task]:
            out[folder] = f"{method} on {task} needs {' and '.join(sorted(requires[method] - capabilities[task]))}"
    return out


def placed(job: list[str], study: Path) -> list[str]:
    """The job's overrides with ``results_dir`` and ``study`` as absolute as the study folder given, so that
    the printed command writes into that folder from wherever it is pasted."""
    place = study.resolve()
    kept = [o for o in job if o.split("=", 1)[0].lstrip("+~") not in ("results_dir", "study")]
    return [*kept, f"results_dir={place.parent}", f"study={place.name}"]


def _read_sweep(path: Path) -> tuple[DictConfig, list[list[str]], list[str]]:
    """The sweep file and its ``sweep_jobs``, with one sentence for a file that is not a sweep Hydra wrote."""
    try:
        sweep = OmegaConf.load(path)
        return (sweep, *sweep_jobs(sweep))
    except (OSError, ValueError, KeyError, AttributeError, TypeError, OmegaConfBaseException, HydraException) as error:
        raise UserError(f"{path} is not a sweep file written by Hydra ({type(error).__name__}); "
                        f"restore it or run the sweep again.") from None


if __name__ == "__main__":
    end_quietly_on_closed_output()
    sys.exit(main())
