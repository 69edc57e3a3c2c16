"""SMAC3 2.x (Lindauer et al., JMLR 2022) through ``smac.ask()`` / ``smac.tell(info, TrialValue)``.

One class drives four of SMAC's facades with their own defaults:
``blackbox`` (GP, ``smac_bb``), ``hpo`` (random forest, ``smac_hpo``),
``hyperband`` (random configurations in Hyperband brackets, ``smac_hb``) and
``multi_fidelity`` (the random forest in Hyperband brackets, BOHB-like,
``smac_mf``). Our space becomes a ConfigSpace ``ConfigurationSpace``
(floats and integers with their log flags; a categorical's choices become
their indices as strings, mapped back on the way out, so that choices of any
type work); the fidelity range becomes SMAC's ``min_budget``/``max_budget``
and ``info.budget`` the trial's fidelity (rounded to a whole number for
integer fidelities). A configuration SMAC runs again at a higher budget (a
promotion in its successive halving) is asked with its latest finished trial
as ``parent``. With ``workers > 1`` the runner asks while trials are
pending, as SMAC's own parallel runners do: SMAC marks them running and its
intensifier hands out other configurations (new brackets for HB/MF). A
failed trial is told with ``StatusType.CRASHED``, as SMAC's runner does when
the target function raises, but with the worst finite loss told so far as
its cost rather than the scenario's default ``crash_cost`` of ``inf``: the
log-scaled encoder of the random-forest facades turns an infinite cost into
NaN targets and the forest refuses them (``ValueError: Input y contains
NaN``). Failures before the first success are told right after it.

What the adapter adds, and why:

* **Same suggestions in every process.** SMAC's local search
  (``LocalSearch._get_init_points_from_previous_configs``) deduplicates its
  start points with ``list(set(...))``, and a ``Configuration`` hashes its
  ``repr`` string, so the start points come in an order that depends on
  ``PYTHONHASHSEED`` and every later draw differs between two processes with
  the same seed (the BB, HPO and MF facades; HB has no model). Its docstring
  says the first occurrence of each configuration is kept in order; the
  adapter's local search does exactly that (``dict.fromkeys``), which
  changes nothing else.
* SMAC writes its scenario into an output folder: it goes into a temporary
  folder removed with the method, and ``tell`` is called with
  ``save=False``, so nothing reaches the results. SMAC's ``logging_level``
  is ``False`` so that it does not reconfigure the process's root logger;
  with ``quiet`` (the default) its ``smac`` loggers print warnings only.
* ``n_trials``, SMAC's planning horizon, is the run's evaluation limit
  (``budget.evals``, or the task's default budget's), which is what a user
  of SMAC gives its scenario: the initial designs of the BlackBox, HPO and
  MultiFidelity facades take 8, 10 and 10 configurations per hyperparameter
  but at most a quarter of ``n_trials``, so a 6-D BlackBox run of 20 trials
  starts from 5 Sobol points, not 48 (Hyperband's starts from SMAC's
  default configuration whatever the horizon). A budget without an
  evaluation limit (fidelity or time) leaves a horizon of 100,000, where the
  cap never binds; either way the runner's budget, not SMAC's, stops the run.
* ``deterministic=True`` in the scenario: tasks are evaluated with the run's
  seed, so SMAC does not ask for one configuration under several seeds.
"""

from __future__ import annotations

import itertools
import logging
import math
import shutil
import tempfile
import weakref
from typing import Any

import numpy as np

from hpobench.errors import UserError
from hpobench.fidelity import Fidelity
from hpobench.methods import _settings
from hpobench.methods.base import Method
from hpobench.methods.peers import _library
from hpobench.space import Space
from hpobench.trial import Result, Trial

FACADES = {"blackbox": "BlackBoxFacade", "hpo": "HyperparameterOptimizationFacade",
           "hyperband": "HyperbandFacade", "multi_fidelity": "MultiFidelityFacade"}
MULTI_FIDELITY = ("hyperband", "multi_fidelity")
HORIZON = 100_000  # n_trials without an evaluation limit: SMAC's cap of its initial design never binds


