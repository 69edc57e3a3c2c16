"""Local search with random restarts."""

from __future__ import annotations

from hpobench.errors import UserError
from hpobench.methods.base import Method
from hpobench.space import Config
from hpobench.trial import Result, Trial

MAX_DRAWS = 1000  # random draws tried for a configuration not evaluated yet


class LocalSearch(Method):
    """Local search (White, Nolen & Savani, "Local Search is State of the Art
    for Neural Architecture Search Benchmarks", UAI 2021, Algorithm 1).

    1. Start: evaluate ``num_init`` configurations drawn at random (the paper:
       one) and take the best as the centre.
    2. Evaluate the centre's neighbours, the configurations that differ in one
       parameter (see ``Space.neighbours``: every other choice of a categorical;
       one ``step`` down and up on the unit cube for a number), in random
       order. A neighbour evaluated before is not evaluated again; its known
       loss is used.
    3. Move the centre to the best neighbour if it beats the centre (the
       paper's full-neighbourhood variant, the default), or, with
       ``first_improvement=True``, to the first neighbour that beats it.
    4. At a local minimum (no neighbour beats the centre) restart at step 1
       with fresh random configurations, until the budget ends the run.

    Several workers: neighbours of the centre are handed out while others are
    still pending. When every neighbour has been handed out and results are
    still pending, an idle worker evaluates a random configuration not seen
    before, as random search would; such fillers never move the centre, but
    their results are remembered. ``ask`` returns None only when no
    configuration that has not been evaluated can be found (a small, finished
    space). Trials run at the task's full fidelity.
    """

    def __init__(self, space, fidelity, rng, num_init: int = 1, first_improvement: bool = False, step: float = 0.1):
        super().__init__(space, fidelity, rng)
        if isinstance(num_init, bool) or not isinstance(num_init, int) or num_init < 1:
            raise UserError(f"method.num_init must be a positive integer, got {num_init!r}.")
        self.num_init = num_init
        self.first_improvement = first_improvement
        self.step = step
        self.known: dict[tuple, float | None] = {}  # every config asked: its loss, or None while pending
        self.centre: Config | None = None
        self.centre_loss = float("inf")
        self.queue: list[Config] = []  # neighbours of the centre not handed out yet
        self.waiting: set[tuple] = set()  # neighbours of the centre whose results are pending
        self.neighbourhood: list[tuple] = []
        self.starts: list[tuple] = []  # random starting points of this restart
        self._restart()

    # ----- asking ---------------------------------------------------------------------------------

    def ask(self) -> Trial | None:
        while self.centre is not None:
            if self.queue:
                config = self.queue.pop()
                key = self._key(config)
                if key not in self.known:
                    self.waiting.add(key)
                    return self._trial(config)
                if self.known[key] is None:  # asked elsewhere (a filler): wait for it
                    self.waiting.add(key)
            elif self.waiting:
                return self._random_trial()  # filler: nothing in the walk to hand out now
            else:
                self._step()  # every neighbour is known: move or restart
        if len(self.starts) < self.num_init:
            trial = self._random_trial()
            if trial is not None:
                self.starts.append(self._key(trial.config))
            return trial
        return self._random_trial()  # starting points pending: filler

    def _trial(self, config: Config) -> Trial:
        self.known[self._key(config)] = None
        return self.new_trial(config)

    def _random_trial(self) -> Trial | None:
        for _ in range(MAX_DRAWS):
            config = self.space.sample(self.rng, 1)[0]
            if self._key(config) not in self.known:
                return self._trial(config)
        return None

    # ----- learning -------------------------------------------------------------------------------

    def tell(self, trial: Trial, result: Result) -> None:
        key = self._key(trial.config)
        loss = float("inf") if result.failed else float(result.loss)
        self.known[key] = loss
        if self.centre is None:
            if key in self.starts and self._starts_known():
                best = min(self.starts, key=lambda s: self.known[s])
                self._move(dict(zip(self.space.names, best)))
            return
        if key in self.waiting:
            self.waiting.discard(key)
            if self.first_improvement and loss < self.centre_loss:
                self._move(trial.config)

    def _starts_known(self) -> bool:
        """Whether all ``num_init`` starting points of this restart have results."""
        return len(self.starts) == self.num_init and all(self.known[s] is not None for s in self.starts)

    def _step(self) -> None:
        """The neighbourhood is fully known: move to its best member if it beats the centre, else restart."""
        best = min(self.neighbourhood, key=lambda k: self.known[k], default=None)
        if best is not None and self.known[best] < self.centre_loss:
            self._move(dict(zip(self.space.names, best)))
        else:
            self._restart()

    def _move(self, config: Config) -> None:
        self.centre = dict(config)
        self.centre_loss = self.known[self._key(config)]
        found = self.space.neighbours(self.centre, self.step)
        self.neighbourhood = [self._key(c) for c in found]
        order = self.rng.permutation(len(found))
        self.queue = [found[i] for i in order.tolist()]  # handed out from the end
        self.waiting = set()

    def _restart(self) -> None:
        self.centre = None
        self.centre_loss = float("inf")
        self.queue, self.waiting, self.neighbourhood, self.starts = [], set(), [], []

    def _key(self, config: Config) -> tuple:
        return tuple(config[name] for name in self.space.names)
