"""Runner overhead per evaluation: hpobench's random search against Optuna's.

Both minimise Branin with uniform random search, side by side in one process.
hpobench records every trial to trials.jsonl (flushed per trial); Optuna keeps
its trials in memory (its default storage). The objective costs about 2 µs,
so the time per evaluation is almost all harness overhead.

    python scripts/bench_runner_overhead.py            # prints a markdown table
    python scripts/bench_runner_overhead.py --repeats 5 --evals 20000
"""

from __future__ import annotations

import argparse
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
        tic = time.perf_counter()
        out = run(RandomSearch, Branin(), seed=seed, budget=Budget(evals=evals), folder=RunFolder(Path(tmp) / "run"))
        total = time.perf_counter() - tic
    evaluate = sum(r["wall_time"] for r in out.records)
    method = sum(r["optimizer_time"] for r in out.records)
    return {"total": total / evals, "task": evaluate / evals, "method": method / evals,
            "runner": (total - evaluate - method) / evals}


def optuna_per_eval(evals: int, seed: int) -> float:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial):
        return Branin.function([trial.suggest_float("x1", -5.0, 10.0), trial.suggest_float("x2", 0.0, 15.0)])

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    tic = time.perf_counter()
    study.optimize(objective, n_trials=evals)
    return (time.perf_counter() - tic) / evals


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
    optuna_us = 1e6 * statistics.median(theirs)
    print(f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"optuna {optuna.__version__}; median of {args.repeats} interleaved repeats.\n")
    print("| harness | evaluations | µs per evaluation | of which task | method | runner + recording |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| hpobench `run` + RandomSearch, trials.jsonl on | {args.evals} | {us['total']:.1f} | {us['task']:.1f} "
          f"| {us['method']:.1f} | {us['runner']:.1f} |")
    print(f"| Optuna `study.optimize` + RandomSampler, in memory | {args.evals} | {optuna_us:.1f} | | | |")
    print(f"\nOptuna / hpobench time per evaluation: {optuna_us / us['total']:.1f}x")


if __name__ == "__main__":
    main()