class SMAC(Method):
    """One of SMAC's facades, asked and told one trial at a time.

    Args:
        space, fidelity, rng: supplied by the runner.
        facade: ``blackbox``, ``hpo``, ``hyperband`` or ``multi_fidelity``.
        n_trials: SMAC's planning horizon (``Scenario.n_trials``); the YAMLs give the run's evaluation
            limit, None (no limit) is ``HORIZON``.
        quiet: SMAC's loggers at WARNING (it logs its brackets and every new incumbent at INFO).
    """

    def __init__(self, space: Space, fidelity: Fidelity | None, rng: np.random.Generator, *,
                 facade: str = "hpo", n_trials: int | None = None, quiet: bool = True):
        super().__init__(space, fidelity, rng)
        _settings.one_of("facade", facade, tuple(FACADES))
        if n_trials is not None:
            _settings.whole("n_trials", n_trials, 1)
        self.facade = facade
        self.n_trials = HORIZON if n_trials is None else n_trials
        self.quiet = bool(quiet)
        self.requires = frozenset({"fidelity"}) if facade in MULTI_FIDELITY else frozenset()
        # imported here, so that a missing library stops the run before anything is written
        self._lib = _library.load("smac", extra="smac")
        self._configspace = _library.load("ConfigSpace", extra="smac")
        self._runhistory = _library.load("smac.runhistory", extra="smac")
        self._exhausted = _library.load("smac.main.exceptions", extra="smac").ConfigurationSpaceExhaustedException
        self.seed = _library.seed_from(rng)
        self._smac: Any = None
        self._infos: dict[int, Any] = {}  # our trial id -> SMAC's TrialInfo, while pending
        self._latest: dict[Any, tuple[int, float]] = {}  # SMAC Configuration -> (trial id, budget) last finished
        self._worst = -math.inf  # the worst finite loss told so far: the cost of a crashed trial
        self._crashed: list[tuple[Any, float]] = []  # failures waiting for a finite worst loss

    def describe(self) -> dict[str, Any]:
        return _library.describe(self, "smac", "smac")

    @property
    def smac(self) -> Any:
        """The facade, built on first use (the runner checks the task's fidelity before that)."""
        if self._smac is None:
            self._smac = self._build()
        return self._smac

    def ask(self) -> Trial | None:
        try:
            info = self.smac.ask()
        except (StopIteration, self._exhausted):  # every configuration has been tried: SMAC is done
            return None
        config = self._decode(info.config)
        fidelity = self._fidelity_of(info.budget)
        earlier = self._latest.get(info.config)
        parent = earlier[0] if earlier is not None and fidelity is not None and earlier[1] < fidelity else None
        trial = self.new_trial(config, fidelity, parent)
        self._infos[trial.id] = info
        return trial

    def tell(self, trial: Trial, result: Result) -> None:
        info = self._infos.pop(trial.id)
        if result.failed:
            self._crashed.append((info, result.cost))
        else:
            self._worst = max(self._worst, float(result.loss))
            self._latest[info.config] = (trial.id, math.inf if trial.fidelity is None else trial.fidelity)
            self.smac.tell(info, self._runhistory.TrialValue(cost=float(result.loss), time=result.cost), save=False)
        if math.isfinite(self._worst):  # crash costs need a finite worst loss (see the module's docstring)
            for crashed, cost in self._crashed:
                self.smac.tell(crashed, self._runhistory.TrialValue(
                    cost=self._worst, time=cost, status=self._runhistory.StatusType.CRASHED), save=False)
            self._crashed.clear()

    def _build(self) -> Any:
        smac_module, configspace = self._lib, self._configspace
        if self.quiet:
            logging.getLogger("smac").setLevel(logging.WARNING)
        cs = configspace.ConfigurationSpace(seed=self.seed)
        cs.add(list(self.space.translate(
            on_float=lambda n, p: configspace.Float(n, (p.low, p.high), log=p.log),
            on_int=lambda n, p: configspace.Integer(n, (p.low, p.high), log=p.log),
            on_categorical=lambda n, p: configspace.Categorical(n, [str(i) for i in range(len(p.choices))]),
        ).values()))
        fidelity = {}
        if self.facade in MULTI_FIDELITY:
            fidelity = {"min_budget": float(self.fidelity.min), "max_budget": float(self.fidelity.max)}
        folder = tempfile.mkdtemp(prefix="hpobench-smac-")
        self._cleanup = weakref.finalize(self, shutil.rmtree, folder, True)
        scenario = smac_module.Scenario(cs, name="run", output_directory=folder, deterministic=True,
                                        n_trials=self.n_trials, seed=self.seed, **fidelity)
        facade = getattr(smac_module, FACADES[self.facade])
        maximizer = None
        if self.facade != "hyperband":  # HB samples at random: no acquisition to maximise
            maximizer = facade.get_acquisition_maximizer(scenario)
            maximizer._local_search = _first_occurrence_local_search(maximizer._local_search)
        target = _never_called_at_budget if self.facade in MULTI_FIDELITY else _never_called
        return facade(scenario, target, overwrite=True, logging_level=False,
                      **({"acquisition_maximizer": maximizer} if maximizer is not None else {}))

    def _decode(self, configuration: Any) -> dict[str, Any]:
        values = dict(configuration)
        return self.space.translate(
            on_float=lambda n, p: min(max(float(values[n]), p.low), p.high),  # exp(log) rounding at the ends
            on_int=lambda n, p: int(values[n]),
            on_categorical=lambda n, p: p.choices[int(values[n])])

    def _fidelity_of(self, budget: float | None) -> float | None:
        if self.facade not in MULTI_FIDELITY or budget is None:
            return None
        value = min(max(float(budget), self.fidelity.min), self.fidelity.max)
        return float(round(value)) if self.fidelity.integer else value


