"""Nevergrad (Rapin & Teytaud, "Nevergrad - A gradient-free optimization
platform", 2018) in an environment of its own, for its algorithm selector
``NGOpt`` (Meunier et al., "Black-Box Optimization Revisited", IEEE TEVC
2022), which hangs beside hpobench's numpy 2.4: the metamodel it picks for
small budgets calls ``float()`` on a one-element array, which numpy 2.4
refuses, inside a Nevergrad worker thread, so its ask never returns
(nevergrad 1.0.12, ``optimization/metamodel.py``). conf/method/nevergrad_ngopt.yaml
pins numpy 2.3, where that call still works.

Loaded by ``worker.py`` (see there for the driver contract); imports nothing
from hpobench. It does what the in-process adapter
(``hpobench/methods/peers/nevergrad.py``) does: the space becomes a Nevergrad
``Dict`` (``Scalar`` or ``Log``, integer casting for integers, ``Choice``)
whose ``random_state`` is a ``RandomState`` seeded from the run's seed, set
before the optimiser is built with the run's ``budget`` and ``num_workers`` (both of
which NGOpt uses to choose); pending trials are asked before earlier ones are
told; a failed trial's nan is told as it is (Nevergrad clips it to 5e20).

What the driver adds, and why: some of Nevergrad's optimisers draw from
numpy's global generator, which the driver seeds once from the run's seed
(this process belongs to the run alone; the parametrization gets a second
stream of the same seed); values are clipped to their bounds against
round-off; NGOpt without an evaluation limit is refused at once, where
Nevergrad would fail an assertion at its first ask.
"""

import nevergrad as ng
import numpy as np


class NotApplicable(ValueError):
    """The run lacks what the optimiser needs (worker.py reports it as such: a sweep skips the pair)."""


class NevergradDriver:
    library = "nevergrad"

    def __init__(self, space, fidelity, seed, settings):
        global_seed, param_seed = np.random.SeedSequence(seed).generate_state(2)  # two streams from the one seed
        np.random.seed(global_seed)  # Nevergrad's draws from numpy's global generator; this process is the run's
        self.space = space
        param = ng.p.Dict(**{p["name"]: _parameter(p) for p in space})
        param.random_state = np.random.RandomState(param_seed)
        settings = dict(settings)
        name = settings.pop("optimizer", "NGOpt")
        if name == "NGOpt" and settings.get("budget") is None:  # else its first ask fails an assertion
            raise NotApplicable("NGOpt chooses its algorithm by the number of evaluations, so it needs a run "
                                "with an evaluation limit; give the run budget.evals=N.")
        self.optimizer = ng.optimizers.registry[name](parametrization=param, budget=settings.pop("budget", None),
                                                      num_workers=settings.pop("num_workers", 1), **settings)
        self.asked = {}  # our trial id -> Nevergrad's candidate

    def ask(self, trial_id):
        candidate = self.optimizer.ask()
        self.asked[trial_id] = candidate
        return {"config": self._decode(candidate.value), "fidelity": None, "parent": None}

    def tell(self, trial_id, loss, cost):
        self.optimizer.tell(self.asked.pop(trial_id), loss)

    def _decode(self, value):
        config = {}
        for p in self.space:
            v = value[p["name"]]
            if p["kind"] == "categorical":
                config[p["name"]] = v
            elif p["kind"] == "int":
                config[p["name"]] = min(max(int(v), p["low"]), p["high"])
            else:
                config[p["name"]] = min(max(float(v), p["low"]), p["high"])
        return config


def _parameter(p):
    if p["kind"] == "categorical":
        return ng.p.Choice(list(p["choices"]))
    made = (ng.p.Log if p["log"] else ng.p.Scalar)(lower=p["low"], upper=p["high"])
    return made.set_integer_casting() if p["kind"] == "int" else made
