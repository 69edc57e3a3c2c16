"""What running a method in its own environment adds per trial, against its library's own ask/tell loop.

For DEHB, HEBO or Nevergrad's NGOpt (in the environment ``conf/method/dehb.yaml``,
``hebo.yaml`` or ``nevergrad_ngopt.yaml`` makes), times three loops over the
same objective (a 6-D quadratic with fidelity z on [3, 100]; HEBO and NGOpt,
black-box, at z = 100), with the same number of trials and one worker:

* library: ``dehb.DEHB.ask`` / ``tell`` (HEBO: ``suggest`` / ``observe``;
  NGOpt: ``ask`` / ``tell``, told the budget) in a plain loop, run by the
  environment's Python (the time in those two calls only), the library
  seeded as the driver seeds it from the seed the method hands its worker
  (one draw from the method's generator) and with ``PYTHONHASHSEED=0`` as the
  worker has, so that all loops make the same trials;
* driver: the driver hpobench runs in the worker (``hpobench/methods/drivers/``),
  its ``ask`` / ``tell`` in the same plain loop in the same Python: what the
  adapter adds over its library;
* through hpobench: the ``dehb`` (``hebo``, ``nevergrad_ngopt``) method run by hpobench's runner,
  whose ``optimizer_time`` per trial covers the driver, the JSON messages over
  the pipes, the two processes waking each other and the runner's
  bookkeeping around ask and tell: less the driver's loop, what the process
  boundary adds.

The loops take turns going first, and each repetition checks that they made
the same trials (configurations and fidelities, equal to 1e-9).

    python scripts/bench_isolated_overhead.py --trials 2000
    python scripts/bench_isolated_overhead.py --method hebo --trials 15   # seconds per suggestion
    python scripts/bench_isolated_overhead.py --method nevergrad_ngopt --trials 200
    python scripts/bench_isolated_overhead.py --method none --trials 3000 --repeats 6

``--clock cpu`` counts CPU time instead of wall time, with BLAS and OpenMP held
to one thread in all loops: in the library's and the driver's loops the
process's CPU time in ask and tell; through hpobench the runner's CPU time in the method's ``ask`` and
``tell`` plus all the worker's CPU time after it started (read from
``/proc/<pid>/stat``, which counts in 10 ms ticks, so give it seconds of
work). That is what a sweep of parallel runs pays per trial: the time a
process spends asleep, waiting to be woken by the other's message, is not
spent, and another run uses the core meanwhile.

Prints one Markdown table row per repetition and the median difference per trial.
``--method none`` measures the messages alone: a driver that does nothing, in
a bare environment, run with the tell's answer read with the next ask's (as
hpobench does) and read at once (as it did before), taking turns.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import tempfile
import time
from functools import partial
from pathlib import Path

from omegaconf import OmegaConf

from hpobench import Budget, Fidelity, Float, Result, Space, Task, Trial, run
from hpobench.app import CONF_DIR
from hpobench.methods.isolated import DRIVERS, IsolatedMethod
from hpobench.methods.venvs import ensure_env, python_of
from hpobench.runner import method_rng

# Each loop seeds its library as the driver does (hpobench/methods/drivers/) and prints its time in ask and
# tell per trial and the trials it made: [x0, ..., x5, fidelity] each.
DEHB = r"""
import json, sys, tempfile, time
import ConfigSpace
from dehb import DEHB
n, seed = int(sys.argv[1]), int(sys.argv[2])
clock = getattr(time, sys.argv[3])
cs = ConfigSpace.ConfigurationSpace(seed=seed)
for i in range(6):
    cs.add(ConfigSpace.UniformFloatHyperparameter(f"x{i}", 0.0, 1.0))
dehb = DEHB(cs=cs, min_fidelity=3, max_fidelity=100, seed=seed, n_workers=1, output_path=tempfile.mkdtemp(),
            save_freq="end")
