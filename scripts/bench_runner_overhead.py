"""Runner overhead per evaluation: hpobench's random search against Optuna's.

Both minimise Branin with uniform random search, side by side in one process.
hpobench records every trial to trials.jsonl (flushed per trial); Optuna keeps
its trials in memory (its default storage). The objective costs about 2 µs,
so the time per evaluation is almost all harness overhead. Both wall-clock
and CPU time (``time.process_time``) are reported: CPU time is the fairer
figure on a shared machine, where other processes stretch the wall clock.

    python scripts/bench_runner_overhead.py            # prints a markdown table
    python scripts/bench_runner_overhead.py --repeats 5 --evals 20000
    python scripts/bench_runner_overhead.py --baseline /tmp/main   # and another checkout's runner, side by side

``--baseline DIR`` runs the hpobench loop of another checkout (e.g. ``git
worktree add /tmp/main main``) in a child process, interleaved with the
others. The last table splits this checkout's time per evaluation into its
parts, each timed alone over the same records: what is left beyond them is
the loop itself (checks, clock readings, the event queue, budget checks).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
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


def baseline_per_eval(checkout: Path, evals: int, seed: int) -> dict[str, float]:
    """``hpobench_per_eval`` with the hpobench of another checkout, in a child process."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run([sys.executable, __file__, "--child", str(evals), str(seed)], env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout)


def parts_per_eval(evals: int) -> dict[str, float]:
    """CPU seconds per evaluation of each part of a recorded run, each timed alone over the same trials."""
    from hpobench.record_text import TrialsDigest, record_texts
    from hpobench.runner import method_rng

    task = Branin()
    method = RandomSearch(task.space, None, method_rng(0))
    cpu = time.process_time()
    trials = [method.ask() for _ in range(evals)]
    ask = time.process_time() - cpu
    cpu = time.process_time()
    results = [task.evaluate(trial, 0) for trial in trials]
    evaluate = time.process_time() - cpu
    cpu = time.process_time()
    for trial in trials:
        task.space.check(trial.config)
    check = time.process_time() - cpu
    with tempfile.TemporaryDirectory() as tmp:
        records = run(RandomSearch, task, seed=0, budget=Budget(evals=evals), folder=RunFolder(Path(tmp) / "r")).records
        cpu = time.process_time()
        texts = [record_texts(record) for record in records]
        encode = time.process_time() - cpu
        digest = TrialsDigest()
        cpu = time.process_time()
        for _, canonical in texts:
            digest.add(canonical)
        hashing = time.process_time() - cpu
        with open(Path(tmp) / "t.jsonl", "ab", buffering=0) as out:
            cpu = time.process_time()
            for line, _ in texts:
                out.write(line.encode())
            write = time.process_time() - cpu
    del results
    return {"method ask (RandomSearch, Trial)": ask / evals, "task evaluate (Branin, Result)": evaluate / evals,
            "space check": check / evals, "record texts (line + canonical JSON)": encode / evals,
            "fingerprint hashing": hashing / evals, "write (one unbuffered write per trial)": write / evals}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evals", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="another hpobench checkout to time side by side")
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)  # EVALS SEED, for --baseline
    args = parser.parse_args()
    if args.child:
        print(json.dumps(hpobench_per_eval(*args.child)))
        return
    import optuna

    ours, theirs, base = [], [], []
    for seed in range(args.repeats):  # interleaved, so all see the same machine load
        ours.append(hpobench_per_eval(args.evals, seed))
        theirs.append(optuna_per_eval(args.evals, seed))
        if args.baseline:
            base.append(baseline_per_eval(args.baseline.resolve(), args.evals, seed))
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
    if base:
        old = {k: 1e6 * statistics.median(r[k] for r in base) for k in base[0]}
        print(f"| hpobench of {args.baseline} (baseline), trials.jsonl on | {old['total']:.1f} | {old['cpu']:.1f} "
              f"| {old['task']:.1f} | {old['method']:.1f} | {old['runner']:.1f} |")
    print(f"| Optuna `study.optimize` + RandomSampler, in memory | {peer['total']:.1f} | {peer['cpu']:.1f} | | | |")
    print(f"\nOptuna / hpobench per evaluation: {peer['total'] / us['total']:.1f}x wall, "
          f"{peer['cpu'] / us['cpu']:.1f}x CPU")
    parts = [parts_per_eval(args.evals) for _ in range(args.repeats)]
    print("\nWhere this checkout's CPU time per evaluation goes (each part timed alone, median):\n")
    print("| part | CPU µs / evaluation |")
    print("|---|---:|")
    total = 0.0
    for name in parts[0]:
        value = 1e6 * statistics.median(p[name] for p in parts)
        total += value
        print(f"| {name} | {value:.1f} |")
    print(f"| the loop itself (the rest of {us['cpu']:.1f}) | {us['cpu'] - total:.1f} |")


if __name__ == "__main__":
    main()
