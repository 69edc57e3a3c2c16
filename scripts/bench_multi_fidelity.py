"""Multi-fidelity methods against random search at equal simulated time.

For every task in TASKS and every method in METHODS, runs ``--seeds`` seeds
with ``--workers`` simulated workers until the task's simulated-time budget
is spent, in-process (no result folders). Reports the median regret of the
incumbent at 25/50/75/100 % of the budget and each method's own time per
ask+tell, measured over a separate ``--overhead-trials`` run.

The incumbent at time t is the best loss among trials evaluated at the
task's maximum fidelity that finished by t; regret is that minus the task's
optimum, or, for tasks without a known optimum (LCBench), minus the best
full-fidelity loss that any run of any method found on that task. Losses at
lower fidelities are biased, so they are not compared with full-fidelity
ones; this is also the incumbent the methods themselves would report.
Before a first full-fidelity result a run has infinite regret (shown as ∞
when it is the median or a quartile). Tasks of one group (LCBench's
instances) are pooled into one table: medians over instances and seeds.

Adding a task is one line in TASKS.

    python scripts/bench_multi_fidelity.py                      # prints the markdown report
    python scripts/bench_multi_fidelity.py --out docs/benchmarks-multi-fidelity.md
    python scripts/bench_multi_fidelity.py --seeds 3 --tasks mfh3 --methods random,asha   # a quick look
    python scripts/bench_multi_fidelity.py --seeds 20 --overhead-trials 0 --out FILE --append   # add a section
    python scripts/bench_multi_fidelity.py --seeds 30 --first-seed 100 --out FILE --append   # a replication

"BOHB no worse than Hyperband" is checked on the medians, as the issue
states it, and also by a paired one-sided Wilcoxon signed-rank test over
(instance, seed) pairs (the runs share their seeds, so pairing removes the
common draws): p is the probability of a difference at least as large in
BOHB's disfavour if neither is worse.
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

import numpy as np
from hydra.utils import instantiate
from omegaconf import OmegaConf
from scipy.stats import wilcoxon

from hpobench import Budget, Trial, run

ROOT = Path(__file__).resolve().parents[1]
FRACTIONS = (0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class BenchTask:
    """A task of the benchmark: a config in conf/task/ with settings on top, and its budget.

    Attributes:
        config: the task's config name in conf/task/.
        group: tasks of one group are pooled into one table (e.g. LCBench's instances).
        sim_time: the simulated-time budget; None for ``FULL_EVALS`` times the median
            cost of a full-fidelity evaluation (of 16 uniform configurations, seed 0).
        overrides: settings on top of the config, e.g. ``{"instance": 3945}``.
    """

    config: str
    group: str
    sim_time: float | None = None
    overrides: dict[str, Any] = field(default_factory=dict)


FULL_EVALS = 20  # per worker, for budgets not given in seconds: random search gets about 4 x 20 evaluations
LCBENCH = ["3945", "7593", "34539", "126025", "126026", "126029", "146212", "167104", "167149", "167152"]

# One line per task (or per family of instances). A full-fidelity evaluation of
# the multi-fidelity Hartmann tasks costs 1 simulated second.
TASKS = {
    "mfh3": BenchTask("mfh3", "mfh3", sim_time=100),
    "mfh6": BenchTask("mfh6", "mfh6", sim_time=100),
    **{f"lcbench-{i}": BenchTask("lcbench", "lcbench", overrides={"instance": i}) for i in LCBENCH},
}
METHODS = ["random", "sh", "hyperband", "bohb", "asha"]  # configs in conf/method/
ACCEPTANCE = ("hyperband", "bohb", "asha")  # must beat random search in the middle and late budget
MIDDLE_AND_LATE = (1, 2, 3)  # indices into FRACTIONS: 50, 75, 100 %


def load(group: str, name: str, overrides: dict[str, Any] | None = None):
    node = OmegaConf.to_container(OmegaConf.load(ROOT / "conf" / group / f"{name}.yaml"), resolve=True)
    node = {k: v for k, v in node.items() if k != "default_budget"}
    return instantiate({**node, **(overrides or {})})


def budget_of(spec: BenchTask) -> float:
    if spec.sim_time is not None:
        return spec.sim_time
    task = load("task", spec.config, spec.overrides)
    configs = task.space.sample(np.random.default_rng(0), 16)
    costs = [task.evaluate(Trial(i, c, task.fidelity.max), 0).cost for i, c in enumerate(configs)]
    return float(f"{FULL_EVALS * statistics.median(costs):.3g}")


def full_fidelity_results(records: list[dict], max_fidelity: float) -> list[tuple[float, float]]:
    """(finish time, loss) of the successful full-fidelity trials, in finishing order."""
    return sorted((r["sim_end"], r["loss"]) for r in records if r["status"] == "ok" and r["fidelity"] == max_fidelity)


def regret_curve(done: list[tuple[float, float]], reference: float, times: list[float]) -> list[float]:
    """Regret of the full-fidelity incumbent at each of ``times``."""
    out, best, i = [], math.inf, 0
    for t in times:
        while i < len(done) and done[i][0] <= t:
            best = min(best, done[i][1])
            i += 1
        out.append(best - reference)
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


def run_task(name: str, methods: list[str], seeds: range, workers: int) -> dict[str, list[tuple[list[float], int]]]:
    """Per method, per seed: (regret at each fraction of the budget, trials run)."""
    spec = TASKS[name]
    sim_time = budget_of(spec)
    times = [f * sim_time for f in FRACTIONS]
    done, counts, optimum = {}, {}, None
    for method in methods:
        for seed in seeds:
            task = load("task", spec.config, spec.overrides)
            out = run(load("method", method), task, seed=seed, budget=Budget(sim_time=sim_time), workers=workers)
            done[method, seed] = full_fidelity_results(out.records, task.fidelity.max)
            counts[method, seed] = len(out.records)
            optimum = task.optimum
        print(f"{name} (sim_time={sim_time:g}) {method} done", file=sys.stderr, flush=True)
    # Without a known optimum, regret is measured against the best full-fidelity loss any run found.
    reference = optimum if optimum is not None else min(loss for d in done.values() for _, loss in d)
    return {m: [(regret_curve(done[m, s], reference, times), counts[m, s]) for s in seeds] for m in methods}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=0, help="seeds are first-seed, first-seed + 1, ...")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--tasks", default=",".join(TASKS), help="task names or groups, e.g. mfh3,lcbench")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--overhead-trials", type=int, default=2000)
    parser.add_argument("--overhead-task", default="mfh6")
    parser.add_argument("--out", type=Path, help="also write the report here")
    parser.add_argument("--append", action="store_true", help="append to --out as a section, with its command")
    args = parser.parse_args()
    wanted, methods = set(args.tasks.split(",")), args.methods.split(",")
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    tasks = [name for name, spec in TASKS.items() if name in wanted or spec.group in wanted]

    groups: dict[str, dict[str, dict[str, list[tuple[list[float], int]]]]] = {}  # group -> task -> method -> runs
    for name in tasks:
        groups.setdefault(TASKS[name].group, {})[name] = run_task(name, methods, seeds, args.workers)

    lines = [f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}. "
             f"{args.seeds} seeds ({seeds.start}–{seeds.stop - 1}), workers={args.workers}; regret of the "
             "incumbent at maximum fidelity (best full-fidelity loss finished so far, minus the optimum, or "
             "minus the best full-fidelity loss any run found where the optimum is unknown), median (and "
             "quartiles) over seeds (and instances), at a share of each task's simulated-time budget.", ""]
    checks = []
    for group, by_task in groups.items():
        budgets = ", ".join(f"{budget_of(TASKS[n]):g}" for n in by_task)
        title = group if len(by_task) == 1 else f"{group}, {len(by_task)} instances pooled"
        lines += [f"### {title} (budget.sim_time={budgets})", "",
                  "| method | " + " | ".join(f"{f:.0%}" for f in FRACTIONS) + " | trials (median) |",
                  "|---|" + "---:|" * (len(FRACTIONS) + 1)]
        pooled = {m: [r for runs in by_task.values() for r in runs[m]] for m in methods}
        medians = {}
        for method in methods:
            cells = [summary([curve[k] for curve, _ in pooled[method]]) for k in range(len(FRACTIONS))]
            medians[method] = [med for med, _ in cells]
            trials = statistics.median(n for _, n in pooled[method])
            lines.append(f"| {method} | " + " | ".join(cell for _, cell in cells) + f" | {trials:g} |")
        lines.append("")
        checks += acceptance(group, by_task, medians, methods, pooled)

    if args.overhead_trials:
        lines += [f"### Method overhead: ask + tell per trial, {args.overhead_trials}-trial run on "
                  f"{args.overhead_task}, workers={args.workers}", "", "| method | ms per ask+tell |", "|---|---:|"]
        for method in methods:
            ms = overhead_ms(method, args.overhead_task, args.overhead_trials, args.workers)
            lines.append(f"| {method} | {ms:.3f} |")
        lines.append("")
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


def acceptance(group: str, by_task: dict, medians: dict[str, list[float]], methods: list[str],
               pooled: dict[str, list[tuple[list[float], int]]]) -> list[str]:
    """Pooled medians below random search (and BOHB no worse than Hyperband) at 50/75/100 %."""
    pairs = [(m, "random", "below random search") for m in ACCEPTANCE if m in methods and "random" in methods]
    if {"bohb", "hyperband"} <= set(methods):
        pairs.append(("bohb", "hyperband", "no worse than hyperband"))
    out = []
    for mine, other, words in pairs:
        better = (lambda a, b: a < b) if other == "random" else (lambda a, b: a <= b)
        ok = all(better(medians[mine][k], medians[other][k]) for k in MIDDLE_AND_LATE)
        line = f"- {group}: {mine} {words} at 50/75/100 %: {'yes' if ok else 'NO'}"
        if len(by_task) > 1:  # how many instances agree, each by its median over seeds
            def med(task, m, k):
                return statistics.median(curve[k] for curve, _ in by_task[task][m])
            wins = sum(all(better(med(t, mine, k), med(t, other, k)) for k in MIDDLE_AND_LATE) for t in by_task)
            line += f" (per instance: {wins} of {len(by_task)})"
        if other == "hyperband":
            line += "; paired one-sided Wilcoxon p = " + ", ".join(
                f"{worse_p(pooled[mine], pooled[other], k):.2f}" for k in MIDDLE_AND_LATE)
        out.append(line)
    return out


def worse_p(mine: list[tuple[list[float], int]], other: list[tuple[list[float], int]], k: int) -> float:
    """One-sided paired Wilcoxon signed-rank p-value for "mine has higher regret than other" at fraction k."""
    a = np.array([curve[k] for curve, _ in mine])
    b = np.array([curve[k] for curve, _ in other])
    both_inf = np.isinf(a) & np.isinf(b)  # neither has a full-fidelity result yet: a tie
    diff = np.where(both_inf, 0.0, np.nan_to_num(a, posinf=1e300) - np.nan_to_num(b, posinf=1e300))
    if not diff.any():
        return 1.0
    return float(wilcoxon(diff, alternative="greater", zero_method="zsplit").pvalue)


if __name__ == "__main__":
    main()
