"""What each adapter of hpobench/methods/peers/ adds per trial over calling its library in a plain loop.

    python scripts/bench_adapter_overhead.py [--trials 200] [--repeats 3] [--only optuna_tpe,hyperopt_tpe]

For each adapter: the library driven directly (the same sampler, seed and number
of trials on Branin, the loop its documentation shows), and the adapter's
``ask``/``tell`` in the same plain loop (no runner). Each is timed ``--repeats``
times, alternating, and the fastest kept (the machine is shared). Prints per
trial: direct, adapter, the difference, and whether it is within the target
(at most 5 % or 50 µs, whichever is larger).
"""

from __future__ import annotations

import argparse
import gc
import math
import time
from collections.abc import Callable

import numpy as np

from hpobench.methods.peers import _library
from hpobench.tasks.synthetic import Branin
from hpobench.trial import Result

SPACE = Branin().space
SEED = 12345


def branin(x1: float, x2: float) -> float:
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def through_adapter(make: Callable, n: int) -> None:
    method = make(SPACE, None, np.random.default_rng(SEED))
    for _ in range(n):
        trial = method.ask()
        method.tell(trial, Result(branin(trial.config["x1"], trial.config["x2"]), 0.0))


def optuna_direct(sampler: str, **settings) -> Callable[[int], None]:
    import optuna

    from hpobench.methods.peers.optuna import distributions

    def loop(n: int) -> None:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(sampler=getattr(optuna.samplers, sampler)(seed=SEED, **settings))
        dists = distributions(optuna, SPACE)
        for _ in range(n):
            t = study.ask(dists)
            params = t.params
            study.tell(t, branin(params["x1"], params["x2"]))
    return loop


def skopt_direct(estimator: str) -> Callable[[int], None]:
    import skopt

    def loop(n: int) -> None:
        opt = skopt.Optimizer([skopt.space.Real(-5.0, 10.0), skopt.space.Real(0.0, 15.0)], base_estimator=estimator,
                              random_state=SEED)
        for _ in range(n):
            x = opt.ask()
            opt.tell(x, branin(*x))
    return loop


def hyperopt_direct(n: int) -> None:
    import hyperopt

    space = {"x1": hyperopt.hp.uniform("x1", -5.0, 10.0), "x2": hyperopt.hp.uniform("x2", 0.0, 15.0)}
    hyperopt.fmin(lambda c: branin(c["x1"], c["x2"]), space, algo=hyperopt.tpe.suggest, max_evals=n,
                  trials=hyperopt.Trials(), rstate=np.random.default_rng(SEED), show_progressbar=False)


def nevergrad_direct(optimizer: str) -> Callable[[int], None]:
    import nevergrad as ng

    def loop(n: int) -> None:
        param = ng.p.Dict(x1=ng.p.Scalar(lower=-5.0, upper=10.0), x2=ng.p.Scalar(lower=0.0, upper=15.0))
        param.random_state = np.random.RandomState(SEED)
        opt = ng.optimizers.registry[optimizer](parametrization=param, budget=n, num_workers=1)
        for _ in range(n):
            cand = opt.ask()
            opt.tell(cand, branin(cand.value["x1"], cand.value["x2"]))
    return loop


def cases(trials: int) -> dict[str, tuple[Callable[[int], None], Callable, int]]:
    """name -> (direct loop, adapter maker, trials); the GP-based ones get fewer trials (seconds each)."""
    from functools import partial

    from hpobench.methods.peers.hyperopt import Hyperopt
    from hpobench.methods.peers.optuna import Optuna
    from hpobench.methods.peers.skopt import Skopt

    few = max(1, trials // 8)
    return {
        "optuna_random": (optuna_direct("RandomSampler"), partial(Optuna, sampler="RandomSampler"), trials),
        "optuna_qmc": (optuna_direct("QMCSampler"), partial(Optuna, sampler="QMCSampler"), trials),
        "optuna_tpe": (optuna_direct("TPESampler", multivariate=True),
                       partial(Optuna, settings={"multivariate": True}), trials),
        "optuna_tpe_univariate": (optuna_direct("TPESampler"), partial(Optuna), trials),
        "optuna_cmaes": (optuna_direct("CmaEsSampler"), partial(Optuna, sampler="CmaEsSampler"), trials),
        "optuna_gp": (optuna_direct("GPSampler"), partial(Optuna, sampler="GPSampler"), few),
        "skopt_gp": (skopt_direct("GP"), partial(Skopt, base_estimator="GP"), few),
        "skopt_rf": (skopt_direct("RF"), partial(Skopt, base_estimator="RF"), few),
        "hyperopt_tpe": (hyperopt_direct, Hyperopt, trials),
        "nevergrad": (nevergrad_direct("TwoPointsDE"), None, trials),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated adapter names")
    args = parser.parse_args()
    from functools import partial

    from hpobench.methods.peers.nevergrad import Nevergrad

    print("| adapter | library | trials | direct (ms/trial) | adapter (ms/trial) | added (µs/trial) | within |")
    print("|---|---|---|---|---|---|---|")
    for name, (direct, make, n) in cases(args.trials).items():
        if args.only and name not in args.only.split(","):
            continue
        if make is None:  # Nevergrad's budget is the number of trials
            make = partial(Nevergrad, optimizer="TwoPointsDE", budget_evals=n)
        times = {"direct": [], "adapter": []}
        calls = (("direct", partial(direct, n)), ("adapter", partial(through_adapter, make, n)))
        direct(min(n, 5)), through_adapter(make, min(n, 5))  # warm up: imports, caches
        for _ in range(args.repeats):
            for kind, call in calls:
                gc.collect()  # garbage of the previous loop is not this one's cost
                start = time.perf_counter()
                call()
                times[kind].append((time.perf_counter() - start) / n)
        d, a = min(times["direct"]), min(times["adapter"])
        added = a - d
        ok = added <= max(0.05 * d, 50e-6)
        library = {"optuna": "optuna", "skopt": "scikit-optimize", "hyperopt": "hyperopt",
                   "nevergrad": "nevergrad"}[name.split("_")[0]]
        print(f"| {name} | {library} {_library.version_of(library)} | {n} | {d * 1e3:.3f} | {a * 1e3:.3f} | "
              f"{added * 1e6:+.0f} | {'yes' if ok else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()
