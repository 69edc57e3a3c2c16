"""scikit-optimize's ``Optimizer`` (GP or random-forest surrogate) through its ``ask`` / ``tell``."""

from __future__ import annotations

from typing import Any

import numpy as np

from hpobench.errors import UserError
from hpobench.fidelity import Fidelity
from hpobench.methods.base import Method
from hpobench.methods.peers import _library
from hpobench.space import Config, Space
from hpobench.trial import Result, Trial

ESTIMATORS = ("GP", "RF", "ET", "GBRT")


def dimensions(skopt: Any, space: Space) -> list[Any]:
    """Our space as scikit-optimize's dimensions, in space order (log scales as its log-uniform prior)."""
    prior = {True: "log-uniform", False: "uniform"}
    return list(space.translate(
        on_float=lambda name, p: skopt.space.Real(p.low, p.high, prior=prior[p.log], name=name),
        on_int=lambda name, p: skopt.space.Integer(p.low, p.high, prior=prior[p.log], name=name),
        on_categorical=lambda name, p: skopt.space.Categorical(list(p.choices), name=name)).values())


class Skopt(Method):
    """scikit-optimize's sequential model-based optimisation, ``skopt.Optimizer``.

    Library: scikit-optimize (Head, Kumar, Nahrstaedt, Louppe & Shcherbatyi, Zenodo
    10.5281/zenodo.1157319). With ``base_estimator: GP`` it is GP-BO (Snoek, Larochelle &
    Adams, NeurIPS 2012) with the ``gp_hedge`` portfolio of acquisition functions (Hoffman,
    Brochu & de Freitas, UAI 2011); with ``RF`` a random-forest surrogate as in SMAC (Hutter,
    Hoos & Leyton-Brown, LION 2011). Defaults are scikit-optimize's own (10 random initial
    points, ``acq_func="gp_hedge"``, ``acq_optimizer="auto"``); ``settings`` go to
    ``Optimizer`` as they are.

    Beyond the library: pending trials (``workers > 1``) are handled with the
    constant liar that ``Optimizer.ask(n_points, strategy="cl_min")`` uses
    for a batch (a copy of the optimiser told the pending points at the
    smallest loss so far, seeded from the optimiser's own generator, as that
    method does), because a plain ``ask()`` after the random start returns the
    same point until a ``tell``. scikit-optimize cannot take a nan or infinite
    loss, so a failed trial is told the worst finite loss seen so far; before
    any finite loss it is held back (and lied about like a pending trial)
    until one arrives.

    Args:
        space, fidelity, rng: supplied by the runner.
        base_estimator: ``GP``, ``RF``, ``ET`` or ``GBRT``.
        settings: keyword arguments of ``skopt.Optimizer`` (not ``random_state``).
    """

    def __init__(self, space: Space, fidelity: Fidelity | None, rng: np.random.Generator, *,
                 base_estimator: str = "GP", settings: dict[str, Any] | None = None):
        super().__init__(space, fidelity, rng)
        skopt = _library.load("skopt", extra="skopt", distribution="scikit-optimize")
        _library.choose("base_estimator", base_estimator, ESTIMATORS, "scikit-optimize")
        settings = _library.library_settings(settings, "random_state")
        self.base_estimator = base_estimator
        try:
            self.optimizer = skopt.Optimizer(dimensions(skopt, space), base_estimator=base_estimator,
                                             random_state=_library.seed_from(rng), **settings)
        except (TypeError, ValueError) as error:
            raise UserError(f"method.settings do not fit skopt.Optimizer ({error}); "
                            f"use its keyword arguments.") from None
        self._pending: dict[int, list] = {}  # asked, not yet told
        self._held: list[list] = []  # failed before any finite loss: told the worst loss once there is one

    def ask(self) -> Trial:
        lied = [*self._pending.values(), *self._held]
        if lied:
            optimizer = self.optimizer
            copy = optimizer.copy(random_state=optimizer.rng.randint(0, np.iinfo(np.int32).max))
            lie = float(np.min(optimizer.yi)) if optimizer.yi else 0.0  # skopt's cl_min lie
            copy.tell(lied, [lie] * len(lied))
            x = copy.ask()
        else:
            x = self.optimizer.ask()
        trial = self.new_trial(self._config(x))
        self._pending[trial.id] = x
        return trial

    def tell(self, trial: Trial, result: Result) -> None:
        x = self._pending.pop(trial.id)
        told = self.optimizer.yi
        if not result.failed:
            xs, ys = [x, *self._held], [float(result.loss)] * (1 + len(self._held))
            if self._held:  # the held-back failures get the worst loss, which is now this one or higher
                ys[1:] = [max([float(result.loss), *told])] * len(self._held)
            self._held = []
            self.optimizer.tell(xs, ys)
        elif told:
            self.optimizer.tell(x, float(np.max(told)))
        else:
            self._held.append(x)

    def _config(self, x: list) -> Config:
        values = dict(zip(self.space.names, x))
        return self.space.translate(on_float=lambda name, p: float(values[name]),
                                    on_int=lambda name, p: int(values[name]),
                                    on_categorical=lambda name, p: _choice(p.choices, values[name]))

    def describe(self) -> dict[str, Any]:
        return {**_library.describe(self, "scikit-optimize", "scikit-optimize"), "base_estimator": self.base_estimator}


def _choice(choices: tuple, value: Any) -> Any:
    """The choice itself (skopt may hand back a numpy scalar of it)."""
    for choice in choices:
        if choice == value and isinstance(choice, bool) == isinstance(value, (bool, np.bool_)):
            return choice
    raise ValueError(f"scikit-optimize returned {value!r}, which is none of {choices}")
