"""What running a method in its own environment adds per trial, against its library's own ask/tell loop.

For DEHB, HEBO or Nevergrad's NGOpt (in the environment ``conf/method/dehb.yaml``,
``hebo.yaml`` or ``nevergrad_ngopt.yaml`` makes), times two loops over the same
objective (a 6-D quadratic with fidelity z on [3, 100]; HEBO and NGOpt,
black-box, at z = 100), with the same number of trials and one worker:

* direct: ``dehb.DEHB.ask`` / ``tell`` (HEBO: ``suggest`` / ``observe``;
  NGOpt: ``ask`` / ``tell``, told the budget) in a plain loop, run by the
  environment's Python (the wall time in those two calls only), the library
  seeded as the driver seeds it from the seed the method hands its worker
  (one draw from the method's generator) and with ``PYTHONHASHSEED=0`` as the
  worker has, so that both loops make the same trials;
* through hpobench: the ``dehb`` (``hebo``, ``nevergrad_ngopt``) method run by hpobench's runner,
  whose ``optimizer_time`` per trial covers the driver, the JSON messages over
  the pipes and the runner's bookkeeping around ask and tell.

The two loops take turns (which goes first alternates), and each repetition
checks that they made the same trials (configurations and fidelities, equal to 1e-9).

    python scripts/bench_isolated_overhead.py --trials 2000
    python scripts/bench_isolated_overhead.py --method hebo --trials 15   # seconds per suggestion
    python scripts/bench_isolated_overhead.py --method nevergrad_ngopt --trials 200
    python scripts/bench_isolated_overhead.py --method none --trials 3000 --repeats 6

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
from functools import partial
from pathlib import Path

from omegaconf import OmegaConf

from hpobench import Budget, Fidelity, Float, Result, Space, Task, Trial, run
from hpobench.app import CONF_DIR
from hpobench.methods.isolated import IsolatedMethod
from hpobench.methods.venvs import ensure_env, python_of
from hpobench.runner import method_rng

# Each loop seeds its library as the driver does (hpobench/methods/drivers/) and prints its time in ask and
# tell per trial and the trials it made: [x0, ..., x5, fidelity] each.
DEHB = r"""
import json, sys, tempfile, time
import ConfigSpace
from dehb import DEHB
n, seed = int(sys.argv[1]), int(sys.argv[2])
cs = ConfigSpace.ConfigurationSpace(seed=seed)
for i in range(6):
    cs.add(ConfigSpace.UniformFloatHyperparameter(f"x{i}", 0.0, 1.0))
dehb = DEHB(cs=cs, min_fidelity=3, max_fidelity=100, seed=seed, n_workers=1, output_path=tempfile.mkdtemp(),
            save_freq="end")
spent, trials = 0.0, []
for _ in range(n):
    tic = time.perf_counter()
    job = dehb.ask()
    spent += time.perf_counter() - tic
    c = dict(job["config"])
    trials.append([float(c[f"x{i}"]) for i in range(6)] + [float(job["fidelity"])])
    loss = sum((c[f"x{i}"] - 0.5) ** 2 for i in range(6)) + 1.0 / job["fidelity"]
    tic = time.perf_counter()
    dehb.tell(job, {"fitness": float(loss), "cost": float(job["fidelity"])})
    spent += time.perf_counter() - tic
print(json.dumps({"seconds": spent / n, "trials": trials}))
"""

HEBO = r"""
import json, sys, time
import numpy as np, torch
from hebo.design_space.design_space import DesignSpace
from hebo.optimizers.hebo import HEBO
n, seed = int(sys.argv[1]), int(sys.argv[2])
np.random.seed(seed % 2**32)
torch.manual_seed(seed)
hebo = HEBO(DesignSpace().parse([{"name": f"x{i}", "type": "num", "lb": 0.0, "ub": 1.0} for i in range(6)]),
            scramble_seed=seed)
spent, trials = 0.0, []
for _ in range(n):
    tic = time.perf_counter()
    row = hebo.suggest(n_suggestions=1)
    spent += time.perf_counter() - tic
    c = row.iloc[0]
    trials.append([float(c[f"x{i}"]) for i in range(6)] + [100.0])
    loss = sum((float(c[f"x{i}"]) - 0.5) ** 2 for i in range(6)) + 1.0 / 100
    tic = time.perf_counter()
    hebo.observe(row, np.array([[loss]], dtype=float))
    spent += time.perf_counter() - tic