spent, trials = 0.0, []
for _ in range(n):
    tic = clock()
    job = dehb.ask()
    spent += clock() - tic
    c = dict(job["config"])
    trials.append([float(c[f"x{i}"]) for i in range(6)] + [float(job["fidelity"])])
    loss = sum((c[f"x{i}"] - 0.5) ** 2 for i in range(6)) + 1.0 / job["fidelity"]
    tic = clock()
    dehb.tell(job, {"fitness": float(loss), "cost": float(job["fidelity"])})
    spent += clock() - tic
print(json.dumps({"seconds": spent / n, "trials": trials}))
"""

HEBO = r"""
import json, sys, time
import numpy as np, torch
from hebo.design_space.design_space import DesignSpace
from hebo.optimizers.hebo import HEBO
n, seed = int(sys.argv[1]), int(sys.argv[2])
clock = getattr(time, sys.argv[3])
np.random.seed(seed % 2**32)
torch.manual_seed(seed)
hebo = HEBO(DesignSpace().parse([{"name": f"x{i}", "type": "num", "lb": 0.0, "ub": 1.0} for i in range(6)]),
            scramble_seed=seed)
spent, trials = 0.0, []
for _ in range(n):
    tic = clock()
    row = hebo.suggest(n_suggestions=1)
    spent += clock() - tic
    c = row.iloc[0]
    trials.append([float(c[f"x{i}"]) for i in range(6)] + [100.0])
    loss = sum((float(c[f"x{i}"]) - 0.5) ** 2 for i in range(6)) + 1.0 / 100
    tic = clock()
    hebo.observe(row, np.array([[loss]], dtype=float))
    spent += clock() - tic
print(json.dumps({"seconds": spent / n, "trials": trials}))
"""

NGOPT = r"""
import json, sys, time
import nevergrad as ng, numpy as np
n, seed = int(sys.argv[1]), int(sys.argv[2])
clock = getattr(time, sys.argv[3])
global_seed, param_seed = np.random.SeedSequence(seed).generate_state(2)
np.random.seed(global_seed)
param = ng.p.Dict(**{f"x{i}": ng.p.Scalar(lower=0.0, upper=1.0) for i in range(6)})
param.random_state = np.random.RandomState(param_seed)
opt = ng.optimizers.registry["NGOpt"](parametrization=param, budget=n, num_workers=1)
spent, trials = 0.0, []
for _ in range(n):
    tic = clock()
    candidate = opt.ask()
    spent += clock() - tic
    trials.append([float(candidate.value[f"x{i}"]) for i in range(6)] + [100.0])
    loss = sum((candidate.value[f"x{i}"] - 0.5) ** 2 for i in range(6)) + 1.0 / 100
    tic = clock()
    opt.tell(candidate, loss)
    spent += clock() - tic
print(json.dumps({"seconds": spent / n, "trials": trials}))
"""


# The driver hpobench runs in the worker (hpobench/methods/drivers/), called in the same plain loop by the
# environment's Python: what the adapter adds over its library, without the process boundary.
DRIVER = r"""
import json, sys, time
n, seed = int(sys.argv[1]), int(sys.argv[2])
clock = getattr(time, sys.argv[3])
sys.path.insert(0, sys.argv[4])
module, _, name = sys.argv[5].partition(":")
space, fidelity, settings = (json.loads(a) for a in sys.argv[6:9])
driver = getattr(__import__(module), name)(space, fidelity, seed, settings)
spent, trials = 0.0, []
for i in range(n):
    tic = clock()
    asked = driver.ask(i)
    spent += clock() - tic
    c, z = asked["config"], asked["fidelity"] or 100.0  # a black-box driver's trials run at z = 100
    trials.append([float(c[f"x{j}"]) for j in range(6)] + [float(z)])
    loss = sum((c[f"x{j}"] - 0.5) ** 2 for j in range(6)) + 1.0 / z
    tic = clock()
    driver.tell(i, loss, float(z))
    spent += clock() - tic
