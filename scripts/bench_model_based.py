"""Peer benchmark: hpobench's random/TPE/GP against Optuna and scikit-optimize.

Every optimiser runs on the same black-box functions (Branin, Hartmann6,
Levy 10-D) with the same seeds and evaluation budgets, one single-threaded
process after another, and the script reports median and mean simple regret
(best loss found minus the known optimum) and each optimiser's own time per
suggestion (time spent asking and telling, the objective excluded) after
the first B evaluations, for every budget B of the issue.

Each (optimiser, function, seed) run is saved as one JSON file under
``--out`` as soon as it finishes, so an interrupted benchmark resumes where
it stopped; ``--table-only`` rebuilds the table from whatever is saved.

Regenerate the table (needs the ``bench`` extra: optuna, scikit-optimize):

    python scripts/bench_model_based.py --seeds 20

Cheap optimisers run first for every seed; the expensive GP-based ones run
seed by seed afterwards, so a partial run compares them on the same seeds.
"""

from __future__ import annotations

import os

# One thread everywhere: the timings compare algorithms, not BLAS thread pools.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hpobench.budget import Budget  # noqa: E402
from hpobench.runner import run  # noqa: E402
from hpobench.tasks.mixed_synthetic import MixedBranin, MixedHartmann  # noqa: E402
from hpobench.tasks.synthetic import Branin, Hartmann6, Levy  # noqa: E402

FUNCTIONS = {
    "branin": (lambda: Branin(), (50, 100)),
    "hartmann6": (lambda: Hartmann6(), (100, 200)),
    "levy10": (lambda: Levy(dim=10), (200,)),
    "mixed_branin": (lambda: MixedBranin(), (50, 100)),
    "mixed_hartmann": (lambda: MixedHartmann(), (50, 100)),
}
MIXED = ["mixed_branin", "mixed_hartmann"]  # reported in a table of their own, with the worst seed
CHEAP = ["random", "tpe", "tpe-univariate", "optuna-random", "optuna-tpe", "optuna-tpe-univariate"]
EXPENSIVE = ["gp", "optuna-gp", "skopt-gp"]

Objective = Callable[[np.ndarray], float]


def hpobench_method(name: str) -> Callable:
    """A ``make_method`` for the runner, with the method's documented defaults."""
    from functools import partial

    if name == "random":
        from hpobench.methods.random_search import RandomSearch
        return RandomSearch
    if name in ("tpe", "tpe-univariate"):
        from hpobench.methods.tpe import TPE
        return partial(TPE, multivariate=name == "tpe")
    from hpobench.methods.gp import GPBO
    return GPBO


def run_hpobench(name: str, task, seed: int, evals: int) -> tuple[list[float], list[float]]:
    outcome = run(hpobench_method(name), task, seed=seed, budget=Budget(evals=evals))
    records = sorted(outcome.records, key=lambda r: r["trial_id"])
    losses = [r["loss"] if r["loss"] is not None else float("inf") for r in records]
    return losses, [r["optimizer_time"] for r in records]


def run_optuna(name: str, task, seed: int, evals: int) -> tuple[list[float], list[float]]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    samplers = {
        "optuna-random": lambda: optuna.samplers.RandomSampler(seed=seed),
        "optuna-tpe": lambda: optuna.samplers.TPESampler(seed=seed),  # Optuna 5: multivariate by default
        "optuna-tpe-univariate": lambda: optuna.samplers.TPESampler(seed=seed, multivariate=False),
        "optuna-gp": lambda: optuna.samplers.GPSampler(seed=seed),
    }
    study = optuna.create_study(sampler=samplers[name]())
    suggest = task.space.translate(  # Optuna's own kinds: log floats, log integers, categoricals
        on_float=lambda n, p: lambda t: t.suggest_float(n, p.low, p.high, log=p.log),
        on_int=lambda n, p: lambda t: t.suggest_int(n, p.low, p.high, log=p.log),
        on_categorical=lambda n, p: lambda t: t.suggest_categorical(n, list(p.choices)))
    losses, times = [], []
    for _ in range(evals):
        tic = time.perf_counter()
        trial = study.ask()
        config = {n: draw(trial) for n, draw in suggest.items()}
        spent = time.perf_counter() - tic
        loss = evaluate(task, config)
        tic = time.perf_counter()
        study.tell(trial, loss)
        times.append(spent + time.perf_counter() - tic)
        losses.append(loss)
    return losses, times


