"""Benchmark: analyse a synthetic results folder of many runs and time it.

Writes ``runs`` run folders in the real result format (``run.json``,
``trials.jsonl`` and ``done``; losses drawn from a numpy Generator, no task
evaluated) and then times ``python -m hpobench.analysis`` on it, loading
included. Usage::

    python scripts/bench_analysis.py --runs 1000 --trials 200 [--folder /tmp/bench-analysis] [--keep]

The default layout is 1 study x 4 tasks x 5 methods x 50 seeds = 1,000 runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hpobench.provenance import environment, now

TASKS = {"branin": 0.397887, "hartmann3": -3.862782, "hartmann6": -3.322368, "levy": 0.0}
METHODS = ("random", "grid", "tpe", "gp", "hyperband")


def write_run(path: Path, task: str, method: str, seed: int, trials: int, rng: np.random.Generator,
              env: dict) -> None:
    """One finished run folder with ``trials`` records whose loss falls towards the task's optimum."""
    optimum = TASKS[task]
    skill = 1.0 + METHODS.index(method) * 0.3  # later methods improve faster, so ranks differ
    loss = optimum + np.exp(rng.normal(0.0, 1.0, trials) - skill * np.log1p(np.arange(trials)) / 2)
    test = loss + np.abs(rng.normal(0.0, 0.05, trials))
    cost = rng.uniform(0.5, 1.5, trials)
    wall = rng.uniform(1e-4, 2e-4, trials)
    method_time = rng.uniform(1e-5, 1e-3, trials) * skill
    sim_end = np.cumsum(cost)
    x = rng.uniform(0.0, 1.0, (trials, 2))
    lines = []
    for i in range(trials):
        lines.append(json.dumps({
            "trial_id": i, "config": {"x0": x[i, 0], "x1": x[i, 1]}, "fidelity": None, "parent": None,
            "continued": False, "status": "ok", "loss": loss[i], "test_loss": test[i], "cost": cost[i],
            "error": None, "budget_used": float(i + 1), "sim_start": sim_end[i] - cost[i], "sim_end": sim_end[i],
            "worker": 0, "wall_time": wall[i], "optimizer_time": method_time[i], "info": {},
        }))
    write_finished(path, lines, task, method, seed, env, optimum)


def write_finished(path: Path, lines: list[str], task: str, method: str, seed: int, env: dict,
                   optimum: float | None) -> None:
    """A finished run folder of study ``bench`` holding the trial ``lines`` (also used by bench_html_report.py)."""
    path.mkdir(parents=True)
    (path / "trials.jsonl").write_text("\n".join(lines) + "\n")
    info = {"study": "bench", "task": task, "method": method, "seed": seed, "config": {"seed": seed},
            "start": now(), "status": "finished", "environment": env, "optimum": optimum, "end": now(),
            "stop_reason": "budget.evals", "n_trials": len(lines)}
    (path / "run.json").write_text(json.dumps(info, indent=2))
    (path / "done").touch()


def make_folder(root: Path, runs: int, trials: int, seed: int = 0) -> None:
    """Write ``runs`` run folders below ``root/bench``, spread over tasks, methods and seeds."""
    rng = np.random.default_rng(seed)
    env = environment()
    cells = [(t, m) for t in sorted(TASKS) for m in METHODS]
    for k in range(runs):
        task, method = cells[k % len(cells)]
        s = k // len(cells)
        write_run(root / "bench" / task / method / f"seed={s}", task, method, s, trials, rng, env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--folder", type=Path, default=None, help="where to write (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the folder afterwards")
    args = parser.parse_args()
    root = args.folder or Path(tempfile.mkdtemp(prefix="bench-analysis-"))
    if root.exists() and any(root.iterdir()):
        shutil.rmtree(root)
    tic = time.perf_counter()
    make_folder(root, args.runs, args.trials)
    print(f"wrote {args.runs} runs x {args.trials} trials in {time.perf_counter() - tic:.1f} s to {root}")
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    tic = time.perf_counter()
    subprocess.run([sys.executable, "-m", "hpobench.analysis", str(root), "--out", str(root / "analysis")],
                   check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - tic
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # CPU time is what the analysis costs; wall time also counts waiting for cores other processes hold
    print(f"analysis of {args.runs} runs x {args.trials} trials: {elapsed:.1f} s wall, {cpu:.1f} s CPU "
          f"(whole command, start-up included; load average {load:.1f} on {os.cpu_count()} cores)")
    if not args.keep:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
