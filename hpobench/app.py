"""The command line's work: turn a composed Hydra config into a run and a summary."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from hpobench import targets
from hpobench.budget import Budget
from hpobench.cli import check_not_shadowed
from hpobench.errors import NotApplicable, UserError
from hpobench.paths import label
from hpobench.runner import Recording, RunOutcome, run
from hpobench.storage import RunFolder

CONF_DIR = Path(__file__).resolve().parents[1] / "conf"
TASK_ONLY_KEYS = ("default_budget",)  # task config keys for the harness, not the task class


# Budgets in multiples of a task setting, e.g. COCO's evaluations per dimension: ${hpobench_times:20,${task.dim}}.
OmegaConf.register_new_resolver("hpobench_times", lambda factor, value: factor * value, replace=True)


def main(cfg: DictConfig) -> float | None:
    """Run one (method, task, seed) from a composed config; returns the best loss."""
    hydra = HydraConfig.get()
    folder = RunFolder(hydra.runtime.output_dir)
    labels = {"study": cfg.study, **{group: label(hydra.runtime.choices[group], group, hydra.overrides.task)
                                     for group in ("task", "method")}}
    tic = time.perf_counter()
    try:
        outcome, task = _run(cfg, hydra, folder, labels)
    except UserError as error:
        _remove_empty(folder.path, Path(cfg.results_dir).resolve().parent)
        if isinstance(error, NotApplicable) and hydra.mode == RunMode.MULTIRUN:
            # a sweep over methods x tasks goes on past a pair that cannot be run; the analysis lists it
            print(f"hpobench: skipped {labels['method']} on {labels['task']}: {error}", file=sys.stderr)
            return None
        print(f"hpobench: error: {error}", file=sys.stderr)
        sys.exit(2)
    print(summary(outcome, labels, cfg.seed, folder.path, task, command_wall=time.perf_counter() - tic))
    best = outcome.best
    return best.loss if best else None


def _run(cfg: DictConfig, hydra: Any, folder: RunFolder, labels: dict[str, str]) -> tuple[RunOutcome, Any]:
    check_not_shadowed()  # launchers and verify start `python -m` processes from this working directory
    task_cfg = {k: v for k, v in OmegaConf.to_container(cfg.task, resolve=True).items() if k not in TASK_ONLY_KEYS}
    given = OmegaConf.to_container(cfg.budget, resolve=True) if OmegaConf.is_config(cfg.budget) else cfg.budget
    budget = Budget.from_config(given, cfg.task.get("default_budget"))
    task = targets.call(_partial(task_cfg, "task", hydra.runtime.choices.task), "task")
    make_method = _partial(OmegaConf.to_container(cfg.method, resolve=True), "method", hydra.runtime.choices.method)
    config = {"method": OmegaConf.to_container(cfg.method, resolve=True), "task": task_cfg,
              "seed": cfg.seed, "budget": budget.as_dict(), "workers": cfg.workers}
    files = {".hydra/config.yaml": OmegaConf.to_yaml(cfg, resolve=True),
             ".hydra/overrides.yaml": OmegaConf.to_yaml(list(hydra.overrides.task))}
    if cfg.progress not in ("auto", True, False):
        raise UserError(f"progress must be auto, true or false, got {cfg.progress!r}.")
    progress = sys.stderr.isatty() if cfg.progress == "auto" else cfg.progress
    if not isinstance(cfg.seed, int) or isinstance(cfg.seed, bool) or cfg.seed < 0:
        raise UserError(f"seed must be a non-negative integer, got {cfg.seed!r}.")
    if cfg.get("repair", False) not in (True, False):
        raise UserError(f"repair must be true or false, got {cfg.repair!r}.")
    outcome = run(make_method, task, seed=cfg.seed, budget=budget, workers=cfg.workers,
                  folder=Recording(folder, labels, config, files), progress=progress, repair=cfg.get("repair", False))
    return outcome, task


def _partial(node: dict[str, Any], group: str, name: str) -> Any:
    """The config's class with its settings, not yet called (nested ``_target_`` nodes are built).

    The class is imported first, so that a module that cannot be imported is
    reported as such; the settings are checked when the partial is called
    (``targets.call``), against the constructor's signature.
    """
    if not isinstance(node.get("_target_"), str):
        raise UserError(f"{group}={name} has no _target_ naming its class; add one to its YAML.")
    targets.locate(node["_target_"], f"{group}={name}")
    try:
        return instantiate({**node, "_partial_": True})
    except UserError:
        raise
    except Exception as error:  # the class was found, so this is in building a nested node
        cause = error.__cause__ or error
        raise UserError(f"{group}={name}: a nested setting could not be built ({type(cause).__name__}: {cause}); "
                        f"fix the {group}.* settings.") from error


def _remove_empty(path: Path, stop: Path) -> None:
    """Remove ``path`` and its parents up to ``stop`` while they are empty (Hydra makes them early)."""
    path = path.resolve()
    while path != stop and stop in path.parents and path.is_dir() and not any(path.iterdir()):
        shutil.rmtree(path)
        path = path.parent


def summary(outcome: RunOutcome, labels: dict[str, str], seed: int, path: Path, task: Any = None,
            command_wall: float | None = None) -> str:
    """The lines printed at the end of a run; ``command_wall`` is this command's whole wall time (building
    the task and method, evaluating, the method, writing records), which the trials' own times leave out."""
    records = outcome.records
    failed = sum(r.status == "failed" for r in records)
    best = outcome.best
    head = "already finished, skipped" if outcome.skipped else f"stopped: {outcome.stop_reason}"
    if outcome.replayed and not outcome.skipped:
        head += f" (resumed after {outcome.replayed} recorded trials)"
    if outcome.repaired:
        head += f"; repair=true cut {outcome.repaired} damaged lines off trials.jsonl"
    lines = [f"hpobench: {labels['method']} on {labels['task']}, seed {seed}: {head}",
             f"  trials     {len(records)} ({failed} failed)"]
    if best is not None:
        line = f"  best loss  {best.loss:.6g} (trial {best.trial_id})"
        if outcome.optimum is not None:
            line += f", regret {best.loss - outcome.optimum:.3g} (optimum {outcome.optimum:.6g})"
        lines.append(line)
        if best.test_loss is not None:
            lines.append(f"  test loss  {best.test_loss:.6g} (of the best trial by loss)")
        lines.append(f"  config     {best.config}")
        described = task.describe(best) if task is not None else None
        if described:
            lines.append(f"  that is    {described}")
    sim = records[-1].sim_end if records else 0.0
    method_time = sum(r.optimizer_time for r in records)
    line = (f"  time       {sim:.6g} s simulated; {outcome.wall_time:.3g} s wall in the trials "
            f"({outcome.wall_time - method_time:.3g} s evaluating, {method_time:.3g} s in the method)")
    if command_wall is not None:
        line += f"; {command_wall:.3g} s wall in all"
    lines.append(line)
    lines.append(f"  results    {path}")
    return "\n".join(lines)
