"""What each adapter of hpobench/methods/peers/ adds per trial over calling its library in a plain loop.

    python scripts/bench_adapter_overhead.py [--trials 200] [--repeats 3] [--only optuna_tpe,hyperopt_tpe] [--clock cpu]

For each adapter: the library driven directly (the same sampler, seed and number
of trials on Branin, the loop its documentation shows), and the adapter's
``ask``/``tell`` in the same plain loop (no runner). The multi-fidelity ones
(``MULTI_FIDELITY``) get Branin plus a term that vanishes at full fidelity,
over ``FIDELITY``, in both loops. Each is timed ``--repeats``
times, alternating, and the fastest kept (the machine is shared). Prints per
trial: direct, adapter, the difference, whether it is within the target
(at most 5 % or 50 µs, whichever is larger), and whether both loops made the
same trials (the direct loop is given the seed the adapter hands its library).
``--clock cpu`` times the process's CPU instead of the wall clock, with BLAS
held to one thread: on a loaded machine that is the steadier figure for the
slow GP-based libraries.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import logging
import math
import time
from collections.abc import Callable

import numpy as np

from hpobench.fidelity import Fidelity
from hpobench.methods.peers import _library
from hpobench.tasks.synthetic import Branin
from hpobench.trial import Result

SPACE = Branin().space
SEED = 12345  # the adapters' generator; the direct loops get the library seeds the adapters draw from it
FIDELITY = Fidelity("z", 1, 27)  # the multi-fidelity rows: Branin plus a term that vanishes at z = 27
MULTI_FIDELITY = ("smac_hb", "smac_mf", "syne_tune_asha", "syne_tune_bohb")


def library_seed(draw: int = 0) -> int:
    """The seed an adapter hands its library: draw ``draw`` of ``_library.seed_from`` from the method's
    generator, so both loops make the same trials and the GP-based ones fit the same data."""
    rng = np.random.default_rng(SEED)
    return [_library.seed_from(rng) for _ in range(draw + 1)][-1]


def branin(x1: float, x2: float) -> float:
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def branin_at(x1: float, x2: float, z: float) -> float:
    return branin(x1, x2) + 10 * (1 - z / FIDELITY.max)


def through_adapter(make: Callable, n: int, fidelity: Fidelity | None = None) -> list[tuple[float, ...]]:
    method, points = make(SPACE, fidelity, np.random.default_rng(SEED)), []
    for _ in range(n):
        trial = method.ask()
        if fidelity is None:
            points.append((trial.config["x1"], trial.config["x2"]))
            method.tell(trial, Result(branin(*points[-1]), 0.0))
        else:
            points.append((trial.config["x1"], trial.config["x2"], trial.fidelity))
            method.tell(trial, Result(branin_at(*points[-1]), 0.0))
    return points


def optuna_direct(sampler: str, **settings) -> Callable[[int], list]:
    import optuna

    from hpobench.methods.peers.optuna import distributions

    def loop(n: int) -> list[tuple[float, float]]:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(sampler=getattr(optuna.samplers, sampler)(seed=library_seed(), **settings))
        dists, points = distributions(optuna, SPACE), []
        for _ in range(n):
            t = study.ask(dists)
            params = t.params
            points.append((params["x1"], params["x2"]))
            study.tell(t, branin(*points[-1]))
        return points
    return loop


def skopt_direct(estimator: str) -> Callable[[int], list]:
    import skopt

    def loop(n: int) -> list[tuple[float, float]]:
        opt = skopt.Optimizer([skopt.space.Real(-5.0, 10.0), skopt.space.Real(0.0, 15.0)], base_estimator=estimator,
                              random_state=library_seed())
        for _ in range(n):
            x = opt.ask()
            opt.tell(x, branin(*x))
        return [tuple(x) for x in opt.Xi]
    return loop


def hyperopt_direct(n: int) -> list[tuple[float, float]]:
    import hyperopt

    space = {"x1": hyperopt.hp.uniform("x1", -5.0, 10.0), "x2": hyperopt.hp.uniform("x2", 0.0, 15.0)}
    trials = hyperopt.Trials()
    hyperopt.fmin(lambda c: branin(c["x1"], c["x2"]), space, algo=hyperopt.tpe.suggest, max_evals=n,
                  trials=trials, rstate=np.random.default_rng(library_seed()), show_progressbar=False)
    return list(zip(trials.vals["x1"], trials.vals["x2"]))


def nevergrad_direct(optimizer: str) -> Callable[[int], list]:
    import nevergrad as ng

    def loop(n: int) -> list[tuple[float, float]]:
        param = ng.p.Dict(x1=ng.p.Scalar(lower=-5.0, upper=10.0), x2=ng.p.Scalar(lower=0.0, upper=15.0))
        param.random_state = np.random.RandomState(library_seed(1))
        opt, points = ng.optimizers.registry[optimizer](parametrization=param, budget=n, num_workers=1), []
        for _ in range(n):
            cand = opt.ask()
            points.append((cand.value["x1"], cand.value["x2"]))
            opt.tell(cand, branin(*points[-1]))
        return points
    return loop


def smac_direct(facade: str) -> Callable[[int], list]:
    """SMAC's ask/tell loop with the adapter's scenario and facade; its local search keeps start points in
    first-occurrence order, as the adapter's does (smac.py's docstring: otherwise the order depends on
    PYTHONHASHSEED)."""
    import shutil
    import tempfile
    import weakref

    import ConfigSpace
    import smac
    from smac.runhistory import TrialValue

    from hpobench.methods.peers.smac import _first_occurrence_local_search

    def target(config, seed: int = 0, budget: float | None = None) -> float:
        raise AssertionError("never called through ask/tell")

    def loop(n: int) -> list[tuple[float, ...]]:
        multi = facade in ("HyperbandFacade", "MultiFidelityFacade")
        cs = ConfigSpace.ConfigurationSpace(seed=library_seed())
        cs.add([ConfigSpace.Float("x1", (-5.0, 10.0)), ConfigSpace.Float("x2", (0.0, 15.0))])
        budgets = {"min_budget": FIDELITY.min, "max_budget": FIDELITY.max} if multi else {}
        folder = tempfile.mkdtemp()
        scenario = smac.Scenario(cs, name="run", output_directory=folder, deterministic=True,
                                 n_trials=100_000, seed=library_seed(), **budgets)
        kind, extra = getattr(smac, facade), {}
        if facade != "HyperbandFacade":
            extra["acquisition_maximizer"] = maximizer = kind.get_acquisition_maximizer(scenario)
            maximizer._local_search = _first_occurrence_local_search(maximizer._local_search)
        opt, points = kind(scenario, target, overwrite=True, logging_level=False, **extra), []
        weakref.finalize(opt, shutil.rmtree, folder, True)  # SMAC's files go when it does, as the adapter's
        for _ in range(n):
            info = opt.ask()
            points.append((info.config["x1"], info.config["x2"], *([round(info.budget)] if multi else [])))
            opt.tell(info, TrialValue(cost=(branin_at if multi else branin)(*points[-1]), time=0.0), save=False)
        return points
    return loop


def ax_direct(n: int) -> list[tuple[float, float]]:
    from ax.api.client import Client
    from ax.api.configs import RangeParameterConfig
    from ax.utils.common.logger import set_stderr_log_level

    set_stderr_log_level(logging.WARNING)
    client = Client(random_seed=library_seed())
    client.configure_experiment(name="hpobench", parameters=[
        RangeParameterConfig(name="x1", bounds=(-5.0, 10.0), parameter_type="float"),
        RangeParameterConfig(name="x2", bounds=(0.0, 15.0), parameter_type="float")])
    client.configure_optimization(objective="-loss")
    client.configure_generation_strategy(initialization_random_seed=library_seed())
    points = []
    for _ in range(n):
        (index, params), = client.get_next_trials(max_trials=1).items()
        points.append((params["x1"], params["x2"]))
        client.complete_trial(index, raw_data={"loss": branin(*points[-1])})
    return points


def syne_tune_direct(scheduler: str) -> Callable[[int], list]:
    """A Syne Tune scheduler called as its Tuner calls it (its ask/tell wrapper skips ``on_trial_add``, which
    ASHA needs), one trial at a time; a multi-fidelity trial reports at each rung (1, 3, 9, 27: grace period 1,
    reduction factor 3) while the scheduler says CONTINUE. Syne Tune also draws from numpy's global generator:
    it gets the seed the adapter gives its own global stream."""
    import datetime

    from syne_tune.backend.trial_status import Trial
    from syne_tune.config_space import uniform
    from syne_tune.optimizer import baselines

    def loop(n: int) -> list[tuple[float, ...]]:
        np.random.seed(library_seed(1))
        multi = scheduler in ("ASHA", "BOHB")
        budgets = {"time_attr": "z", "max_t": int(FIDELITY.max), "grace_period": int(FIDELITY.min)} if multi else {}
        opt = getattr(baselines, scheduler)(config_space={"x1": uniform(-5.0, 10.0), "x2": uniform(0.0, 15.0)},
                                            metric="loss", do_minimize=True, random_seed=library_seed(), **budgets)
        points: list[tuple[float, ...]] = []
        for trial_id in itertools.count():
            if len(points) == n:
                return points
            trial = Trial(trial_id=trial_id, config=opt.suggest().config, creation_time=datetime.datetime.now())
            opt.on_trial_add(trial=trial)
            x1, x2 = trial.config["x1"], trial.config["x2"]
            if not multi:
                points.append((x1, x2))
                opt.on_trial_result(trial=trial, result={"loss": branin(x1, x2)})
                opt.on_trial_complete(trial=trial, result={"loss": branin(x1, x2)})
                continue
            for z in (1, 3, 9, 27):  # the trial trains on while the scheduler lets it
                points.append((x1, x2, z))
                if opt.on_trial_result(trial=trial, result={"loss": branin_at(x1, x2, z), "z": z}) != "CONTINUE":
                    opt.on_trial_remove(trial=trial)
                    break
                if len(points) == n:
                    return points
    return loop


def same(points: dict[str, list]) -> str:
    """Whether the direct loop and the adapter made the same trials (the adapter adds nothing to the algorithm)."""
    direct, adapter = (np.asarray(points[k], dtype=float) for k in ("direct", "adapter"))
    return "yes" if direct.shape == adapter.shape and np.allclose(direct, adapter, rtol=0, atol=1e-9) else "no"


def cases(trials: int) -> dict[str, tuple[Callable[[int], list], Callable, int]]:
    """name -> (direct loop, adapter maker, trials); the GP-based ones get fewer trials (seconds each)."""
    from functools import partial

    from hpobench.methods.peers.ax import Ax
    from hpobench.methods.peers.hyperopt import Hyperopt
    from hpobench.methods.peers.optuna import Optuna
    from hpobench.methods.peers.skopt import Skopt
    from hpobench.methods.peers.smac import SMAC
    from hpobench.methods.peers.syne_tune import SyneTune

    few = max(1, trials // 8)
    return {
        "optuna_random": (optuna_direct("RandomSampler"), partial(Optuna, sampler="RandomSampler"), trials),
        "optuna_qmc": (optuna_direct("QMCSampler"), partial(Optuna, sampler="QMCSampler"), trials),
        "optuna_tpe": (optuna_direct("TPESampler", multivariate=True),
                       partial(Optuna, settings={"multivariate": True}), trials),
        "optuna_tpe_univariate": (optuna_direct("TPESampler", multivariate=False),
                                  partial(Optuna, settings={"multivariate": False}), trials),
        "optuna_cmaes": (optuna_direct("CmaEsSampler"), partial(Optuna, sampler="CmaEsSampler"), trials),
        "optuna_gp": (optuna_direct("GPSampler"), partial(Optuna, sampler="GPSampler"), few),
        "skopt_gp": (skopt_direct("GP"), partial(Skopt, base_estimator="GP"), few),
        "skopt_rf": (skopt_direct("RF"), partial(Skopt, base_estimator="RF"), few),
        "hyperopt_tpe": (hyperopt_direct, Hyperopt, trials),
        "nevergrad": (nevergrad_direct("TwoPointsDE"), None, trials),
        "smac_bb": (smac_direct("BlackBoxFacade"), partial(SMAC, facade="blackbox"), 20),
        "smac_hpo": (smac_direct("HyperparameterOptimizationFacade"), partial(SMAC, facade="hpo"), few),
        "smac_hb": (smac_direct("HyperbandFacade"), partial(SMAC, facade="hyperband"), trials),
        "smac_mf": (smac_direct("MultiFidelityFacade"), partial(SMAC, facade="multi_fidelity"), trials),
        "ax": (ax_direct, Ax, 15),
        "syne_tune_bore": (syne_tune_direct("BORE"), partial(SyneTune, scheduler="bore"), few),
        "syne_tune_tpe": (syne_tune_direct("TPE"), partial(SyneTune, scheduler="tpe"), trials),
        "syne_tune_asha": (syne_tune_direct("ASHA"), partial(SyneTune, scheduler="asha"), trials),
        "syne_tune_bohb": (syne_tune_direct("BOHB"), partial(SyneTune, scheduler="bohb"), trials),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated adapter names")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall: time.perf_counter; cpu: time.process_time with one BLAS thread")
    args = parser.parse_args()
    if args.clock == "cpu":
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)  # process time then counts one thread's work, as the wall clock of a quiet machine
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    from functools import partial

    from hpobench.methods.peers.nevergrad import Nevergrad

    print("| adapter | library | trials | direct (ms/trial) | adapter (ms/trial) | added (µs/trial) | within | "
          "same trials |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (direct, make, n) in cases(args.trials).items():
        if args.only and name not in args.only.split(","):
            continue
        if make is None:  # Nevergrad's budget is the number of trials
            make = partial(Nevergrad, optimizer="TwoPointsDE", budget_evals=n)
        times, points = {"direct": [], "adapter": []}, {}
        fidelity = FIDELITY if name in MULTI_FIDELITY else None
        calls = (("direct", partial(direct, n)), ("adapter", partial(through_adapter, make, n, fidelity)))
        direct(min(n, 5)), through_adapter(make, min(n, 5), fidelity)  # warm up: imports, caches
        for _ in range(args.repeats):
            for kind, call in calls:
                gc.collect()  # garbage of the previous loop is not this one's cost
                start = clock()
                points[kind] = call()
                times[kind].append((clock() - start) / n)
        d, a = min(times["direct"]), min(times["adapter"])
        added = a - d
        ok = added <= max(0.05 * d, 50e-6)
        library = {"optuna": "optuna", "skopt": "scikit-optimize", "hyperopt": "hyperopt", "nevergrad": "nevergrad",
                   "smac": "smac", "ax": "ax-platform", "syne": "syne-tune"}[name.split("_")[0]]
        print(f"| {name} | {library} {_library.version_of(library)} | {n} | {d * 1e3:.3f} | {a * 1e3:.3f} | "
              f"{added * 1e6:+.0f} | {'yes' if ok else 'NO'} | {same(points)} |", flush=True)


if __name__ == "__main__":
    main()
