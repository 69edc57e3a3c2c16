"""Ax (Bakshy et al. 2018; Olson et al. 2025) through its ``Client`` API (``ax.api.client.Client``).

The adapter configures one experiment and lets Ax choose its generation
strategy with its own defaults (a Sobol initialisation, then Bayesian
optimisation with BoTorch's modular GP), minimising ``loss``:

* our space becomes Ax's ``RangeParameterConfig`` (floats and integers,
  ``scaling="log"`` where log) and ``ChoiceParameterConfig`` (unordered; a
  categorical's choices become their indices as strings, mapped back on the
  way out, so that choices of any type work);
* ``ask`` is ``get_next_trials(max_trials=1)``; ``tell`` is
  ``complete_trial(index, {"loss": loss})``, or ``mark_trial_failed`` for a
  failed trial (Ax may suggest that point again);
* with ``workers > 1`` the runner asks while trials are pending: Ax keeps them
  RUNNING and treats them as pending points in its acquisition, as its own
  orchestrator does; when its generation strategy will not generate more
  until some finish (it waits for a minimum of observed initialisation trials
  before fitting its model), the adapter answers None and is asked again after
  the next result;
* the seed is ``Client(random_seed=...)`` and the Sobol initialisation's
  ``initialization_random_seed``, both from the method's generator. Ax sets
  the global seeds of ``random``, numpy and torch around each generation and
  restores them afterwards, so global random state is left as it was.

Black-box only: Ax's multi-fidelity and early-stopping machinery is not used.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from hpobench.fidelity import Fidelity
from hpobench.methods.base import Method
from hpobench.methods.peers import _library
from hpobench.space import Space
from hpobench.trial import Result, Trial

OBJECTIVE = "loss"


class Ax(Method):
    """Ax's default Bayesian optimisation, asked and told one trial at a time.

    Args:
        space, fidelity, rng: supplied by the runner.
        quiet: Ax prints warnings only (it logs every trial at INFO).
    """

    def __init__(self, space: Space, fidelity: Fidelity | None, rng: np.random.Generator, *, quiet: bool = True):
        super().__init__(space, fidelity, rng)
        # imported here, so that a missing library stops the run before anything is written
        self._client_module = _library.load("ax.api.client", extra="ax", distribution="ax-platform")
        self._configs = _library.load("ax.api.configs", extra="ax", distribution="ax-platform")
        self._logger = _library.load("ax.utils.common.logger", extra="ax", distribution="ax-platform")
        self._exhausted = _library.load("ax.exceptions.core", extra="ax", distribution="ax-platform"
                                        ).SearchSpaceExhausted
        self.seed = _library.seed_from(rng)
        self.quiet = bool(quiet)
        self._client: Any = None
        self._index: dict[int, int] = {}  # our trial id -> Ax's trial index, while pending

    def describe(self) -> dict[str, Any]:
        return _library.describe(self, "ax", "ax-platform")

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._build()
        return self._client

    def ask(self) -> Trial | None:
        try:
            trials = self.client.get_next_trials(max_trials=1)
        except self._exhausted:  # every point of a finite space has been tried: Ax is done
            return None
        if not trials:  # Ax waits for results before it generates more
            return None
        (index, parameters), = trials.items()
        trial = self.new_trial(self._decode(parameters))
        self._index[trial.id] = index
        return trial

    def tell(self, trial: Trial, result: Result) -> None:
        index = self._index.pop(trial.id)
        if result.failed:
            self.client.mark_trial_failed(index, failed_reason=f"loss {result.loss}")
        else:
            self.client.complete_trial(index, raw_data={OBJECTIVE: float(result.loss)})

    def _build(self) -> Any:
        configs = self._configs
        if self.quiet:  # Ax's own way: the level of the stream handler its loggers print through
            self._logger.set_stderr_log_level(logging.WARNING)
        client = self._client_module.Client(random_seed=self.seed)
        client.configure_experiment(parameters=list(self.space.translate(
            on_float=lambda n, p: configs.RangeParameterConfig(
                name=n, bounds=(float(p.low), float(p.high)), parameter_type="float",
                scaling="log" if p.log else "linear"),
            on_int=lambda n, p: configs.RangeParameterConfig(
                name=n, bounds=(int(p.low), int(p.high)), parameter_type="int", scaling="log" if p.log else "linear"),
            on_categorical=lambda n, p: configs.ChoiceParameterConfig(
                name=n, values=[str(i) for i in range(len(p.choices))], parameter_type="str", is_ordered=False),
        ).values()), name="hpobench")
        client.configure_optimization(objective=f"-{OBJECTIVE}")
        client.configure_generation_strategy(initialization_random_seed=self.seed)
        return client

    def _decode(self, parameters: dict[str, Any]) -> dict[str, Any]:
        return self.space.translate(
            on_float=lambda n, p: min(max(float(parameters[n]), p.low), p.high),
            on_int=lambda n, p: int(parameters[n]),
            on_categorical=lambda n, p: p.choices[int(parameters[n])])