def _never_called(config: Any, seed: int = 0) -> float:
    """The facade's target function: the runner evaluates trials, SMAC only asks and is told."""
    raise UserError("SMAC's target function is never called through ask/tell.")


def _never_called_at_budget(config: Any, seed: int = 0, budget: float | None = None) -> float:
    """The multi-fidelity facades' target function (SMAC checks that it takes a budget)."""
    raise UserError("SMAC's target function is never called through ask/tell.")


def _first_occurrence_local_search(local_search: Any) -> Any:
    """SMAC's local search with its start points kept in first-occurrence order (see the module's docstring)."""
    local_search.__class__ = _ordered_local_search_class(type(local_search))
    return local_search


_ORDERED: dict[type, type] = {}


def _ordered_local_search_class(base: type) -> type:
    if base not in _ORDERED:
        _ORDERED[base] = type(f"FirstOccurrence{base.__name__}", (base,),
                              {"_get_init_points_from_previous_configs": _init_points_in_order})
    return _ORDERED[base]


def _init_points_in_order(self: Any, previous_configs: list, n_points: int,
                          additional_start_points: list | None) -> list:
    """SMAC 2.4's ``_get_init_points_from_previous_configs`` with ``list(set(...))`` replaced by
    ``list(dict.fromkeys(...))``: the same points, the same draws from its generator, in the order its
    docstring states."""
    from smac.utils.configspace import convert_configurations_to_array

    if self._acquisition_function.model is not None:
        costs = self._acquisition_function.model.predict_marginalized(
            convert_configurations_to_array(previous_configs))[0]
        if len(costs.shape) == 2 and costs.shape[1] > 1:  # several objectives: a random scalarisation (ParEGO)
            weights = np.array([self._rng.rand() for _ in range(costs.shape[1])])
            costs = costs @ (weights / np.sum(weights))
        random = self._rng.rand(len(costs))
        indices = np.lexsort((random.flatten(), costs.flatten()))  # ties broken at random, as SMAC does
        previous = [previous_configs[i] for i in indices][:n_points]
    else:
        previous = []
    additional = [point[1] for point in additional_start_points or []]
    return list(dict.fromkeys(itertools.chain(previous, additional)))
