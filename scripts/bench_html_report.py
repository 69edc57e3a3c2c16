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

from hpobench.provenance import environment, now

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
    path.mkdir(parents=True)
    (path / "trials.jsonl").write_text("\n".join(lines) + "\n")
    info = {"study": "bench", "task": task, "method": method, "seed": seed, "config": {"seed": seed},
            "start": now(), "status": "finished", "environment": env, "optimum": TASKS[task], "end": now(),
            "stop_reason": "budget.evals", "n_trials": trials}
    (path / "run.json").write_text(json.dumps(info, indent=2))
    (path / "done").touch()


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


def open_in_chromium(page: Path, fragment: str, profile: Path) -> tuple[float, int]:
    """Wall seconds until Chromium printed the drawn page, and the page's own milliseconds to ready."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
               "--disable-background-networking", "--disable-component-update", f"--user-data-dir={profile}",
               "--enable-unsafe-swiftshader", "--virtual-time-budget=30000", "--dump-dom", page.as_uri() + fragment]
    started = time.perf_counter()
    dom = subprocess.run(command, capture_output=True, text=True, timeout=300).stdout
    wall = time.perf_counter() - started
    found = re.search(r'id="ready-ms"[^>]*>(\d+)<', dom)
    if "<title>ready</title>" not in dom or not found:
        raise RuntimeError("the page did not finish drawing")
    errors = re.search(r'<div id="errors">(.*?)</div>', dom, re.S)
    if errors and errors.group(1).strip():
        raise RuntimeError(f"script errors: {errors.group(1)[:500]}")
    return wall, int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--folder", type=Path, default=None, help="where to write (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the folder afterwards")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="bench-html-"))
    try:
        started = time.perf_counter()
        make_folder(folder / "results", args.runs, args.trials)
        print(f"wrote {args.runs} runs x {args.trials} trials in {time.perf_counter() - started:.1f} s")
        started, cpu = time.perf_counter(), time.process_time()
        page = build(folder / "results", folder)
        print(f"built {page} in {time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.1f} s CPU): "
              f"{page.stat().st_size / 1e6:.1f} MB")
        blank = folder / "blank.html"
        blank.write_text('<!DOCTYPE html><title>ready</title><div id="ready-ms">0</div>')
        base, _ = open_in_chromium(blank, "", folder / "profile")
        print(f"chromium on an empty page: {base:.2f} s (start-up and shut-down)")
        for what, fragment in (("study page", ""), ("run page", f"#run={args.runs // 2}")):
            wall, ready = open_in_chromium(page, fragment, folder / "profile")
            print(f"{what}: drawn {ready / 1000:.2f} s after navigation (page clock); chromium {wall:.2f} s in all, "
                  f"{wall - base:.2f} s more than the empty page")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
