"""Marginal time per suggestion of gp and tpe at large trial counts, against Optuna's samplers.

A full 1,000-trial run of a GP sampler takes hours on a small machine, so
the script measures the *marginal* cost: it first builds a history of
``size`` told trials without running the model (the method's own initial
design: gp's scrambled Sobol points, tpe's uniform random points, with
``n_initial`` / ``n_startup`` set to ``size``), gives Optuna exactly the same
trials through ``study.add_trials``, and then times the next ``--window``
model-based suggestions of each (ask and tell; the objective excluded),
one after the other in one process, single-threaded. It also reports the
regret at the end of the window (the best of history and window minus the
optimum), the same history for both, so a faster method that suggests worse
points shows it.

    python scripts/bench_model_based_scale.py            # one seed, about 20 minutes of CPU
    python scripts/bench_model_based_scale.py --window 20 --seeds 0 1 2 3 4   # docs/benchmarks.md, about 25 minutes

``--gp-settings`` runs gp with other settings; ``--peers-from`` takes Optuna's
rows from an earlier run's JSON instead of running Optuna again (the
histories depend only on function, size and seed).

Needs the ``bench`` extra (optuna).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one thread: compare algorithms, not BLAS pools

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hpobench.runner import method_rng  # noqa: E402
from hpobench.tasks.synthetic import Hartmann6, Levy  # noqa: E402
from hpobench.trial import Trial  # noqa: E402

FUNCTIONS = {"hartmann6": Hartmann6, "levy10": lambda: Levy(dim=10)}


def loss_of(task, config: dict) -> float:
    return float(task.evaluate(Trial(0, config), 0).loss)


def ours(name: str, task, size: int, window: int, seed: int,
         settings: dict) -> tuple[list[dict], list[float], list[float]]:
    """History of ``size`` initial-design trials, then ``window`` timed model-based steps."""
    if name == "gp":
        from hpobench.methods.gp import GPBO
        method = GPBO(task.space, None, method_rng(seed), n_initial=size, **settings)
    else:
        from hpobench.methods.tpe import TPE
        method = TPE(task.space, None, method_rng(seed), n_startup=size)
    history = []
    for _ in range(size):
        trial = method.ask()
        result = task.evaluate(trial, 0)
        method.tell(trial, result)
        history.append((trial.config, float(result.loss)))
    times, losses = [], []
    for _ in range(window):
        tic = time.perf_counter()
        trial = method.ask()
        spent = time.perf_counter() - tic
        result = task.evaluate(trial, 0)
        tic = time.perf_counter()
        method.tell(trial, result)
        times.append(spent + time.perf_counter() - tic)
        losses.append(float(result.loss))
    return history, times, losses


def optuna_run(name: str, task, history: list, window: int, seed: int) -> tuple[list[float], list[float]]:
    import optuna
    from optuna.distributions import FloatDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.GPSampler(seed=seed) if name == "optuna-gp" else optuna.samplers.TPESampler(seed=seed)
    study = optuna.create_study(sampler=sampler)
    dists = {n: FloatDistribution(p.low, p.high) for n, p in task.space.params.items()}  # all-Float functions
    study.add_trials([optuna.trial.create_trial(params=c, distributions=dists, value=v) for c, v in history])
    times, losses = [], []
    for _ in range(window):
        tic = time.perf_counter()
        trial = study.ask()
        config = {n: trial.suggest_float(n, d.low, d.high) for n, d in dists.items()}
        spent = time.perf_counter() - tic
        loss = loss_of(task, config)
        tic = time.perf_counter()
        study.tell(trial, loss)
        times.append(spent + time.perf_counter() - tic)
        losses.append(loss)
    return times, losses


def measure(function: str, size: int, window: int, seed: int, pair: tuple[str, str], settings: dict,
            earlier: dict) -> list[dict]:
    """Rows of ours and Optuna's sampler; Optuna's row is taken from ``earlier`` when it holds one for the same
    function, size, window and seed (the same history: it depends on nothing else)."""
    task = FUNCTIONS[function]()
    settings = settings if pair[0] == "gp" else {}  # --gp-settings are gp's
    label = pair[0] + (" (" + ", ".join(f"{k}={v}" for k, v in settings.items()) + ")" if settings else "")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Optuna's experimental-feature warnings
        history, times, losses = ours(pair[0], task, size, window, seed, settings)
        start = min(v for _, v in history)

        def row(name: str, times: list[float], losses: list[float]) -> dict:
            return {"function": function, "size": size, "method": name, "window": window, "seed": seed,
                    "ms_median": 1000 * float(np.median(times)), "ms_mean": 1000 * float(np.mean(times)),
                    "regret_history": start - task.optimum, "regret_after": min(start, min(losses)) - task.optimum}

        reused = earlier.get((function, size, pair[1], window, seed))
        peer = {**reused, "reused": True} if reused else row(pair[1], *optuna_run(pair[1], task, history, window, seed))
    return [row(label, times, losses), peer]


def table(rows: list[dict]) -> str:
    """One line per function, size and method, over its seeds; ``ours / Optuna`` compares the median times,
    and the last column counts the seeds where ours ended lower, level and higher than Optuna's (paired: the
    same history)."""
    lines = ["| function | trials told | method | seeds | window | median ms / suggestion | ours / Optuna "
             "| regret of the history (median) | regret after the window: median | worst | ours lower / level "
             "/ higher |", "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["function"], r["size"], r["method"]), []).append(r)
    for (function, size, method), group in groups.items():
        peer = groups.get((function, size, "optuna-" + method.split(" ")[0]))
        ms = float(np.median([r["ms_median"] for r in group]))
        ratio, paired = "", ""
        if peer:
            ratio = f"{ms / float(np.median([r['ms_median'] for r in peer])):.2f}"
            theirs = {r["seed"]: r["regret_after"] for r in peer}
            pairs = [(r["regret_after"], theirs[r["seed"]]) for r in group if r["seed"] in theirs]
            paired = " / ".join(str(sum(op(a, b) for a, b in pairs))
                                for op in (lambda a, b: a < b, lambda a, b: a == b, lambda a, b: a > b))
        after = [r["regret_after"] for r in group]
        lines.append(f"| {function} | {size} | {method} | {len(group)} | {group[0]['window']} | {ms:.1f} | {ratio} | "
                     f"{np.median([r['regret_history'] for r in group]):.3g} | {np.median(after):.3g} | "
                     f"{max(after):.3g} | {paired} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--functions", nargs="+", default=list(FUNCTIONS))
    parser.add_argument("--gp-sizes", nargs="*", type=int, default=[200, 500, 1000])
    parser.add_argument("--tpe-sizes", nargs="*", type=int, default=[1000, 5000])
    parser.add_argument("--window", type=int, default=10, help="timed suggestions after the history")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0],
                        help="one history per seed; both methods get the same one")
    parser.add_argument("--gp-settings", nargs="*", default=[], metavar="KEY=VALUE",
                        help="settings of gp (its YAML's keys), e.g. lengthscale_prior=optuna n_roulette=8")
    parser.add_argument("--peers-from", type=Path,
                        help="an earlier run's JSON: take Optuna's rows from it instead of running Optuna again")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench_model_based_scale.json")
    args = parser.parse_args()
    settings = {k: json.loads(v) if v[:1].isdigit() or v in ("true", "false") else v
                for k, v in (item.split("=", 1) for item in args.gp_settings)}
    earlier = {}
    if args.peers_from:
        earlier = {(r["function"], r["size"], r["method"], r["window"], r["seed"]): r
                   for r in json.loads(args.peers_from.read_text()) if r["method"].startswith("optuna-")}
    rows = []
    for function in args.functions:
        for pair, sizes in ((("gp", "optuna-gp"), args.gp_sizes), (("tpe", "optuna-tpe"), args.tpe_sizes)):
            for size in sizes:
                for seed in args.seeds:
                    tic = time.process_time()
                    rows += measure(function, size, args.window, seed, pair, settings, earlier)
                    print(f"{function} {pair[0]} {size} seed {seed}: {time.process_time() - tic:.0f}s CPU",
                          file=sys.stderr, flush=True)
                    args.out.parent.mkdir(parents=True, exist_ok=True)
                    args.out.write_text(json.dumps(rows, indent=1))  # so far, should the run be cut short
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at the end: {load:.1f}\n")
    if any(r.get("reused") for r in rows):
        print(f"Optuna's rows are those of {args.peers_from} (the same histories), not run again.\n")
    print(table(rows))


if __name__ == "__main__":
    main()
