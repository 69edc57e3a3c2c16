"""DEHB (Awad, Mallik & Hutter, "DEHB: Evolutionary Hyperband for Scalable,
Robust and Efficient Hyperparameter Optimization", IJCAI 2021), driven through
the ``dehb`` package's ``ask``/``tell`` interface inside its own environment.

Loaded by ``worker.py`` (see there for the driver contract); imports nothing
from hpobench. The space becomes a ConfigSpace ``ConfigurationSpace``
(floats and integers with their log flags; a categorical's choices become
their indices as strings, mapped back to the values on the way out), and DEHB
runs with its own defaults (``eta=3``, ``mutation_factor=0.5``,
``crossover_prob=0.5``, ``strategy="rand1_bin"``, ``async_strategy="immediate"``)
over the task's fidelity range unless the YAML's settings say otherwise.

What the driver adds, and why:

* DEHB is built with ``n_workers=1`` (no Dask client: the runner simulates
  the workers and asks whenever one is free; DEHB's ``ask`` hands out new
  jobs while others are pending, starting a new bracket when the running ones
  wait), ``save_freq="end"`` and its ``output_path`` in the worker's
  temporary folder (DEHB writes its state files only when ``run`` ends, which
  the ask/tell interface never calls).
* A job whose ``config_id`` was already evaluated at a lower fidelity is
  DEHB promoting that configuration (in its first Hyperband iterations):
  it is asked with that trial as its ``parent``. Mutants get new ids and no
  parent.
* A failed trial is told with fitness ``inf``, DEHB's own marker of an
  individual without a result, so it is never promoted nor the incumbent.
"""

import tempfile

import ConfigSpace
import numpy as np
from dehb import DEHB

SETTINGS_WE_SET = ("cs", "f", "min_fidelity", "max_fidelity", "seed", "n_workers", "output_path")


class DEHBDriver:
    library = "dehb"

    def __init__(self, space, fidelity, seed, settings):
        if fidelity is None:
            raise ValueError("DEHB is multi-fidelity: it needs a task with a fidelity")
        clash = sorted(set(settings) & set(SETTINGS_WE_SET))
        if clash:
            raise ValueError(f"settings {clash} are set by the driver from the task and the run")
        self.space = space
        self.cs = ConfigSpace.ConfigurationSpace(seed=seed)
        for p in space:
            self.cs.add(_hyperparameter(p))
        self.output = tempfile.mkdtemp(prefix="dehb-")  # inside the worker's own temporary folder
        self.dehb = DEHB(cs=self.cs, min_fidelity=fidelity["min"], max_fidelity=fidelity["max"], seed=seed,
                         n_workers=1, output_path=self.output, save_freq="end", **settings)
        self.jobs = {}  # our trial id -> DEHB's job_info
        self.evaluated = {}  # DEHB config_id -> (our trial id, fidelity) of its latest finished evaluation

    def ask(self, trial_id):
        job = self.dehb.ask()
        self.jobs[trial_id] = job
        earlier = self.evaluated.get(int(job["config_id"]))
        parent = earlier[0] if earlier is not None and earlier[1] < job["fidelity"] else None
        return {"config": self._decode(job["config"]), "fidelity": float(job["fidelity"]), "parent": parent}

    def tell(self, trial_id, loss, cost):
        job = self.jobs.pop(trial_id)
        fitness = loss if np.isfinite(loss) else np.inf
        self.dehb.tell(job, {"fitness": float(fitness), "cost": float(cost)})
        self.evaluated[int(job["config_id"])] = (trial_id, job["fidelity"])

    def _decode(self, configuration):
        values = dict(configuration)
        config = {}
        for p in self.space:
            value = values[p["name"]]
            if p["kind"] == "categorical":
                config[p["name"]] = p["choices"][int(value)]
            elif p["kind"] == "int":
                config[p["name"]] = int(value)
            else:
                config[p["name"]] = min(max(float(value), p["low"]), p["high"])  # exp(log) rounding at the ends
        return config


def _hyperparameter(p):
    name = p["name"]
    if p["kind"] == "float":
        return ConfigSpace.UniformFloatHyperparameter(name, p["low"], p["high"], log=p["log"])
    if p["kind"] == "int":
        return ConfigSpace.UniformIntegerHyperparameter(name, p["low"], p["high"], log=p["log"])
    return ConfigSpace.CategoricalHyperparameter(name, [str(i) for i in range(len(p["choices"]))])
