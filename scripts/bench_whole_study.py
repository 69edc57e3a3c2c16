"""Wall time of whole studies with joblib on this machine, and where their CPU goes (issue 18, target 5).

    python scripts/bench_whole_study.py                       # nb201_search (500 runs) and bbob-small
    python scripts/bench_whole_study.py --only bbob-small

Each study is one ``python -m hpobench -m ... hydra/launcher=joblib`` in a subprocess, into a fresh
results folder, with the end-of-sweep analysis switched off; the analysis is then timed on its own
(``python -m hpobench.analysis <folder> --html``). The sweep's CPU is the subprocess's user + system time
with its children (joblib's workers). From the trials it wrote: the methods' share is the sum of every
trial's ``optimizer_time`` (ask and tell), the tasks' share the sum of ``wall_time`` (evaluate); both are
single-threaded wall-clock seconds inside the workers, so they stand for CPU. The runner's share is
estimated as trials x its per-evaluation cost (``--runner-us``, from ``scripts/bench_runner_overhead.py``);
the rest of the sweep's CPU is bookkeeping (Hydra, start-up of the sweep and its workers, run folders,
run.json, provenance).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDIES = {
    "nb201_search": ["+experiment=nb201_search"],
    "bbob-small": ["+suite=bbob-small", "method=random,tpe,gp", "seed=0,1,2", "study=bbob-small"],
}
JOBLIB = ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "~hydra.callbacks.analysis"]


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, with children) of a command in a subprocess."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    tic = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - tic
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def trial_times(folder: Path) -> tuple[int, int, float, float]:
    """Runs, trials, and the summed method and task seconds of every trials.jsonl under ``folder``."""
    runs = trials = 0
    method = task = 0.0
    for path in sorted(folder.rglob("trials.jsonl")):
        runs += 1
        for line in path.read_text().splitlines():
            record = json.loads(line)
            trials += 1
            method += record["optimizer_time"]
            task += record["wall_time"]
    return runs, trials, method, task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(STUDIES), action="append")
    parser.add_argument("--runner-us", type=float, default=15.8, help="the runner's CPU µs per evaluation")
    args = parser.parse_args()
    print("| study | runs | trials | sweep wall s | sweep CPU s | methods | tasks | runner (est.) | bookkeeping "
          "| analysis wall s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in args.only or list(STUDIES):
        with tempfile.TemporaryDirectory(prefix="hpobench-study-") as tmp:
            results = Path(tmp) / "results"
            wall, cpu = timed([sys.executable, "-m", "hpobench", "-m", *STUDIES[name], *JOBLIB,
                               f"results_dir={results}"])
            study = next(p for p in results.iterdir() if p.is_dir())
            analysis_wall, _ = timed([sys.executable, "-m", "hpobench.analysis", str(study), "--html",
                                      "--out", str(Path(tmp) / "analysis")])
            runs, trials, method, task = trial_times(study)
            runner = trials * args.runner_us * 1e-6
            rest = cpu - method - task - runner

            shares = " | ".join(f"{s:.1f} s ({s / cpu:.0%})" for s in (method, task, runner, rest))
            print(f"| {name} | {runs} | {trials} | {wall:.1f} | {cpu:.1f} | {shares} | {analysis_wall:.1f} |",
                  flush=True)


if __name__ == "__main__":
    main()
