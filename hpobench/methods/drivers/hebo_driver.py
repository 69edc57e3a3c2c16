"""HEBO (Cowen-Rivers, Lyu, Tutunov, Wang, Grosnit, Griffiths, Maraval, Jianye,
Wang, Peters & Bou-Ammar, "HEBO: Pushing the Limits of Sample-Efficient
Hyperparameter Optimisation", JAIR 2022), driven through its
``suggest``/``observe`` interface inside its own environment.

Loaded by ``worker.py`` (see there for the driver contract); imports nothing
from hpobench. The space becomes a HEBO ``DesignSpace`` (``num``/``pow`` for
linear/log floats, ``int``/``pow_int`` for integers, ``cat`` with a choice's
index as its category), and HEBO runs with its defaults (GP surrogate, MACE
acquisition optimised by NSGA-II, ``1 + d`` Sobol points first).

What the driver adds, and why:

* HEBO draws from numpy's and torch's global generators (its Sobol points
  take ``scramble_seed``); the driver seeds both once, from the run's seed, in
  the worker process, which belongs to this run alone.
* HEBO has no notion of pending trials: with several workers each free
  worker gets ``suggest(1)`` on the results told so far, so trials asked
  before any new result may be close to each other (HEBO's own batch mode,
  ``suggest(n)``, needs the batch size up front, which an asynchronous run
  does not have).
* A failed trial is observed with a nan loss, which ``observe`` drops, as
  HEBO does with every non-finite value.
"""

import numpy as np
import torch
from hebo.design_space.design_space import DesignSpace
from hebo.optimizers.hebo import HEBO


class HEBODriver:
    library = "hebo"

    def __init__(self, space, fidelity, seed, settings):
        np.random.seed(seed % 2**32)  # HEBO draws from here; this process is HEBO's alone
        torch.manual_seed(seed)
        self.space = space
        design = DesignSpace().parse([_parameter(p) for p in space])
        self.hebo = HEBO(design, scramble_seed=seed, **settings)
        self.fidelity = None if fidelity is None else fidelity["max"]
        self.asked = {}  # our trial id -> the row HEBO suggested

    def ask(self, trial_id):
        row = self.hebo.suggest(n_suggestions=1)
        self.asked[trial_id] = row
        return {"config": self._decode(row.iloc[0]), "fidelity": self.fidelity, "parent": None}

    def tell(self, trial_id, loss, cost):
        self.hebo.observe(self.asked.pop(trial_id), np.array([[loss]], dtype=float))

    def _decode(self, row):
        config = {}
        for p in self.space:
            value = row[p["name"]]
            if p["kind"] == "categorical":
                config[p["name"]] = p["choices"][int(value)]
            elif p["kind"] == "int":
                config[p["name"]] = min(max(round(float(value)), p["low"]), p["high"])
            else:
                config[p["name"]] = min(max(float(value), p["low"]), p["high"])
        return config


def _parameter(p):
    name = p["name"]
    if p["kind"] == "categorical":
        return {"name": name, "type": "cat", "categories": [str(i) for i in range(len(p["choices"]))]}
    kind = {"float": "num", "int": "int"}[p["kind"]]
    if p["log"]:
        kind = {"num": "pow", "int": "pow_int"}[kind]
    return {"name": name, "type": kind, "lb": p["low"], "ub": p["high"]}
