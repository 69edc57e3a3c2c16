"""Syne Tune (Salinas et al., AutoML 2022) schedulers, driven through the calls its ``Tuner`` makes.

Four of Syne Tune's baselines (``syne_tune.optimizer.baselines``) with their
own defaults: ``BORE`` (``syne_tune_bore``), ``TPE`` (``syne_tune_tpe``),
``ASHA`` (``syne_tune_asha``) and ``BOHB`` (ASHA with a KDE searcher,
``syne_tune_bohb``). The adapter calls the scheduler as the ``Tuner`` does:
``suggest`` and ``on_trial_add`` for a new trial; ``on_trial_result`` for each
reported result, then ``on_trial_remove`` when the scheduler stops the trial
(or ``on_trial_complete`` when a single-fidelity trial ends); and
``on_trial_error`` for a failed one (nan loss).

* **Space**: ``uniform``/``loguniform`` for floats, ``randint``/``lograndint``
  for integers, ``choice`` for categoricals (over the choices' indices as
  strings, mapped back on the way out, so that choices of any type work).
  Numbers that come back outside their bounds are clipped to them: float
  rounding at the bounds, and BOHB's kernel density sampler, which can return
  a log-scaled integer below its lower bound (batch_size=4 for a range of
  16-512, seen on LCBench).
* **Fidelity** (ASHA, BOHB): Syne Tune's ASHA is the stopping variant: a trial
  trains on and reports at every rung (``grace_period * reduction_factor**k``
  up to ``max_t``, here the task's fidelity range), and the scheduler decides
  there whether it continues. Each report is one of our trials at that rung's
  fidelity; a trial the scheduler lets continue is asked next at the next
  rung with the previous one as ``parent`` (so a task that supports
  checkpoints charges only the extra epochs), before any new configuration,
  as the Tuner keeps a continuing trial on its worker.
* **Workers**: all four are asynchronous; with ``workers > 1`` the runner asks
  while others are pending and the searchers suggest without their results,
  as under the Tuner.
* **Seeds and global state**: the scheduler's ``random_seed`` comes from the
  method's generator, but Syne Tune also draws from numpy's global generator
  whatever seed it is given (ASHA's bracket choice in ``on_trial_add``,
  BORE's differential evolution). Every call into Syne Tune therefore runs
  on a global numpy generator of the adapter's own (``_library.OwnGlobalNumpy``:
  numpy's module-level functions and ``np.random.mtrand._rand`` point at a
  ``RandomState`` seeded from the method's generator, kept between calls),
  and back on the caller's when the call returns, so runs are deterministic
  and code outside sees no change. Swapping the state in with
  ``get_state``/``set_state`` instead cost about 130 µs a call, more than
  ASHA's own work per trial.
"""

from __future__ import annotations

import datetime
from collections import deque
from typing import Any

import numpy as np

from hpobench.errors import UserError
from hpobench.fidelity import Fidelity
from hpobench.methods import _settings
from hpobench.methods.base import Method
from hpobench.methods.peers import _library
from hpobench.space import Space
from hpobench.trial import Result, Trial

SCHEDULERS = {"bore": "BORE", "tpe": "TPE", "asha": "ASHA", "bohb": "BOHB"}
MULTI_FIDELITY = ("asha", "bohb")
METRIC, RESOURCE = "loss", "resource"
_CREATED = datetime.datetime(2000, 1, 1)  # Syne Tune's trials carry a creation time; its schedulers never read it