print(json.dumps({"seconds": spent / n, "trials": trials}))
"""


class Quadratic(Task):
    """The same objective as the direct loop's."""

    space = Space({f"x{i}": Float(0.0, 1.0) for i in range(6)})
    fidelity = Fidelity("z", 3, 100, integer=False)

    def evaluate(self, trial: Trial, seed: int) -> Result:
        c, z = trial.config, self.fidelity.max if trial.fidelity is None else trial.fidelity  # None: black-box
        return Result(sum((c[f"x{i}"] - 0.5) ** 2 for i in range(6)) + 1.0 / z, z)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--method", choices=("dehb", "hebo", "nevergrad_ngopt", "none"), default="dehb")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall: time.perf_counter; cpu: both processes' CPU time, BLAS on one thread")
    args = parser.parse_args()
    if args.clock == "cpu":  # before any worker starts: the worker and the direct loop inherit these
        os.environ.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    if args.method == "none":
        return _messages_alone(args.trials, args.repeats)
    settings = OmegaConf.to_container(OmegaConf.load(CONF_DIR / "method" / f"{args.method}.yaml"))
    if "budget" in settings["settings"]:  # what a run tells NGOpt: its evaluation limit and one worker
        settings["settings"].update(budget=args.trials, num_workers=1)
    python = python_of(ensure_env(settings["requirements"]))
    make = partial(IsolatedMethod, requirements=settings["requirements"], driver=settings["driver"],
                   requires=settings.get("requires", []), settings=settings["settings"])
    library_loop = {"dehb": DEHB, "hebo": HEBO, "nevergrad_ngopt": NGOPT}[args.method]
    driver_args = [str(DRIVERS), settings["driver"], json.dumps(Quadratic.space.as_data()),
                   json.dumps(vars(Quadratic.fidelity)), json.dumps(settings["settings"])]
    through = _through_hpobench_cpu if args.clock == "cpu" else _through_hpobench
    clock = "process_time" if args.clock == "cpu" else "perf_counter"
    print("| repetition | library (µs per trial) | driver in a plain loop | through hpobench | the driver adds | "
          "the process boundary adds | same trials |")
    print("|---:|---:|---:|---:|---:|---:|---|")
    added = {"driver": [], "boundary": []}
    for k in range(args.repeats):
        loops = {"library": lambda k=k: _direct(python, library_loop, k, args.trials, clock),
                 "driver": lambda k=k: _direct(python, DRIVER, k, args.trials, clock, driver_args),
                 "hpobench": lambda k=k: through(make, k, args.trials)}
        order = list(loops)[k % 3:] + list(loops)[:k % 3]  # the three loops take turns going first
        done = {name: loops[name]() for name in order}
        records, ours = done["hpobench"]
        assert all(r.status == "ok" for r in records), "an evaluation failed"
        made = [[r.config[f"x{i}"] for i in range(6)] + [r.fidelity] for r in records]
        same = all(_same_trials(made, done[name]["trials"]) for name in ("library", "driver"))
        library, driver = done["library"]["seconds"], done["driver"]["seconds"]
        added["driver"].append(driver - library)
        added["boundary"].append(ours - driver)
        print(f"| {k} | {library * 1e6:.0f} | {driver * 1e6:.0f} | {ours * 1e6:.0f} | "
              f"{(driver - library) * 1e6:+.0f} µs ({100 * (driver - library) / library:+.1f} %) | "
              f"{(ours - driver) * 1e6:+.0f} µs ({100 * (ours - driver) / library:+.1f} %) | "
              f"{'yes' if same else 'NO'} |", flush=True)
    print(f"\nmedian per trial: the driver adds {statistics.median(added['driver']) * 1e6:+.0f} µs, "
          f"the process boundary {statistics.median(added['boundary']) * 1e6:+.0f} µs")


def _same_trials(made: list[list[float]], other: list[list[float]]) -> bool:
    return len(made) == len(other) and all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
                                           for x, y in zip(made, other, strict=True) for a, b in zip(x, y, strict=True))


