"""Nevergrad's optimisers (``NGOpt``, ``CMA``, ``TwoPointsDE``, ``PSO``, …) through their ``ask`` / ``tell``."""

from __future__ import annotations

from typing import Any

import numpy as np

from hpobench.errors import UserError
from hpobench.fidelity import Fidelity
from hpobench.methods.base import Method
from hpobench.methods.peers import _library
from hpobench.space import Config, Space
from hpobench.trial import Result, Trial


def parametrization(ng: Any, space: Space) -> Any:
    """Our space as a Nevergrad ``Dict``: Scalar / Log (integer casting for an Int), Choice."""
    def numeric(p: Any) -> Any:
        return (ng.p.Log if p.log else ng.p.Scalar)(lower=p.low, upper=p.high)

    return ng.p.Dict(**space.translate(
        on_float=lambda name, p: numeric(p),
        on_int=lambda name, p: numeric(p).set_integer_casting(),
        on_categorical=lambda name, p: ng.p.Choice(list(p.choices))))


class Nevergrad(Method):
    """One of Nevergrad's optimisers, ``nevergrad.optimizers.registry[optimizer]``.

    Library: Nevergrad (Rapin & Teytaud, "Nevergrad - A gradient-free optimization
    platform", 2018, github.com/facebookresearch/nevergrad); ``NGOpt`` is its algorithm
    selector (Meunier et al., "Black-Box Optimization Revisited", IEEE TEVC 2022), which
    picks an optimiser from the space, the budget and the number of workers. Other names:
    ``CMA`` (Hansen & Ostermeier 2001), ``TwoPointsDE`` (differential evolution, Storn &
    Price 1997), ``PSO`` (Kennedy & Eberhart 1995), ``OnePlusOne``, ``RandomSearch``, ….
    Defaults are Nevergrad's own. ``NGOpt`` is not the default here: with
    numpy 2.4 the metamodel it picks for small budgets raises inside a
    Nevergrad worker thread (``float()`` of a one-element array,
    nevergrad 1.0.12 ``metamodel.py``) and its ask never returns;
    ``method=nevergrad_ngopt`` runs NGOpt in an environment of its own with
    numpy 2.3 (``drivers/nevergrad_driver.py``).

    The optimiser is built with ``budget`` (the run's evaluation limit, the
    task's default one when no ``budget.*`` is given; None without one) and ``num_workers`` (the run's
    ``workers``), both of which Nevergrad uses to choose and tune its
    algorithm; pending trials are asked before earlier ones are told, as
    Nevergrad intends with ``num_workers > 1``. The parametrization is seeded
    with ``random_state = np.random.RandomState(seed)`` before the optimiser
    is built, as Nevergrad's documentation says. A failed trial's nan or
    infinite loss is told as it is, and Nevergrad clips it to ``5e20`` (its
    own handling, with a ``LossTooLargeWarning``). Beyond the library: some
    Nevergrad optimisers (TwoPointsDE among them) also draw from numpy's
    global generator, so during every call into Nevergrad numpy's
    module-level ``np.random.*`` functions draw from a ``RandomState`` of the
    adapter's own, seeded from the method's generator, and point back at the
    global one on return, which is never drawn from (``_library.OwnGlobalNumpy``); values are
    clipped to their bounds against round-off.

    Args:
        space, fidelity, rng: supplied by the runner.
        optimizer: a name in ``nevergrad.optimizers.registry``.
        budget_evals: the budget Nevergrad is told (None: unknown); the YAML
            gives the run's evaluation limit (``hpobench.budget.run_evals``).
        num_workers: the workers Nevergrad is told.
    """

    def __init__(self, space: Space, fidelity: Fidelity | None, rng: np.random.Generator, *,
                 optimizer: str = "TwoPointsDE", budget_evals: int | None = None, num_workers: int = 1):
        super().__init__(space, fidelity, rng)
        ng = _library.load("nevergrad", extra="nevergrad")
        if optimizer not in ng.optimizers.registry:
            raise UserError(f"method.optimizer={optimizer!r} is not in Nevergrad's registry; use one of its names, "
                            f"e.g. NGOpt, CMA, TwoPointsDE, PSO, OnePlusOne, RandomSearch.")
        for name, value in (("budget_evals", budget_evals), ("num_workers", num_workers)):
            if not (_positive_int(value) or (value is None and name == "budget_evals")):
                raise UserError(f"method.{name} must be a positive integer, got {value!r}.")
        self.optimizer_name = optimizer
        self._numpy = _library.OwnGlobalNumpy(_library.seed_from(rng))  # some of Nevergrad draws from np.random
        seed = _library.seed_from(rng)
        try:
            with self._numpy:
                param = parametrization(ng, space)
                param.random_state = np.random.RandomState(seed)
                self.optimizer = ng.optimizers.registry[optimizer](parametrization=param, budget=budget_evals,
                                                                    num_workers=num_workers)
        except ValueError as error:  # e.g. a sequential optimiser with num_workers > 1
            raise UserError(f"Nevergrad's {optimizer} cannot run this way ({error}); choose another "
                            f"method.optimizer or fewer workers.") from None
        self._candidates: dict[int, Any] = {}  # asked, not yet told

    def ask(self) -> Trial:
        with self._numpy:
            candidate = self.optimizer.ask()
            config = self._config(candidate.value)
        trial = self.new_trial(config)
        self._candidates[trial.id] = candidate
        return trial

    def tell(self, trial: Trial, result: Result) -> None:
        with self._numpy:
            self.optimizer.tell(self._candidates.pop(trial.id), float(result.loss))

    def _config(self, value: dict[str, Any]) -> Config:
        return self.space.translate(
            on_float=lambda name, p: min(max(float(value[name]), p.low), p.high),
            on_int=lambda name, p: min(max(int(value[name]), p.low), p.high),
            on_categorical=lambda name, p: value[name])

    def describe(self) -> dict[str, Any]:
        return {**_library.describe(self, "nevergrad", "nevergrad"), "optimizer": self.optimizer_name}


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1
