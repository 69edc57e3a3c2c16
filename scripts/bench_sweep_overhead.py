"""CPU per run of a Hydra multirun beyond the runs' own work: Hydra's basic sweeper against hpobench's.

    python scripts/bench_sweep_overhead.py              # 1,000 runs per sweep (about 10 min of CPU)
    python scripts/bench_sweep_overhead.py --runs 200   # a quick check

Each sweep is ``python -m hpobench -m method=random task=branin 'seed=range(N)' budget.evals=10`` in a
subprocess, with the basic (serial) launcher and with joblib (``hydra.launcher.n_jobs=2``), through Hydra's
basic sweeper (``hydra/sweeper=basic``, the old path) and the ``hpobench`` sweeper (the default). The sweep's
CPU is the subprocess's user + system time including its children (``RUSAGE_CHILDREN``: joblib's workers,
and the git calls that record a run's commit). A run's own work is the CPU between Hydra's
``on_job_start`` and ``on_job_end`` callbacks (a ``JobTimer`` callback added to the sweep, counting the
process and its children), i.e. the task function ``hpobench.app.main``: building the task and method,
running and recording. The overhead per run is (sweep CPU - sum of the runs' own work) / N; it includes
the sweep process's start-up (imports, about 1 s) and the joblib workers' start-up, spread over the N runs.
The end-of-sweep analysis is switched off (``~hydra.callbacks.analysis``); ``--analysis`` keeps it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hydra.experimental.callback import Callback

ROOT = Path(__file__).resolve().parents[1]
TIMES_ENV = "HPOBENCH_BENCH_JOB_TIMES"  # the file each job appends its own CPU time to

PATHS = {"old": ["hydra/sweeper=basic"], "new": []}
LAUNCHERS = {"serial": ["hydra/launcher=basic"], "joblib": ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]}


class JobTimer(Callback):
    """A Hydra callback: appends the CPU seconds (process and children) of each job's task function."""

    def on_job_start(self, config, **kwargs) -> None:
        self.start = _cpu()

    def on_job_end(self, config, job_return, **kwargs) -> None:
        with open(os.environ[TIMES_ENV], "a") as out:
            out.write(f"{_cpu() - self.start!r}\n")

def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def sweep(runs: int, path: str, launcher: str, analysis: bool, folder: Path) -> dict[str, float]:
    """One sweep in a subprocess: its CPU, wall time and the runs' own CPU, in seconds."""
    times = folder / "job_times.txt"
    env = {**os.environ, TIMES_ENV: str(times),
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "scripts"), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "hpobench", "-m", "method=random", "task=branin", f"seed=range({runs})",
           "budget.evals=10", "progress=false", f"results_dir={folder / 'results'}", *PATHS[path],
           *LAUNCHERS[launcher], "+hydra.callbacks.job_timer._target_=bench_sweep_overhead.JobTimer",
           *([] if analysis else ["~hydra.callbacks.analysis"])]
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = subprocess.run(cmd, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    own = [float(line) for line in times.read_text().split()]
    if len(own) != runs or len(list((folder / "results").glob("*/*/*/seed=*/done"))) != runs:
        raise SystemExit(f"{path} {launcher}: expected {runs} finished runs, timed {len(own)}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"cpu": cpu, "wall": wall, "own": sum(own)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000, help="runs per sweep (default 1000)")
    parser.add_argument("--launchers", nargs="+", default=list(LAUNCHERS), choices=list(LAUNCHERS))
    parser.add_argument("--paths", nargs="+", default=list(PATHS), choices=list(PATHS))
    parser.add_argument("--analysis", action="store_true", help="keep the end-of-sweep analysis")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} at the start, Python {platform.python_version()}; {args.runs} runs per sweep"
          f"{', analysis on' if args.analysis else ''}.\n")
    results = {}
    for launcher in args.launchers:
        for path in args.paths:
            with tempfile.TemporaryDirectory(prefix="hpobench-sweep-bench-") as tmp:
                results[launcher, path] = sweep(args.runs, path, launcher, args.analysis, Path(tmp))
            r = results[launcher, path]
            print(f"  {launcher} {path}: {r['cpu']:.1f} s CPU, {r['wall']:.1f} s wall, runs' own {r['own']:.1f} s",
                  flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end\n")
    print("| launcher | sweeper | CPU ms / run | of which the run's own work | overhead ms / run | wall ms / run |")
    print("|---|---|---:|---:|---:|---:|")
    names = {"old": "Hydra's basic (`hydra/sweeper=basic`)", "new": "hpobench (default)"}
    for (launcher, path), r in results.items():
        n = args.runs
        print(f"| {launcher} | {names[path]} | {1e3 * r['cpu'] / n:.1f} | {1e3 * r['own'] / n:.1f} "
              f"| **{1e3 * (r['cpu'] - r['own']) / n:.1f}** | {1e3 * r['wall'] / n:.1f} |")
    for launcher in args.launchers:
        if (launcher, "old") in results and (launcher, "new") in results:
            old, new = ((results[launcher, p]["cpu"] - results[launcher, p]["own"]) for p in ("old", "new"))
            print(f"\n{launcher}: overhead old / new {old / new:.1f}x", end="")
    print()
    if args.json:
        args.json.write_text(json.dumps({f"{k[0]}/{k[1]}": v for k, v in results.items()}, indent=1))


if __name__ == "__main__":
    main()
