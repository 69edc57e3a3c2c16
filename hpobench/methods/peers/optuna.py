"""Optuna's samplers (Akiba et al., KDD 2019) through ``study.ask(fixed_distributions)`` / ``study.tell``."""

from __future__ import annotations

from typing import Any

import numpy as np

from hpobench.errors import UserError
from hpobench.fidelity import Fidelity
from hpobench.methods.base import Method
from hpobench.methods.peers import _library
from hpobench.space import Space
from hpobench.trial import Result, Trial

SAMPLERS = ("TPESampler", "GPSampler", "CmaEsSampler", "QMCSampler", "RandomSampler")


def distributions(optuna: Any, space: Space) -> dict[str, Any]:
    """Our space as Optuna's distributions, one per parameter, in space order."""
    d = optuna.distributions
    return space.translate(
        on_float=lambda name, p: d.FloatDistribution(p.low, p.high, log=p.log),
        on_int=lambda name, p: d.IntDistribution(p.low, p.high, log=p.log),
        on_categorical=lambda name, p: d.CategoricalDistribution(p.choices))


class Optuna(Method):
    """One of Optuna's samplers, asked and told through Optuna's ask-and-tell interface.

    Library: Optuna (Akiba, Sano, Yanase, Ohta & Koyama, "Optuna: A Next-generation
    Hyperparameter Optimization Framework", KDD 2019), ``optuna.samplers.<sampler>``:
    ``TPESampler`` (Bergstra et al., NeurIPS 2011; multivariate: Falkner et al., ICML 2018),
    ``GPSampler`` (GP-BO with log EI, as in Optuna's own implementation; ``greenlet``
    makes its batched L-BFGS-B about twice as fast), ``CmaEsSampler`` (Hansen &
    Ostermeier 2001, through the ``cmaes`` package), ``QMCSampler`` (scrambled Sobol),
    ``RandomSampler``.

    Defaults are Optuna's own; ``settings`` are passed to the sampler as they
    are (``optuna_tpe`` sets ``multivariate: true``, which Optuna 5 already
    takes for a single objective when it is left unset; ``optuna_tpe_univariate``
    sets ``multivariate: false``). Beyond Optuna the adapter only seeds
    the sampler from the method's generator and lowers Optuna's log level to
    WARNING (the runner records every trial; Optuna would print each one).

    Pending trials (``workers > 1``) are asked before earlier ones are told,
    as Optuna intends; each sampler treats running trials its own way (TPE's
    ``constant_liar`` is off by default). A failed trial (nan or infinite
    loss) is told as ``TrialState.FAIL``.

    Args:
        space, fidelity, rng: supplied by the runner.
        sampler: the class name in ``optuna.samplers``, one of ``SAMPLERS``.
        settings: keyword arguments of the sampler (not ``seed``).
    """

    def __init__(self, space: Space, fidelity: Fidelity | None, rng: np.random.Generator, *,
                 sampler: str = "TPESampler", settings: dict[str, Any] | None = None):
        super().__init__(space, fidelity, rng)
        optuna = _library.load("optuna", extra="optuna")
        _library.choose("sampler", sampler, SAMPLERS, "Optuna")
        settings = _library.library_settings(settings, "seed")
        if sampler == "GPSampler":
            _library.load("greenlet", extra="optuna")  # without it GPSampler runs, about twice as slow
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self._optuna = optuna
        self.sampler_name = sampler
        try:
            made = getattr(optuna.samplers, sampler)(seed=_library.seed_from(rng), **settings)
        except TypeError as error:
            raise UserError(f"method.settings do not fit optuna.samplers.{sampler} ({error}); "
                            f"use that sampler's keyword arguments.") from None
        self.study = optuna.create_study(sampler=made, direction="minimize")
        self._distributions = distributions(optuna, space)
        self._running: dict[int, Any] = {}

    def ask(self) -> Trial:
        asked = self.study.ask(self._distributions)
        params = asked.params  # a deep copy on every access
        trial = self.new_trial({name: params[name] for name in self.space.names})
        self._running[trial.id] = asked
        return trial

    def tell(self, trial: Trial, result: Result) -> None:
        asked = self._running.pop(trial.id)
        if result.failed:
            self.study.tell(asked, state=self._optuna.trial.TrialState.FAIL)
        else:
            self.study.tell(asked, float(result.loss))

    def describe(self) -> dict[str, Any]:
        return {**_library.describe(self, "optuna", "optuna"), "sampler": self.sampler_name}