NOTHING = """
class Nothing:
    library = None

    def __init__(self, space, fidelity, seed, settings):
        self.config = {p["name"]: 0.5 for p in space}

    def ask(self, trial_id):
        return {"config": self.config, "fidelity": 50.0, "parent": None}

    def tell(self, trial_id, loss, cost):
        pass
"""


def _tell_and_wait(self, trial: Trial, result: Result) -> None:
    """IsolatedMethod.tell as it was: waiting for the tell's answer."""
    self._worker.call({"op": "tell", "trial": trial.id, "loss": result.loss, "cost": result.cost})


def _messages_alone(trials: int, repeats: int) -> None:
    ways = {"tell's answer read with the next ask's (now)": IsolatedMethod.tell,
            "tell's answer read at once (before)": _tell_and_wait}
    per_trial = {name: [] for name in ways}
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "nothing_driver.py").write_text(NOTHING)
        make = partial(IsolatedMethod, requirements=[], driver="nothing_driver:Nothing", paths=[folder],
                       requires=["fidelity"])
        for k in range(repeats):
            for name in sorted(ways, reverse=k % 2 == 1):  # taking turns going first
                IsolatedMethod.tell = ways[name]
                records = run(make, Quadratic(), seed=k, budget=Budget(evals=trials), workers=1).records
                per_trial[name].append(statistics.median(r.optimizer_time for r in records))
    IsolatedMethod.tell = ways["tell's answer read with the next ask's (now)"]
    print("| messages | median optimizer_time per trial (µs), per repetition | median |")
    print("|---|---|---:|")
    for name, times in per_trial.items():
        print(f"| {name} | {', '.join(f'{t * 1e6:.0f}' for t in times)} | {statistics.median(times) * 1e6:.0f} |")


def _direct(python, loop: str, seed: int, trials: int, clock: str, extra: list[str] = ()) -> dict:
    """A plain loop in the environment's Python, seeded as the driver is in the run of this seed."""
    library_seed = int(method_rng(seed).integers(2**31 - 1))  # the draw IsolatedMethod hands its worker
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # as the worker runs (hpobench.methods.isolated)
    done = subprocess.run([str(python), "-c", loop, str(trials), str(library_seed), clock, *extra], check=True,
                          capture_output=True, text=True, env=env)
    return json.loads(done.stdout.splitlines()[-1])


def _through_hpobench(make, seed: int, trials: int) -> tuple[list, float]:
    """The run's records and its wall time per trial in the method (``optimizer_time``)."""
    records = run(make, Quadratic(), seed=seed, budget=Budget(evals=trials), workers=1).records
    return records, sum(r.optimizer_time for r in records) / len(records)


def _through_hpobench_cpu(make, seed: int, trials: int) -> tuple[list, float]:
    """The run's records and the CPU time per trial of the runner in ``ask``/``tell`` and of the worker."""
    built, runner_cpu = [], [0.0]

    def timed(call):
        def wrapper(*args):
            tic = time.process_time()
            try:
                return call(*args)
            finally:
                runner_cpu[0] += time.process_time() - tic
        return wrapper

    def make_and_keep(*args, **kwargs):  # the worker has started and answered when the method is built
        method = make(*args, **kwargs)
        built.append((method, _cpu_seconds(method._running.process.pid)))
        return method

    ask, tell = IsolatedMethod.ask, IsolatedMethod.tell
    IsolatedMethod.ask, IsolatedMethod.tell = timed(ask), timed(tell)
    try:
        records = run(make_and_keep, Quadratic(), seed=seed, budget=Budget(evals=trials), workers=1).records
    finally:
        IsolatedMethod.ask, IsolatedMethod.tell = ask, tell
    (method, started), = built
    worker_cpu = _cpu_seconds(method._running.process.pid) - started  # kept alive by ``built`` until now
    method._running.close()
    return records, (runner_cpu[0] + worker_cpu) / len(records)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process, all its threads, from ``/proc/<pid>/stat``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


if __name__ == "__main__":
    main()
