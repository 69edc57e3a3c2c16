"""Population-based training."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from hpobench.errors import UserError
from hpobench.methods.base import Method
from hpobench.space import Config
from hpobench.trial import Result, Trial


@dataclass
class _Member:
    config: Config
    trial_id: int | None = None  # its latest finished trial: the checkpoint it continues from
    fidelity: float = 0.0
    loss: float = math.inf


class PBT(Method):
    """Population-based training (Jaderberg et al., "Population Based Training
    of Neural Networks", arXiv:1711.09846, 2017).

    A population of ``population_size`` members starts from random
    configurations. Each member trains in steps of ``ready`` fidelity units;
    every step is a trial whose ``parent`` is the checkpoint it continues, so
    the lineage is in ``trials.jsonl``. When a member is ready again it is
    ranked by its latest loss among the members that have reported:

    * exploit (truncation selection, the paper's default): a member in the
      bottom ``quantile`` (20 %) copies the weights (the parent checkpoint)
      and hyperparameters of a member drawn from the top ``quantile``;
    * explore (the paper's "perturb"): after copying, each numeric
      hyperparameter is multiplied by 0.8 or 1.2 (clipped to its range,
      integers rounded), or with ``resample_probability`` drawn afresh from
      the space; categoricals are drawn afresh with that probability and kept
      otherwise. The paper leaves the resampling probability open; 0.25 is
      Ray Tune's default. ``perturbation="gaussian"`` instead adds Gaussian
      noise of standard deviation ``noise_std`` on the unit-cube coordinate
      of each numeric hyperparameter, as the paper's toy experiment perturbs h.

    ``exploit=False`` gives the "explore only" ablation (every member perturbs
    its own hyperparameters at every step) and ``explore=False`` the "exploit
    only" one (copies are not perturbed), as in the paper's toy experiment.
    ``initial`` optionally fixes the first members' configurations (the
    paper's toy starts its two workers at h = (1, 0) and (0, 1)); the rest
    are drawn at random. Members are asked in the order they become ready; the method waits (asks
    None) while all members train, and is done when all reach the maximum
    fidelity. Failed steps rank last.

    Asynchronous by default: a ready member is ranked against the others'
    latest results, which may be a step behind its own. ``synchronous=True``
    steps the population in generations instead (every member reports before
    any continues, as Ray Tune's ``synch=True`` and the paper's two-worker toy
    example), so members are always ranked at equal fidelity.
    """

    requires = frozenset({"fidelity", "checkpoint"})

    def __init__(self, space, fidelity, rng, population_size: int = 8, ready: float | None = None,
                 quantile: float = 0.2, resample_probability: float = 0.25,
                 perturb_factors: tuple[float, float] = (0.8, 1.2), exploit: bool = True, explore: bool = True,
                 initial: list[Config] | None = None, perturbation: str = "multiply", noise_std: float = 0.1,
                 synchronous: bool = False):
        super().__init__(space, fidelity, rng)
        self.population_size = population_size
        self.ready = ready
        self.quantile = quantile
        self.resample_probability = resample_probability
        self.perturb_factors = tuple(perturb_factors)
        self.exploit = exploit
        self.explore = explore
        self.perturbation = perturbation
        self.noise_std = noise_std
        self.synchronous = synchronous
        if perturbation not in ("multiply", "gaussian"):
            raise UserError(f"method.perturbation must be multiply or gaussian, got {perturbation!r}.")
        self.initial = [dict(c) for c in initial or []]
        for config in self.initial:
            problem = space.check(config)
            if problem:
                raise UserError(f"method.initial holds a configuration outside the space ({problem}); fix it.")
        if len(self.initial) > population_size:
            raise UserError(f"method.initial lists {len(self.initial)} configurations for a population of "
                            f"{population_size}; list fewer or raise method.population_size.")
        self._members: list[_Member] = []
        self._waiting: deque[int] = deque()  # members ready for their next step, in order
        self._member_of: dict[int, int] = {}  # trial id -> member
        self._generation: deque[int] = deque()  # synchronous: members of this generation still to be asked
        self._ranked: list[_Member] = []  # synchronous: the members as they were when this generation began

    def _step(self) -> float:
        step = self.ready if self.ready is not None else max(self.fidelity.min, self.fidelity.max / 10)
        return round(step) if self.fidelity.integer else step

    def ask(self) -> Trial | None:
        if not self._members:
            configs = self.initial + self.space.sample(self.rng, self.population_size - len(self.initial))
            self._members = [_Member(c) for c in configs]
            self._waiting.extend(range(self.population_size))
        queue = self._next_generation() if self.synchronous else self._waiting
        if not queue:
            return None
        index = queue.popleft()
        member = self._members[index]
        config, parent, base = member.config, member.trial_id, member.fidelity
        donor = self._donor_for(index) if self.exploit and parent is not None else None
        if donor is not None:
            config, parent, base = donor.config, donor.trial_id, donor.fidelity
        if self.explore and parent is not None and (donor is not None or not self.exploit):
            config = self._perturb(config)
        fidelity = min(self.fidelity.max, base + self._step())
        trial = self.new_trial(config, int(fidelity) if self.fidelity.integer else fidelity, parent)
        self._member_of[trial.id] = index
        return trial

    def tell(self, trial: Trial, result: Result) -> None:
        index = self._member_of.pop(trial.id)
        loss = math.inf if result.failed else result.loss
        self._members[index] = _Member(trial.config, trial.id, trial.fidelity, loss)
        if trial.fidelity < self.fidelity.max:
            self._waiting.append(index)

    def _next_generation(self) -> deque[int]:
        """Synchronous mode: a new generation starts once every member has reported the last one."""
        if not self._generation and not self._member_of:
            self._generation, self._waiting = self._waiting, deque()
            self._ranked = list(self._members)
        return self._generation

    def _donor_for(self, index: int) -> _Member | None:
        """A top member to copy when ``index`` ranks in the bottom quantile, else None."""
        members = self._ranked if self.synchronous else self._members
        ranked = sorted((m.loss, i) for i, m in enumerate(members) if m.trial_id is not None)
        cut = math.ceil(self.quantile * len(ranked))
        bottom = {i for _, i in ranked[len(ranked) - cut:]}
        top = [i for _, i in ranked[:cut] if i != index and members[i].fidelity < self.fidelity.max]
        if index not in bottom or not top or cut == 0:
            return None
        return members[top[self.rng.integers(len(top))]]

    def _perturb(self, config: Config) -> Config:
        new = dict(config)
        for name, param in self.space.params.items():
            if self.rng.random() < self.resample_probability:
                new[name] = param.from_unit(self.rng.random(1))[0]
            elif not param.numeric:
                continue  # a choice has no scale to move along: kept unless resampled
            elif self.perturbation == "gaussian":
                new[name] = param.shifted(config[name], self.rng.normal(0.0, self.noise_std, 1))
            else:
                new[name] = param.scaled(config[name], self.rng.choice(self.perturb_factors))
        return new