class SyneTune(Method):
    """One of Syne Tune's baseline schedulers, minimising ``loss``.

    Args:
        space, fidelity, rng: supplied by the runner.
        scheduler: ``bore``, ``tpe``, ``asha`` or ``bohb``.
        settings: keyword settings passed on to the scheduler (its defaults otherwise), e.g.
            ``{reduction_factor: 3, brackets: 1}`` for ASHA and BOHB.
    """

    def __init__(self, space: Space, fidelity: Fidelity | None, rng: np.random.Generator, *,
                 scheduler: str = "bore", settings: dict[str, Any] | None = None):
        super().__init__(space, fidelity, rng)
        _settings.one_of("scheduler", scheduler, tuple(SCHEDULERS))
        self.scheduler_name = scheduler
        self.settings = dict(settings or {})
        clash = sorted(set(self.settings) & {"config_space", "metric", "do_minimize", "random_seed", "time_attr",
                                             "max_t", "grace_period"})
        if clash:
            raise UserError(f"method.settings {clash} are set by the adapter from the task and the run; "
                            "remove them from method.settings.")
        self.requires = frozenset({"fidelity"}) if scheduler in MULTI_FIDELITY else frozenset()
        # imported here, so that a missing library stops the run before anything is written
        self._baselines = _library.load("syne_tune.optimizer.baselines", extra="syne-tune", distribution="syne-tune")
        self._trial_class = _library.load("syne_tune.backend.trial_status", extra="syne-tune",
                                          distribution="syne-tune").Trial
        self._domains = _library.load("syne_tune.config_space", extra="syne-tune", distribution="syne-tune")
        self.seed = _library.seed_from(rng)
        self._own_global_numpy = _library.OwnGlobalNumpy(_library.seed_from(rng))  # Syne Tune's global draws
        self._scheduler: Any = None
        self._started = 0  # Syne Tune trial ids: one per configuration started
        self._pending: dict[int, tuple[Any, float | None]] = {}  # our trial id -> (Syne Tune trial, fidelity)
        self._continuing: deque[tuple[Any, int, float]] = deque()  # (Syne Tune trial, parent id, next fidelity)

    def describe(self) -> dict[str, Any]:
        return _library.describe(self, "syne_tune", "syne-tune")

    @property
    def scheduler(self) -> Any:
        if self._scheduler is None:
            with self._own_global_numpy:
                self._scheduler = self._build()
        return self._scheduler

    def ask(self) -> Trial | None:
        if self._continuing:
            st_trial, parent, fidelity = self._continuing.popleft()
            trial = self.new_trial(self._decode(st_trial.config), fidelity, parent)
            self._pending[trial.id] = (st_trial, fidelity)
            return trial
        scheduler = self.scheduler
        with self._own_global_numpy:
            suggestion = scheduler.suggest()
            if suggestion is None:  # the searcher has run out of configurations
                return None
            st_trial = self._trial_class(trial_id=self._started, config=dict(suggestion.config), creation_time=_CREATED)
            scheduler.on_trial_add(trial=st_trial)
        self._started += 1
        fidelity = self._first_rung(st_trial) if self.scheduler_name in MULTI_FIDELITY else None
        trial = self.new_trial(self._decode(st_trial.config), fidelity)
        self._pending[trial.id] = (st_trial, fidelity)
        return trial

    def tell(self, trial: Trial, result: Result) -> None:
        st_trial, fidelity = self._pending.pop(trial.id)
        scheduler = self.scheduler
        with self._own_global_numpy:
            if result.failed:
                scheduler.on_trial_error(st_trial)
                return
            report = {METRIC: float(result.loss)}
            if fidelity is None:  # single fidelity: one report, then the trial ends
                scheduler.on_trial_result(trial=st_trial, result=report)
                scheduler.on_trial_complete(trial=st_trial, result=report)
                return
            report[RESOURCE] = fidelity
            decision = scheduler.on_trial_result(trial=st_trial, result=report)
            if decision != "CONTINUE":  # the scheduler stops it (max_t reached, or not among the best at its rung)
                scheduler.on_trial_remove(trial=st_trial)
                return
        self._continuing.append((st_trial, trial.id, self._next_rung(st_trial, fidelity)))

    def _build(self) -> Any:
        baselines, cs = self._baselines, self._domains
        config_space = self.space.translate(
            on_float=lambda n, p: (cs.loguniform if p.log else cs.uniform)(p.low, p.high),
            on_int=lambda n, p: (cs.lograndint if p.log else cs.randint)(p.low, p.high),
            on_categorical=lambda n, p: cs.choice([str(i) for i in range(len(p.choices))]))
        fidelity = {}
        if self.scheduler_name in MULTI_FIDELITY:
            fidelity = {"time_attr": RESOURCE, "max_t": _whole(self.fidelity.max),
                        "grace_period": _whole(self.fidelity.min)}
        kind = getattr(baselines, SCHEDULERS[self.scheduler_name])
        try:
            return kind(config_space=config_space, metric=METRIC, do_minimize=True, random_seed=self.seed,
                        **fidelity, **self.settings)
        except TypeError as error:
            raise UserError(f"Syne Tune's {kind.__name__} does not take these method.settings ({error}); "
                            "fix method.settings.") from None

    def _rungs(self, st_trial: Any) -> list[float]:
        """The fidelities this trial reports at: its bracket's rungs, then max_t."""
        bracket = self.scheduler.trial_info[st_trial.trial_id]
        levels = sorted({float(milestone) for milestone, _ in bracket.rungs if milestone < self.fidelity.max})
        return [*levels, float(self.fidelity.max)]

    def _first_rung(self, st_trial: Any) -> float:
        return self._fit(self._rungs(st_trial)[0])

    def _next_rung(self, st_trial: Any, fidelity: float) -> float:
        return self._fit(next(level for level in self._rungs(st_trial) if level > fidelity))

    def _fit(self, value: float) -> float:
        value = min(max(value, self.fidelity.min), self.fidelity.max)
        return float(round(value)) if self.fidelity.integer else value

    def _decode(self, config: dict[str, Any]) -> dict[str, Any]:
        return self.space.translate(
            on_float=lambda n, p: min(max(float(config[n]), p.low), p.high),
            on_int=lambda n, p: min(max(int(config[n]), p.low), p.high),
            on_categorical=lambda n, p: p.choices[int(config[n])])


def _whole(value: float) -> float | int:
    """Syne Tune's ASHA takes whole ``max_t`` and ``grace_period``; a whole float becomes an int."""
    return int(value) if float(value).is_integer() else value
