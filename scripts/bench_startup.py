"""Start-up time of one tiny run: ``python -m hpobench method=random task=branin budget.evals=1``.

Runs the command ``--repeats`` times, each in a fresh process and a fresh
results folder, and reports the median wall time and the median CPU time
(user + system of the child, from ``resource.getrusage``): CPU time is the
fairer figure on a shared machine. With ``--baseline DIR`` (another checkout
of hpobench, e.g. ``git worktree add /tmp/main main``) it times that checkout
too, interleaved with this one so both see the same machine load, side by side.
It also lists the heavy packages each checkout's run imports.

    python scripts/bench_startup.py                       # this checkout
    python scripts/bench_startup.py --baseline /tmp/main  # old vs new
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMAND = ["method=random", "task=branin", "budget.evals=1"]
HEAVY = ("pandas", "matplotlib", "torch", "sklearn", "onnxruntime", "scipy")
# runs the command like `python -m hpobench`, then prints the heavy top-level packages it imported
PROBE = ("import runpy, sys; sys.argv = ['hpobench', *sys.argv[1:]]\n"
         "try:\n    runpy.run_module('hpobench', run_name='__main__', alter_sys=True)\n"
         "except SystemExit:\n    pass\n"
         f"print('IMPORTED', sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})), file=sys.stderr)")


def _env(checkout: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(checkout), "HYDRA_FULL_ERROR": "1"}


def time_once(checkout: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one run of the command with ``checkout``'s hpobench, in a fresh folder."""
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        tic = time.perf_counter()
        subprocess.run([sys.executable, "-m", "hpobench", *COMMAND, f"results_dir={tmp}/results"], cwd=tmp,
                       env=_env(checkout), check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - tic
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def heavy_imports(checkout: Path) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([sys.executable, "-c", PROBE, *COMMAND, f"results_dir={tmp}/results"], cwd=tmp,
                              env=_env(checkout), check=True, capture_output=True, text=True)
    line = [x for x in done.stderr.splitlines() if x.startswith("IMPORTED")][-1]
    return ", ".join(ast.literal_eval(line.split(" ", 1)[1])) or "none"  # the list PROBE printed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--baseline", type=Path, help="another hpobench checkout to time side by side")
    args = parser.parse_args()
    checkouts = {"this checkout": ROOT}
    if args.baseline:
        checkouts = {f"baseline ({args.baseline})": args.baseline.resolve(), **checkouts}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in checkouts}
    for path in checkouts.values():
        time_once(path)  # warm the file cache and the .pyc files
    for _ in range(args.repeats):  # interleaved, so all see the same machine load
        for name, path in checkouts.items():
            times[name].append(time_once(path))
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
          f"Python {platform.python_version()}; median of {args.repeats} interleaved runs of "
          f"`python -m hpobench {' '.join(COMMAND)}`.\n")
    print("| checkout | wall s (median) | CPU s (median) | heavy packages imported |")
    print("|---|---:|---:|---|")
    for name, path in checkouts.items():
        wall = statistics.median(t[0] for t in times[name])
        cpu = statistics.median(t[1] for t in times[name])
        print(f"| {name} | {wall:.3f} | {cpu:.3f} | {heavy_imports(path)} |")
    # the interpreter alone, for scale: what no change to hpobench can remove
    bare = []
    for _ in range(args.repeats):
        before, tic = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        bare.append((time.perf_counter() - tic, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime))
    print(f"| `python -c pass` (the interpreter alone) | {statistics.median(b[0] for b in bare):.3f} | "
          f"{statistics.median(b[1] for b in bare):.3f} | |")


if __name__ == "__main__":
    main()
