"""hyperopt's TPE driven through its ``Trials`` documents, as ``fmin`` drives it, one trial at a time."""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from hpobench.errors import UserError
from hpobench.fidelity import Fidelity
from hpobench.methods.base import Method
from hpobench.methods.peers import _library
from hpobench.space import Config, Space
from hpobench.trial import Result, Trial

ALGORITHMS = ("tpe", "rand", "anneal")


def search_space(hp: Any, space: Space) -> dict[str, Any]:
    """Our space as hyperopt's: uniform / loguniform, uniformint / qloguniform(q=1), choice (its value an index)."""
    return space.translate(
        on_float=lambda name, p: (hp.loguniform(name, math.log(p.low), math.log(p.high)) if p.log
                                  else hp.uniform(name, p.low, p.high)),
        on_int=lambda name, p: (hp.qloguniform(name, math.log(p.low), math.log(p.high), 1) if p.log
                                else hp.uniformint(name, p.low, p.high)),
        on_categorical=lambda name, p: hp.choice(name, list(p.choices)))


def _never_called(config: Config) -> float:
    raise RuntimeError("the runner evaluates hpobench trials; hyperopt's objective is not used")


class Hyperopt(Method):
    """hyperopt's suggestion algorithms (``tpe.suggest`` by default), driven the way ``fmin`` drives them.

    Library: hyperopt (Bergstra, Yamins & Cox, "Making a Science of Model Search", ICML
    2013); TPE: Bergstra, Bardenet, Bengio & Kégl, "Algorithms for Hyper-Parameter
    Optimization", NeurIPS 2011. Defaults are hyperopt's own (``n_startup_jobs=20``,
    ``gamma=0.25``, ``n_EI_candidates=24``, ``prior_weight=1``); ``settings`` are bound to
    the algorithm with ``functools.partial``, as hyperopt's documentation does.

    Each ask gets a new trial id from ``Trials``, calls ``<algorithm>.suggest``
    with a seed drawn from a generator seeded from the method's (as ``fmin``
    draws one per suggestion from its ``rstate``), inserts the document and
    marks it running; each tell writes the result into that document, as
    ``fmin``'s serial evaluation does: ``{"loss", "status": "ok"}``, or
    ``{"status": "fail"}`` for a failed trial (nan or infinite loss). Pending
    trials (``workers > 1``) stay in ``Trials`` as running documents, which
    TPE counts as trials of infinite loss, as in hyperopt's own parallel
    search. Beyond the library the adapter only clips values to their bounds
    (``exp(log(high))`` may round past ``high``).

    Args:
        space, fidelity, rng: supplied by the runner.
        algorithm: ``tpe``, ``rand`` or ``anneal`` (the hyperopt module whose ``suggest`` is used).
        settings: keyword arguments of that ``suggest`` (not ``seed``).
    """

    def __init__(self, space: Space, fidelity: Fidelity | None, rng: np.random.Generator, *,
                 algorithm: str = "tpe", settings: dict[str, Any] | None = None):
        super().__init__(space, fidelity, rng)
        hyperopt = _library.load("hyperopt", extra="hyperopt")
        _library.choose("algorithm", algorithm, ALGORITHMS, "hyperopt")
        settings = _library.library_settings(settings, "seed")
        self.algorithm = algorithm
        self._hyperopt = hyperopt
        self._suggest = functools.partial(getattr(hyperopt, algorithm).suggest, **settings)
        self._rstate = np.random.default_rng(_library.seed_from(rng))  # fmin's rstate
        self.domain = hyperopt.base.Domain(_never_called, search_space(hyperopt.hp, space))
        self.trials = hyperopt.Trials()
        self._docs: dict[int, dict] = {}  # our trial id -> its document in Trials

    def ask(self) -> Trial:
        hyperopt = self._hyperopt
        tids = self.trials.new_trial_ids(1)
        try:
            docs = self._suggest(tids, self.domain, self.trials, int(self._rstate.integers(2**31 - 1)))
        except TypeError as error:
            raise UserError(f"method.settings do not fit hyperopt.{self.algorithm}.suggest ({error}); "
                            f"use its keyword arguments.") from None
        self.trials.insert_trial_docs(docs)
        self.trials.refresh()
        doc = self.trials.trials[-1]  # the inserted copy: Trials stores its own
        assert doc["tid"] == tids[0], (doc["tid"], tids)
        doc["state"] = hyperopt.JOB_STATE_RUNNING
        trial = self.new_trial(self._config({k: v[0] for k, v in doc["misc"]["vals"].items()}))
        self._docs[trial.id] = doc
        return trial

    def tell(self, trial: Trial, result: Result) -> None:
        hyperopt = self._hyperopt
        doc = self._docs.pop(trial.id)
        doc["result"] = ({"status": hyperopt.STATUS_FAIL} if result.failed
                         else {"loss": float(result.loss), "status": hyperopt.STATUS_OK})
        doc["state"] = hyperopt.JOB_STATE_DONE
        self.trials.refresh()

    def _config(self, vals: dict[str, Any]) -> Config:
        return self.space.translate(
            on_float=lambda name, p: min(max(float(vals[name]), p.low), p.high),  # exp(log(high)) may round over
            on_int=lambda name, p: min(max(round(float(vals[name])), p.low), p.high),
            on_categorical=lambda name, p: p.choices[int(vals[name])])

    def describe(self) -> dict[str, Any]:
        return {**_library.describe(self, "hyperopt", "hyperopt"), "algorithm": self.algorithm}