print(json.dumps({"seconds": spent / n, "trials": trials}))
"""

NGOPT = r"""
import json, sys, time
import nevergrad as ng, numpy as np
n, seed = int(sys.argv[1]), int(sys.argv[2])
global_seed, param_seed = np.random.SeedSequence(seed).generate_state(2)
np.random.seed(global_seed)
param = ng.p.Dict(**{f"x{i}": ng.p.Scalar(lower=0.0, upper=1.0) for i in range(6)})
param.random_state = np.random.RandomState(param_seed)
opt = ng.optimizers.registry["NGOpt"](parametrization=param, budget=n, num_workers=1)
spent, trials = 0.0, []
for _ in range(n):
    tic = time.perf_counter()
    candidate = opt.ask()
    spent += time.perf_counter() - tic
    trials.append([float(candidate.value[f"x{i}"]) for i in range(6)] + [100.0])
    loss = sum((candidate.value[f"x{i}"] - 0.5) ** 2 for i in range(6)) + 1.0 / 100
    tic = time.perf_counter()
    opt.tell(candidate, loss)
    spent += time.perf_counter() - tic
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
    args = parser.parse_args()
    if args.method == "none":
        return _messages_alone(args.trials, args.repeats)
    settings = OmegaConf.to_container(OmegaConf.load(CONF_DIR / "method" / f"{args.method}.yaml"))
    if "budget" in settings["settings"]:  # what a run tells NGOpt: its evaluation limit and one worker
        settings["settings"].update(budget=args.trials, num_workers=1)
    python = python_of(ensure_env(settings["requirements"]))
    make = partial(IsolatedMethod, requirements=settings["requirements"], driver=settings["driver"],
                   requires=settings.get("requires", []), settings=settings["settings"])
    loop = {"dehb": DEHB, "hebo": HEBO, "nevergrad_ngopt": NGOPT}[args.method]
    print("| repetition | direct (µs per trial) | through hpobench (µs per trial) | added (µs) | added (%) | "
          "same trials |")
    print("|---:|---:|---:|---:|---:|---|")
    added = []
    for k in range(args.repeats):
        if k % 2:  # the two loops take turns going first
            records, plain = _through_hpobench(make, k, args.trials), _direct(python, loop, k, args.trials)
        else:
            plain, records = _direct(python, loop, k, args.trials), _through_hpobench(make, k, args.trials)
        assert all(r.status == "ok" for r in records), "an evaluation failed"
        ours = sum(r.optimizer_time for r in records) / len(records)
        made = [[r.config[f"x{i}"] for i in range(6)] + [r.fidelity] for r in records]
        same = len(made) == len(plain["trials"]) and all(
            math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
            for x, y in zip(made, plain["trials"], strict=True) for a, b in zip(x, y, strict=True))
        direct = plain["seconds"]
        added.append(ours - direct)
        print(f"| {k} | {direct * 1e6:.0f} | {ours * 1e6:.0f} | {(ours - direct) * 1e6:+.0f} | "
              f"{100 * (ours - direct) / direct:+.1f} | {'yes' if same else 'NO'} |", flush=True)
    print(f"\nmedian added per trial: {statistics.median(added) * 1e6:+.0f} µs")


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


def _direct(python, loop: str, seed: int, trials: int) -> dict:
    """The library's own loop, seeded as the driver seeds it in the run of this seed."""
    library_seed = int(method_rng(seed).integers(2**31 - 1))  # the draw IsolatedMethod hands its worker
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # as the worker runs (hpobench.methods.isolated)
    done = subprocess.run([str(python), "-c", loop, str(trials), str(library_seed)], check=True,
                          capture_output=True, text=True, env=env)
    return json.loads(done.stdout.splitlines()[-1])


def _through_hpobench(make, seed: int, trials: int) -> list:
    return run(make, Quadratic(), seed=seed, budget=Budget(evals=trials), workers=1).records


if __name__ == "__main__":
    main()