def run_skopt(name: str, task, seed: int, evals: int) -> tuple[list[float], list[float]]:
    from skopt import gp_minimize

    losses, times = [], []
    last = [time.perf_counter()]

    def objective(x: list[float]) -> float:
        times.append(time.perf_counter() - last[0])  # time skopt spent since the last answer
        loss = evaluate(task, dict(zip(task.space.names, np.asarray(x, dtype=float).tolist())))
        losses.append(loss)
        last[0] = time.perf_counter()
        return loss

    dims = [(float(p.low), float(p.high)) for p in task.space.params.values()]
    gp_minimize(objective, dims, n_calls=evals, random_state=seed)  # skopt's defaults throughout
    return losses, times


def evaluate(task, config: dict) -> float:
    from hpobench.trial import Trial

    return task.evaluate(Trial(0, config), 0).loss


def run_one(name: str, function: str, seed: int) -> dict:
    make_task, budgets = FUNCTIONS[function]
    task = make_task()
    runner = run_skopt if name.startswith("skopt") else run_optuna if name.startswith("optuna") else run_hpobench
    tic = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # peers warn about experimental features; it would flood the log
        losses, times = runner(name, task, seed, max(budgets))
    return {"method": name, "function": function, "seed": seed, "optimum": task.optimum, "losses": losses,
            "times": times, "wall": time.perf_counter() - tic}


def jobs(methods: list[str], functions: list[str], seeds: int, limits: dict[str, int]) -> list[tuple[str, str, int]]:
    """Cheap optimisers first, then the GP-based ones, seed by seed with the
    methods side by side, so a cut-short run compares them on the same seeds
    and under the same machine load. ``limits`` caps the seeds of a method,
    a function or a ``method:function`` pair."""
    cheap = [(m, f, s) for s in range(seeds) for f in functions for m in methods if m in CHEAP]
    costly = [(m, f, s) for s in range(seeds) for f in functions for m in methods if m not in CHEAP]
    return [(m, f, s) for m, f, s in cheap + costly
            if all(s < limits.get(key, seeds) for key in (m, f, f"{m}:{f}"))]


PEER = {"random": "optuna-random", "tpe": "optuna-tpe", "tpe-univariate": "optuna-tpe-univariate", "gp": "optuna-gp"}


def table(out: Path, methods: list[str], functions: list[str]) -> str:
    """The results as a markdown table; ``p`` is a two-sided Mann-Whitney U
    test of an hpobench method's regrets against its Optuna counterpart's."""
    from scipy.stats import mannwhitneyu

    lines = ["| function | budget | method | seeds | median regret | mean regret | time per suggestion (ms) "
             "| p vs Optuna |", "|---|---:|---|---:|---:|---:|---:|---:|"]
    shown = [m for m in ("random", "optuna-random", "tpe", "optuna-tpe", "tpe-univariate", "optuna-tpe-univariate",
                         "gp", "optuna-gp", "skopt-gp") if m in methods]
    for function in functions:
        runs = {m: [json.loads(p.read_text()) for p in sorted((out / function / m).glob("seed=*.json"))]
                for m in shown}
        for budget in FUNCTIONS[function][1]:
            regrets = {m: [min(r["losses"][:budget]) - r["optimum"] for r in rs] for m, rs in runs.items() if rs}
            for name, regret in regrets.items():
                ms = [1000 * float(np.mean(r["times"][:budget])) for r in runs[name]]
                peer = regrets.get(PEER.get(name, ""))
                p = f"{mannwhitneyu(regret, peer).pvalue:.2f}" if peer else ""
                lines.append(f"| {function} | {budget} | {name} | {len(regret)} | {np.median(regret):.3g} | "
                             f"{np.mean(regret):.3g} | {np.mean(ms):.1f} | {p} |")
    return "\n".join(lines)


