"""A method whose constructor has a bug that raises TypeError."""

from hpobench.methods.random_search import RandomSearch


class BuggyMethod(RandomSearch):
    def __init__(self, space, fidelity, rng, scale: float = 2.0):
        super().__init__(space, fidelity, rng)
        self.width = "width " + scale  # the bug: str + float


class NeedsASetting(RandomSearch):
    def __init__(self, space, fidelity, rng, *, scale: float, offset: float = 0.0):
        super().__init__(space, fidelity, rng)
        self.scale, self.offset = scale, offset
