"""Multi-fidelity methods against random search at equal simulated time.

For every task in TASKS and every method in METHODS, runs ``--seeds`` seeds
with ``--workers`` simulated workers until the task's simulated-time budget
is spent, in-process (no result folders). Reports the median regret of the
incumbent at 25/50/75/100 % of the budget and each method's own time per
ask+tell, measured over a separate ``--overhead-trials`` run.

The incumbent at time t is the best loss among trials evaluated at the
task's maximum fidelity that finished by t; regret is that minus the task's
optimum. Losses at lower fidelities are biased, so they are not compared
with full-fidelity ones; this is also the incumbent the methods themselves
would report. Before a first full-fidelity result a run has infinite regret
(shown as ∞ when it is the median).

    python scripts/bench_multi_fidelity.py                      # prints the markdown report
    python scripts/bench_multi_fidelity.py --out docs/benchmarks-multi-fidelity.md
    python scripts/bench_multi_fidelity.py --seeds 3 --tasks mfh3 --methods random,asha   # a quick look
    python scripts/bench_multi_fidelity.py --seeds 20 --overhead-trials 0 --out FILE --append   # add a section
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.utils import instantiate
from omegaconf import OmegaConf

from hpobench import Budget, run

ROOT = Path(__file__).resolve().parents[1]
FRACTIONS = (0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class BenchTask:
    """A task of the benchmark: a config in conf/task/, settings on top of it, a simulated-time budget."""

    config: str
    sim_time: float
    overrides: dict[str, Any] = field(default_factory=dict)


# One line per task. Budgets are simulated seconds on the simulated workers; a
# full-fidelity evaluation of the multi-fidelity Hartmann tasks costs 1 s.
TASKS = {
    "mfh3": BenchTask("mfh3", sim_time=100),
    "mfh6": BenchTask("mfh6", sim_time=100),
}
METHODS = ["random", "sh", "hyperband", "bohb", "asha"]  # configs in conf/method/
ACCEPTANCE = ("hyperband", "bohb", "asha")  # must beat random search in the middle and late budget


def load(group: str, name: str, overrides: dict[str, Any] | None = None):
    node = OmegaConf.to_container(OmegaConf.load(ROOT / "conf" / group / f"{name}.yaml"), resolve=True)
    node = {k: v for k, v in node.items() if k != "default_budget"}
    return instantiate({**node, **(overrides or {})})


def regret_curve(records: list[dict], max_fidelity: float, optimum: float, times: list[float]) -> list[float]:
    """Regret of the full-fidelity incumbent at each of ``times``."""
    done = sorted((r["sim_end"], r["loss"]) for r in records
                  if r["status"] == "ok" and r["fidelity"] == max_fidelity)
    out, best, i = [], math.inf, 0
    for t in times:
        while i < len(done) and done[i][0] <= t:
            best = min(best, done[i][1])
            i += 1
        out.append(best - optimum)
    return out


def fmt(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:.3g}"


def summary(values: list[float]) -> tuple[float, str]:
    """The median and a cell "median (lower–upper quartile)"."""
    q1, med, q3 = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3
    return med, f"{fmt(med)} ({fmt(q1)}–{fmt(q3)})"


def overhead_ms(method: str, task_name: str, trials: int, workers: int) -> float:
    """The method's own time (ask + tell) per trial, in ms, over one run of ``trials`` trials."""
    spec = TASKS[task_name]
    out = run(load("method", method), load("task", spec.config, spec.overrides), seed=0,
              budget=Budget(evals=trials), workers=workers)
    return 1e3 * sum(r["optimizer_time"] for r in out.records) / len(out.records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--overhead-trials", type=int, default=2000)
    parser.add_argument("--overhead-task", default="mfh6")
    parser.add_argument("--out", type=Path, help="also write the report here")
    parser.add_argument("--append", action="store_true", help="append to --out as a section, with its command")
    args = parser.parse_args()
    tasks, methods = args.tasks.split(","), args.methods.split(",")

    lines = [f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}. "
             f"{args.seeds} seeds, workers={args.workers}; regret of the incumbent at maximum fidelity "
             "(best full-fidelity loss finished so far, minus the optimum), median (and quartiles) over "
             "seeds, at a share of each task's simulated-time budget.", ""]
    medians: dict[tuple[str, str], list[float]] = {}
    for task_name in tasks:
        spec = TASKS[task_name]
        times = [f * spec.sim_time for f in FRACTIONS]
        lines += [f"### {task_name} (budget.sim_time={spec.sim_time:g})", "",
                  "| method | " + " | ".join(f"{f:.0%}" for f in FRACTIONS) + " | trials (median) |",
                  "|---|" + "---:|" * (len(FRACTIONS) + 1)]
        for method in methods:
            curves, counts = [], []
            for seed in range(args.seeds):
                task = load("task", spec.config, spec.overrides)
                out = run(load("method", method), task, seed=seed, budget=Budget(sim_time=spec.sim_time),
                          workers=args.workers)
                curves.append(regret_curve(out.records, task.fidelity.max, task.optimum, times))
                counts.append(len(out.records))
            cells = [summary([c[k] for c in curves]) for k in range(len(FRACTIONS))]
            medians[task_name, method] = [med for med, _ in cells]
            lines.append(f"| {method} | " + " | ".join(cell for _, cell in cells)
                         + f" | {statistics.median(counts):g} |")
            print(f"{task_name} {method}: {[cell for _, cell in cells]}", file=sys.stderr, flush=True)
        lines.append("")

    if args.overhead_trials:
        lines += [f"### Method overhead: ask + tell per trial, {args.overhead_trials}-trial run on "
                  f"{args.overhead_task}, workers={args.workers}", "", "| method | ms per ask+tell |", "|---|---:|"]
        for method in methods:
            ms = overhead_ms(method, args.overhead_task, args.overhead_trials, args.workers)
            lines.append(f"| {method} | {ms:.3f} |")
        lines.append("")

    checks = []
    for task_name in tasks:
        for method in (m for m in ACCEPTANCE if m in methods and "random" in methods):
            mine, rs = medians[task_name, method], medians[task_name, "random"]
            ok = all(mine[k] < rs[k] for k in (1, 2, 3))
            checks.append(f"- {task_name}: {method} below random search at 50/75/100 %: {'yes' if ok else 'NO'}")
        if {"bohb", "hyperband"} <= set(methods):
            b, h = medians[task_name, "bohb"], medians[task_name, "hyperband"]
            ok = all(b[k] <= h[k] for k in (1, 2, 3))
            checks.append(f"- {task_name}: bohb no worse than hyperband at 50/75/100 %: {'yes' if ok else 'NO'}")
    if checks:
        lines += ["### Acceptance", "", *checks, ""]
    report = "\n".join(lines)
    print(report)
    command = "python " + " ".join(["scripts/bench_multi_fidelity.py", *sys.argv[1:]])
    minutes = f"{time.process_time():.0f} CPU seconds"
    if args.out and args.append:
        with args.out.open("a") as out:
            out.write(f"\n## Supplement\n\n`{command}` ({minutes})\n\n{report}")
    elif args.out:
        args.out.write_text(f"# Multi-fidelity methods: regret at equal simulated time, and overhead\n\n"
                            f"Regenerate with `{command}` ({minutes}).\n\n{report}")


if __name__ == "__main__":
    main()