# Other versions of gp, shown when their runs are on disk (copied in by hand): 3edae5f, before the mixed-space
# kernel; 00a271b, today's gp with EI against the lowest posterior mean (method.incumbent=mean) as its default.
BEFORE = ("gp-3edae5f", "gp-00a271b")


def mixed_table(out: Path, methods: list[str], functions: list[str]) -> str:
    """Median and worst seed of each optimiser on the mixed-space functions,
    and how many seeds end more than 0.01 above the optimum."""
    lines = ["| function | budget | method | seeds | median regret | worst regret | seeds above 0.01 "
             "| time per suggestion (ms) |", "|---|---:|---|---:|---:|---:|---:|---:|"]
    shown = [m for m in (*BEFORE, "gp", "optuna-gp", "tpe", "optuna-tpe") if m in methods or m in BEFORE]
    for function in functions:
        runs = {m: [json.loads(p.read_text()) for p in sorted((out / function / m).glob("seed=*.json"))]
                for m in shown}
        for budget in FUNCTIONS[function][1]:
            for name, rs in runs.items():
                if not rs:
                    continue
                regret = np.array([min(r["losses"][:budget]) - r["optimum"] for r in rs])
                ms = np.mean([1000 * float(np.mean(r["times"][:budget])) for r in rs])
                lines.append(f"| {function} | {budget} | {name} | {len(regret)} | {np.median(regret):.3g} | "
                             f"{regret.max():.3g} | {int((regret > 0.01).sum())} | {ms:.1f} |")
    return "\n".join(lines)


def write_doc(path: Path, text: str, marker: str = "table") -> None:
    """Replace the table between the ``marker`` markers in ``path``, keeping
    the prose around it; a missing pair is appended at the end."""
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    doc = path.read_text() if path.exists() else "# Model-based methods against their peers\n"
    if start not in doc:
        doc = f"{doc.rstrip()}\n\n{start}\n{end}\n"
    head, rest = doc.split(start, 1)
    path.write_text(f"{head}{start}\n{text}\n{end}{rest.split(end, 1)[1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--methods", nargs="+", default=CHEAP + EXPENSIVE)
    parser.add_argument("--functions", nargs="+", default=list(FUNCTIONS))
    parser.add_argument("--limit", nargs="*", default=[], metavar="KEY=N",
                        help="run only seeds < N for KEY: a method, a function or method:function")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench_model_based")
    parser.add_argument("--table-only", action="store_true")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "benchmarks-model-based.md",
                        help="markdown file whose table (between its markers) is rewritten")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if not args.table_only:
        limits = {key: int(n) for key, n in (item.split("=") for item in args.limit)}
        for name, function, seed in jobs(args.methods, args.functions, args.seeds, limits):
            path = args.out / function / name / f"seed={seed}.json"
            if path.exists():
                continue
            result = run_one(name, function, seed)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(result))
            tmp.replace(path)  # atomic: a killed run never leaves half a file
            logging.info("%s %s seed=%d: regret %.3g, %.1fs", name, function, seed,
                         min(result["losses"]) - result["optimum"], result["wall"])
    plain = [f for f in args.functions if f not in MIXED]
    mixed = [f for f in args.functions if f in MIXED]
    if plain:
        text = table(args.out, args.methods, plain)
        write_doc(args.doc, text)
        print(text)
    if mixed:
        text = mixed_table(args.out, args.methods, mixed)
        write_doc(args.doc, text, "mixed")
        print(text)


if __name__ == "__main__":
    main()
