"""Random search."""

from __future__ import annotations

from hpobench.methods._settings import whole
from hpobench.methods.base import Method
from hpobench.trial import Trial


class RandomSearch(Method):
    """Uniform random search (Bergstra & Bengio, JMLR 2012).

    Every parameter is drawn independently and uniformly on the space's unit
    cube: uniform for linear parameters, log-uniform for log-scaled ones,
    equal chances for every integer and every choice. Trials run at the
    task's full fidelity. Never finishes on its own; the budget ends it.

    Configurations are decoded in blocks of ``block`` draws because one
    vectorised decode is far cheaper than many small ones. The generator
    fills blocks in row order, so the sequence depends on the seed alone,
    not on ``block``.
    """

    def __init__(self, space, fidelity, rng, block: int = 256):
        super().__init__(space, fidelity, rng)
        self.block = block
        self._check_settings()
        self._ready: list = []

    def _check_settings(self) -> None:
        """Refuse settings outside their ranges (UserError), before the first ask."""
        whole("block", self.block, 1)

    def ask(self) -> Trial:
        if not self._ready:
            self._ready = self.space.sample(self.rng, self.block)
            self._ready.reverse()  # pop() from the end hands them out in order
        return self.new_trial(self._ready.pop())
