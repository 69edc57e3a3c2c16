"""Successive halving, synchronous: the engine Hyperband and BOHB build on."""

from __future__ import annotations

import math

from hpobench.methods._brackets import Bracket, FidelityRange, bracket, resolve
from hpobench.methods._settings import number, whole
from hpobench.methods.base import Method
from hpobench.space import Config
from hpobench.trial import Result, Trial


class BracketRun:
    """The state of one running bracket.

    Rung 0's configurations are sampled when they are asked for (so BOHB's
    model sees every result told so far); a rung is promoted as soon as its
    last result is told.
    """

    def __init__(self, plan: Bracket):
        self.plan = plan
        self.rung = 0
        self.sampled = 0  # rung-0 configurations handed out so far
        self.queue: list[tuple[Config, int]] = []  # promoted (config, parent id) waiting to start
        self.pending: dict[int, Config] = {}  # trial id -> config, asked but not told, current rung
        self.told: list[tuple[float, int, Config]] = []  # (loss, trial id, config), current rung
        self.done = False

    def propose(self) -> tuple[Config | None, float, int | None] | None:
        """The next (config, fidelity, parent) to start; config None means "sample a new one".

        None when the current rung waits for results, or the bracket is done.
        """
        fidelity = self.plan.r[self.rung]
        if self.rung == 0 and self.sampled < self.plan.n[0]:
            self.sampled += 1
            return None, fidelity, None
        if self.queue:
            config, parent = self.queue.pop(0)
            return config, fidelity, parent
        return None

    def started(self, trial: Trial) -> None:
        self.pending[trial.id] = trial.config

    def record(self, trial_id: int, loss: float) -> None:
        """Take a result; promote when it completes the rung."""
        config = self.pending.pop(trial_id)
        self.told.append((loss, trial_id, config))
        complete = not self.pending and not self.queue and (self.rung > 0 or self.sampled == self.plan.n[0])
        if complete:
            self._promote()

    def _promote(self) -> None:
        if self.rung == len(self.plan.r) - 1:
            self.done = True
            return
        keep = self.plan.n[self.rung + 1]
        # Rank by loss, ties by trial id (asking order), so the choice is deterministic.
        # Failed trials (inf) rank last and are never promoted: a failure at a
        # low fidelity (divergence, crash) would recur, wasting a higher rung.
        ranked = sorted((loss, tid) for loss, tid, _ in self.told if math.isfinite(loss))
        configs = {tid: config for _, tid, config in self.told}
        self.queue = [(configs[tid], tid) for _, tid in ranked[:keep]]
        self.told = []
        self.rung += 1
        self.done = not self.queue


class SuccessiveHalving(Method):
    """Successive halving (Karnin et al., ICML 2013; Jamieson & Talwalkar,
    AISTATS 2016), repeated until the budget is spent.

    Each bracket samples ``eta^s_max`` configurations uniformly at fidelity
    ``max eta^-s_max``, evaluates them all, keeps the best ``1/eta``
    (rounded down) at ``eta`` times the fidelity, and so on up to the maximum
    fidelity: Hyperband's most exploratory bracket (``s = s_max``, see
    ``_brackets``). Then a new bracket starts, with fresh configurations.

    A promoted configuration is a new trial whose ``parent`` is its trial on
    the rung below, so tasks with checkpoints continue training and pay only
    the extra fidelity. Failed trials rank last and are not promoted.

    Parallel workers: when every configuration of the current rung has been
    started and results are still missing, the next bracket starts instead of
    leaving the worker idle (``wait=False``, the default, as HpBandSter's
    master does). Older brackets go first whenever they can hand out a trial,
    so the brackets finish in order, and at most one bracket per busy worker
    is open. ``wait=True`` returns None instead, the textbook synchronous
    algorithm, which idles workers at every rung boundary. With one worker
    the two are the same, and results never depend on timing.

    Args:
        space, fidelity, rng: supplied by the runner.
        eta: reduction factor; 3, the default of Li et al. (2018) and Falkner
            et al. (2018).
        min_fidelity, max_fidelity: the fidelity range; the task's by default.
        max_brackets: stop (ask returns None) after this many brackets; None
            runs until the budget is spent.
        wait: wait at rung boundaries instead of starting the next bracket.
    """

    requires = frozenset({"fidelity"})

    def __init__(self, space, fidelity, rng, eta: float = 3, min_fidelity: float | None = None,
                 max_fidelity: float | None = None, max_brackets: int | None = None, wait: bool = False):
        super().__init__(space, fidelity, rng)
        self.eta = eta
        self.min_fidelity = min_fidelity
        self.max_fidelity = max_fidelity
        self.max_brackets = max_brackets
        self.wait = wait
        SuccessiveHalving._check_settings(self)  # only these settings: a subclass checks its own once it has them
        # Checked here so bad settings stop the run before its first trial.
        self.range: FidelityRange | None = resolve(fidelity, eta, min_fidelity, max_fidelity, type(self).__name__)
        self.opened = 0  # brackets started so far
        self.active: list[BracketRun] = []  # oldest first
        self.owner: dict[int, BracketRun] = {}  # pending trial id -> its bracket

    def _check_settings(self) -> None:
        """Refuse settings outside their ranges (UserError), before the first ask; ``resolve`` checks eta and
        the fidelity range against the task's."""
        whole("max_brackets", self.max_brackets, 1, none=True)
        number("min_fidelity", self.min_fidelity, 0, low_open=True, none=True)
        number("max_fidelity", self.max_fidelity, 0, low_open=True, none=True)

    def schedule(self) -> list[Bracket]:
        """The brackets to cycle through; successive halving has one."""
        return [bracket(self.range.s_max, self.range)]

    def sample(self, fidelity: float) -> Config:
        """A new configuration for rung 0 (at ``fidelity``); uniform here, BOHB overrides."""
        return self.space.sample(self.rng, 1)[0]

    def ask(self) -> Trial | None:
        for run in self.active:
            proposal = run.propose()
            if proposal is not None:
                return self._start(run, *proposal)
        if (self.wait and self.active) or (self.max_brackets is not None and self.opened >= self.max_brackets):
            return None
        plans = self.schedule()
        run = BracketRun(plans[self.opened % len(plans)])
        self.opened += 1
        self.active.append(run)
        return self._start(run, *run.propose())

    def _start(self, run: BracketRun, config: Config | None, fidelity: float, parent: int | None) -> Trial:
        trial = self.new_trial(self.sample(fidelity) if config is None else config, fidelity, parent)
        run.started(trial)
        self.owner[trial.id] = run
        return trial

    def tell(self, trial: Trial, result: Result) -> None:
        run = self.owner.pop(trial.id)
        run.record(trial.id, math.inf if result.failed else result.loss)
        if run.done:
            self.active.remove(run)
