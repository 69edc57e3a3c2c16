"""Benchmark: the interactive report of a 1,000-run study: its size, and how fast a browser makes it usable.

Writes ``runs`` run folders of ``trials`` trials in the real result format
(``run.json``, ``trials.jsonl``, ``done``; five hyperparameters, one of them
log-scaled and one categorical; Hyperband-like runs with fidelities and
promotions on four workers; losses from a seeded numpy Generator, no task
evaluated), builds ``report.html`` (the same code as ``--html``) and opens it
in headless Chromium, which prints when the page has drawn itself (the page
writes the milliseconds since navigation into ``#ready-ms`` and sets its
title to ``ready``)::

    python scripts/bench_html_report.py --runs 1000 --trials 200 [--folder /tmp/bench-html] [--keep]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_analysis import write_finished

from hpobench.provenance import environment

TASKS = {"branin": 0.397887, "hartmann3": -3.862782, "hartmann6": -3.322368, "levy": 0.0}
METHODS = ("random", "tpe", "gp", "hyperband", "asha")
MULTI_FIDELITY = ("hyperband", "asha")
CHROMIUM = "/usr/bin/chromium"


def write_run(path: Path, task: str, method: str, seed: int, trials: int, rng: np.random.Generator,
              env: dict) -> None:
    """One finished run folder; multi-fidelity methods promote every third trial from an earlier one."""
    skill = 1.0 + METHODS.index(method) * 0.2
    multi = method in MULTI_FIDELITY
    loss = TASKS[task] + np.exp(rng.normal(0.0, 1.0, trials) - skill * np.log1p(np.arange(trials)) / 2)
    configs = [{"lr": float(10 ** rng.uniform(-5, -1)), "width": int(rng.integers(16, 513)),
                "act": str(rng.choice(["relu", "tanh", "gelu"])), "x0": float(rng.uniform()),
                "x1": float(rng.uniform())} for _ in range(trials)]
    fidelity = np.where(rng.uniform(size=trials) < 0.6, 1.0, rng.choice([3.0, 9.0, 27.0], trials)) if multi else None
    parent = [None] * trials
    cost = rng.uniform(0.5, 1.5, trials) * (fidelity if multi else 1.0)
    free = np.zeros(4)  # four simulated workers
    lines = []
    for i in range(trials):
        if multi and i >= 3 and fidelity[i] > 1:
            parent[i] = int(rng.integers(0, i))
            configs[i] = configs[parent[i]]
        worker = int(np.argmin(free))
        start = free[worker]
        free[worker] += cost[i]
        lines.append(json.dumps({
            "trial_id": i, "config": configs[i], "fidelity": float(fidelity[i]) if multi else None,
            "parent": parent[i], "continued": parent[i] is not None, "status": "ok", "loss": float(loss[i]),
            "test_loss": float(loss[i] + abs(rng.normal(0, 0.05))), "cost": float(cost[i]), "error": None,
            "budget_used": float(np.sum(fidelity[:i + 1]) / 27 if multi else i + 1), "sim_start": float(start),
            "sim_end": float(free[worker]), "worker": worker, "wall_time": float(rng.uniform(1e-4, 2e-4)),
            "optimizer_time": float(rng.uniform(1e-5, 1e-3) * skill), "info": {}}))
    write_finished(path, lines, task, method, seed, env, TASKS[task])


def make_folder(root: Path, runs: int, trials: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    env = environment()
    cells = [(t, m) for t in sorted(TASKS) for m in METHODS]
    for k in range(runs):
        task, method = cells[k % len(cells)]
        write_run(root / "bench" / task / method / f"seed={k // len(cells)}", task, method, k // len(cells),
                  trials, rng, env)


def build(root: Path, out: Path) -> Path:
    """report.html of the study, as ``analyse(..., Options(html=True))`` makes it (without the static figures)."""
    from hpobench.analysis.curves import traces
    from hpobench.analysis.html import build as html_build
    from hpobench.analysis.runs import inventory, read_runs
    from hpobench.analysis.style import method_styles
    from hpobench.storage import load_results

    runs = read_runs(root)
    trials = load_results(root)
    inv = inventory(runs, trials)
    optima = {t: float(o) for t, o in runs.groupby("task")["optimum"].first().items()}
    return html_build.write("bench", inv, trials, traces(trials), optima, method_styles(list(METHODS)), 200,
                            out / "report.html")


def time_to_ready(url: str, profile: Path, timeout: float = 120.0) -> tuple[float, int, int]:
    """Seconds from starting Chromium until the page was drawn, and the page's milliseconds to usable and drawn.

    Real time (no virtual time budget): Chromium's console log, read as it comes, holds the page's
    ``hpobench-ready <ms> usable <ms>`` line (milliseconds since navigation began: every view drawn, and
    every view but the late ones drawn); then Chromium is asked to quit.
    """
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
               "--disable-background-networking", "--disable-component-update", f"--user-data-dir={profile}",
               "--enable-unsafe-swiftshader", "--enable-logging=stderr", "--v=0", url]
    started = time.perf_counter()
    browser = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    found = None
    try:
        for line in browser.stderr:
            if (found := re.search(r"hpobench-ready (\d+) usable (\d+)", line)):
                wall = time.perf_counter() - started
                break
            if ":CONSOLE" in line and "WebGL" not in line:
                raise RuntimeError(f"the page logged: {line.strip()}")
            if time.perf_counter() - started > timeout:
                break
    finally:
        browser.terminate()
        try:
            browser.wait(timeout=30)
        except subprocess.TimeoutExpired:
            browser.kill()
            browser.wait()
    if not found:
        raise RuntimeError("the page did not finish drawing")
    return wall, int(found.group(1)), int(found.group(2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--folder", type=Path, default=None, help="where to write (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the folder afterwards")
    parser.add_argument("--repeats", type=int, default=3, help="openings of each page (the median is printed)")
    parser.add_argument("--reuse", action="store_true", help="measure the report already in --folder")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="bench-html-"))
    try:
        page = folder / "report.html"
        if not args.reuse:
            started = time.perf_counter()
            make_folder(folder / "results", args.runs, args.trials)
            print(f"wrote {args.runs} runs x {args.trials} trials in {time.perf_counter() - started:.1f} s")
            started, cpu = time.perf_counter(), time.process_time()
            build(folder / "results", folder)
            print(f"built {page} in {time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.1f} s CPU)")
        print(f"{page}: {page.stat().st_size / 1e6:.1f} MB")
        blank = folder / "blank.html"
        blank.write_text('<!DOCTYPE html><title>ready</title>'
                         '<script>console.info("hpobench-ready 0 usable 0")</script>')
        pages = {"empty page": blank.as_uri(), "study page": page.as_uri(),
                 "run page": page.as_uri() + f"#run={args.runs // 2}"}
        for what, url in pages.items():
            times = sorted(time_to_ready(url, folder / f"profile-{i}") for i in range(args.repeats))
            wall, ready, usable = times[len(times) // 2]
            print(f"{what}, median of {args.repeats} (by Chromium's time): usable {usable / 1000:.2f} s and drawn "
                  f"{ready / 1000:.2f} s after navigation began; {wall:.2f} s after starting Chromium "
                  f"(all: {', '.join(f'{w:.2f}' for w, *_ in times)} s)")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
