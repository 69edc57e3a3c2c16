"""Re-run finished runs from their records and compare them trial by trial.

    python -m hpobench.verify results/my_study [--sample 10] [--jobs 2]

Each selected run is re-run in a fresh Python process from the settings in
its ``run.json`` (in memory, nothing is written) and compared with its
``trials.jsonl``, leaving out the wall-clock fields. Prints one line per run
(identical / differs at trial k, in which fields / could not run, and why)
and exits with status 1 when any run differs or could not be checked.
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

from hpobench.storage import RunFolder, deterministic_part, find_runs, fingerprint
from hpobench.trial import Record

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


def check_one(path: Path) -> dict[str, str]:
    """Re-run one run here and compare; used inside the fresh process."""
    from hydra.utils import instantiate

    from hpobench import Budget, run
    from hpobench.provenance import environment

    folder = RunFolder(path)
    info = folder.read_info()
    config = info.config
    notes = _version_notes(info.environment, environment())
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
    if difference:
        return {"verdict": "differs", "detail": difference + scope + notes}
    return {"verdict": "identical", "detail": f"{len(rerun)} trials{scope}{notes}"}


def _version_notes(then: dict[str, Any], now: dict[str, Any]) -> str:
    old, new = then.get("versions", {}), now.get("versions", {})
    changed = [f"{name} {old[name]} -> {new.get(name)}" for name in sorted(old) if old[name] != new.get(name)]
    if then.get("git_commit") != now.get("git_commit"):
        changed.append(f"commit {then.get('git_commit')} -> {now.get('git_commit')}")
    return f"; made with other versions: {', '.join(changed)}" if changed else ""


def check_in_fresh_process(path: Path) -> dict[str, str]:
    done = subprocess.run([sys.executable, "-m", "hpobench.verify", "--one", str(path)], capture_output=True,
                          text=True, env=os.environ.copy())
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
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(check_one(args.folder)))
        return 0
    runs = find_runs(args.folder)
    finished = [p for p in runs if RunFolder(p).is_finished()]
    if not runs:
        print(f"No runs below {args.folder}; give the folder that holds the study's results.", file=sys.stderr)
        return 1
    if args.sample is not None and args.sample < len(finished):
        pick = np.random.default_rng(args.seed).choice(len(finished), size=args.sample, replace=False)
        finished = [finished[i] for i in sorted(pick)]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        verdicts = list(pool.map(check_in_fresh_process, finished))
    width = max(len(str(p.relative_to(args.folder))) for p in runs)
    for path, verdict in zip(finished, verdicts):
        print(f"{path.relative_to(args.folder)!s:<{width}}  {verdict['verdict']:<13}  {verdict['detail']}")
    for path in sorted(set(runs) - {p for p in runs if RunFolder(p).is_finished()}):
        print(f"{path.relative_to(args.folder)!s:<{width}}  {'not finished':<13}  not checked")
    counts = {v: sum(x["verdict"] == v for x in verdicts) for v in ("identical", "differs", "could not run")}
    print(", ".join(f"{n} {v}" for v, n in counts.items()))
    return 1 if counts["differs"] or counts["could not run"] else 0


if __name__ == "__main__":
    sys.exit(main())
