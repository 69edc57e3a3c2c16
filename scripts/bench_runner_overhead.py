"""Runner overhead per evaluation: hpobench's random search against Optuna's.

Both minimise Branin with uniform random search, side by side in one process.
hpobench records every trial to trials.jsonl (flushed per trial); Optuna keeps
its trials in memory (its default storage). The objective costs about 2 µs,
so the time per evaluation is almost all harness overhead. Both wall-clock
and CPU time (``time.process_time``) are reported: CPU time is the fairer
figure on a shared machine, where other processes stretch the wall clock.

    python scripts/bench_runner_overhead.py            # prints a markdown table
    python scripts/bench_runner_overhead.py --repeats 5 --evals 20000
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from hpobench import Budget, run
from hpobench.methods.random_search import RandomSearch
from hpobench.storage import RunFolder
from hpobench.tasks.synthetic import Branin


def hpobench_per_eval(evals: int, seed: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        tic, cpu = time.perf_counter(), time.process_time()
        out = run(RandomSearch, Branin(), seed=seed, budget=Budget(evals=evals), folder=RunFolder(Path(tmp) / "run"))
        total, cpu = time.perf_counter() - tic, time.process_time() - cpu
    evaluate = sum(r["wall_time"] for r in out.records)
    method = sum(r["optimizer_time"] for r in out.records)
    return {"total": total / evals, "cpu": cpu / evals, "task": evaluate / evals, "method": method / evals,
            "runner": (total - evaluate - method) / evals}


def optuna_per_eval(evals: int, seed: int) -> dict[str, float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial):
        return Branin.function([trial.suggest_float("x1", -5.0, 10.0), trial.suggest_float("x2", 0.0, 15.0)])

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    tic, cpu = time.perf_counter(), time.process_time()
    study.optimize(objective, n_trials=evals)
    return {"total": (time.perf_counter() - tic) / evals, "cpu": (time.process_time() - cpu) / evals}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evals", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    import optuna

    ours, theirs = [], []
    for seed in range(args.repeats):  # interleaved, so both see the same machine load
        ours.append(hpobench_per_eval(args.evals, seed))
        theirs.append(optuna_per_eval(args.evals, seed))
    us = {k: 1e6 * statistics.median(r[k] for r in ours) for k in ours[0]}
    peer = {k: 1e6 * statistics.median(r[k] for r in theirs) for k in theirs[0]}
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
          f"Python {platform.python_version()}, optuna {optuna.__version__}; "
          f"median of {args.repeats} interleaved repeats of {args.evals} evaluations.\n")
    print("| harness | wall µs / evaluation | CPU µs / evaluation | of the wall time: task | method | "
          "runner + recording |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| hpobench `run` + RandomSearch, trials.jsonl on | {us['total']:.1f} | {us['cpu']:.1f} | {us['task']:.1f} "
          f"| {us['method']:.1f} | {us['runner']:.1f} |")
    print(f"| Optuna `study.optimize` + RandomSampler, in memory | {peer['total']:.1f} | {peer['cpu']:.1f} | | | |")
    print(f"\nOptuna / hpobench per evaluation: {peer['total'] / us['total']:.1f}x wall, "
          f"{peer['cpu'] / us['cpu']:.1f}x CPU")


if __name__ == "__main__":
    main()
