"""Re-run finished runs from their records and compare them trial by trial.

    python -m hpobench.verify results/my_study [--sample 10] [--jobs 2]

Each selected run is re-run in a fresh Python process from the settings in
its ``run.json`` (in memory, nothing is written) and compared with its
``trials.jsonl``, leaving out the wall-clock fields. Prints one line per run
(identical / differs at trial k, in which fields / could not run, and why /
refused) and exits with status 1 when any run differs or could not be
checked, or when nothing was checked. A run whose method says it is not
deterministic (``method_info`` in run.json: its library keeps same-seed runs
from being identical) and that differs is reported as ``not deterministic``,
not as a damaged record, and does not fail the check; so is a torch task's
run trained on CUDA with ``task.deterministic=false`` (its trials' ``info``).
A run.json names the code that rebuilds its run, so only task and method
classes of hpobench and of registered plugins are built (``hpobench.trust``);
``--trust`` lifts that and is dangerous with a folder from someone else.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from hpobench.cli import check_not_shadowed, end_quietly_on_closed_output
from hpobench.errors import UserError
from hpobench.storage import RunFolder, deterministic_part, find_runs, fingerprint
from hpobench.trial import Record
from hpobench.trust import check_run_config

LOSS_FIELDS = ("trial_id", "config", "fidelity", "parent", "status", "loss", "test_loss")


def compare(recorded: list[Record], rerun: list[Record], fields: tuple[str, ...] | None) -> str | None:
    """Where two trial lists first differ, in words; None when they agree."""
    for k, (old, new) in enumerate(zip(recorded, rerun)):
        old, new = deterministic_part(old), deterministic_part(new)
        keys = fields or tuple(sorted(set(old) | set(new)))
        differing = [f for f in keys if old.get(f) != new.get(f)]
        if differing:
            return f"differs at trial {k} (id {old.get('trial_id')}) in {', '.join(differing)}"
    if len(recorded) != len(rerun):
        return f"differs in length: {len(recorded)} trials recorded, {len(rerun)} on re-running"
    return None


def check_one(path: Path, trust: bool = False) -> dict[str, str]:
    """Re-run one run here and compare; used inside the fresh process.

    Only a task and a method that ``hpobench.trust`` allows are built, unless ``trust``.
    """
    from hydra.utils import instantiate

    from hpobench import Budget, run
    from hpobench.provenance import environment

    folder = RunFolder(path)
    info = folder.read_info()
    config = info.config
    notes = _version_notes(info.environment, environment())
    if not trust:
        try:
            check_run_config(config, str(folder.path / "run.json"))
        except UserError as error:
            return {"verdict": "refused", "detail": str(error)}
    if config["budget"].get("wall_time") is not None:
        return {"verdict": "could not run", "detail": "a wall_time budget makes the stopping point machine-dependent"}
    try:
        task = instantiate(config["task"])
        out = run(instantiate(config["method"]), task, seed=config["seed"], budget=Budget(**config["budget"]),
                  workers=config["workers"])
    except Exception as error:  # missing data, a class that no longer exists, ...
        return {"verdict": "could not run", "detail": f"{type(error).__name__}: {error}{notes}"}
    fields = LOSS_FIELDS if task.cost_is_measured else None
    # through JSON, as the records on disk went
    rerun = [Record.from_dict(r) for r in json.loads(json.dumps([r.to_dict() for r in out.records]))]
    recorded = folder.read_trials()
    edited = info.fingerprint not in (None, fingerprint(recorded))
    if fields:  # measured costs set the finishing order; compare trial by trial id
        recorded, rerun = (sorted(r, key=lambda t: t.trial_id) for r in (recorded, rerun))
    difference = compare(recorded, rerun, fields)
    if not difference and edited:
        difference = "trials.jsonl no longer matches the fingerprint in run.json"
    scope = " (measured costs: configs and losses compared)" if fields else ""
    if difference and info.method_info.get("deterministic") is False:  # its library, not the records, differs
        return {"verdict": "not deterministic", "detail": f"{info.method_info.get('library') or 'the method'} "
                f"keeps same-seed runs from being identical ({difference}){scope}{notes}"}
    if difference and any(r.info.get("deterministic") is False for r in recorded):  # a torch task on CUDA
        return {"verdict": "not deterministic", "detail": "the task trained on CUDA with task.deterministic=false, "
                f"whose fastest algorithms keep same-seed runs from being identical ({difference}){scope}{notes}"}
    if difference:
        return {"verdict": "differs", "detail": difference + scope + notes}
    return {"verdict": "identical", "detail": f"{len(rerun)} trials{scope}{notes}"}


def _version_notes(then: dict[str, Any], now: dict[str, Any]) -> str:
    old, new = then.get("versions", {}), now.get("versions", {})
    changed = [f"{name} {old[name]} -> {new.get(name)}" for name in sorted(old) if old[name] != new.get(name)]
    if then.get("git_commit") != now.get("git_commit"):
        changed.append(f"commit {then.get('git_commit')} -> {now.get('git_commit')}")
    return f"; made with other versions: {', '.join(changed)}" if changed else ""


def check_in_fresh_process(path: Path, trust: bool = False) -> dict[str, str]:
    done = subprocess.run([sys.executable, "-m", "hpobench.verify", "--one", str(path), *["--trust"] * trust],
                          capture_output=True, text=True, env=os.environ.copy())
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"verdict": "could not run", "detail": last}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hpobench.verify", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a results folder; every run below it is considered")
    parser.add_argument("--sample", type=int, default=None, help="check only this many runs, drawn at random")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random sample")
    parser.add_argument("--jobs", type=int, default=1, help="runs checked at once")
    parser.add_argument("--trust", action="store_true",
                        help="DANGEROUS: build whatever task and method the runs' run.json name, even outside "
                             "hpobench and its registered plugins (entry-point group hpobench.plugins); a shared "
                             "results folder can then run any code on this machine")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        try:
            verdict = check_one(args.folder, args.trust)
        except UserError as error:  # a damaged run.json or trials.jsonl
            verdict = {"verdict": "could not run", "detail": str(error)}
        print(json.dumps(verdict))
        return 0
    try:
        check_not_shadowed()  # each run is checked in a fresh `python -m` process
    except UserError as error:
        parser.error(str(error))
    if args.sample is not None and args.sample < 1:
        parser.error(f"--sample must be at least 1 (runs to check), got {args.sample}")
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder; give the folder that holds the study's results")
    runs = find_runs(args.folder)
    finished = [p for p in runs if RunFolder(p).is_finished()]
    if not runs:
        parser.error(f"no runs below {args.folder}, so nothing was checked; give the folder that holds the "
                     f"study's results")
    if args.sample is not None and args.sample < len(finished):
        pick = np.random.default_rng(args.seed).choice(len(finished), size=args.sample, replace=False)
        finished = [finished[i] for i in sorted(pick)]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        verdicts = list(pool.map(lambda path: check_in_fresh_process(path, args.trust), finished))
    width = max(len(str(p.relative_to(args.folder))) for p in runs)
    for path, verdict in zip(finished, verdicts):
        print(f"{path.relative_to(args.folder)!s:<{width}}  {verdict['verdict']:<17}  {verdict['detail']}")
    for path in sorted(set(runs) - {p for p in runs if RunFolder(p).is_finished()}):
        print(f"{path.relative_to(args.folder)!s:<{width}}  {'not finished':<17}  not checked")
    counts = {v: sum(x["verdict"] == v for x in verdicts)
              for v in ("identical", "differs", "could not run", "refused", "not deterministic")}
    print(", ".join(f"{n} {v}" for v, n in counts.items()))
    if not verdicts:
        print(f"Nothing was checked: no run below {args.folder} is finished.", file=sys.stderr)
        return 1
    return 1 if counts["differs"] or counts["could not run"] or counts["refused"] else 0


if __name__ == "__main__":
    end_quietly_on_closed_output()
    sys.exit(main())
