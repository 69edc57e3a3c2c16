"""Grid search."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from hpobench.methods.base import Method
from hpobench.space import Config
from hpobench.trial import Trial


class GridSearch(Method):
    """Full-factorial grid search at the task's full fidelity.

    Each numeric parameter gets ``resolution`` points from low to high
    (log-spaced where log; integers rounded, duplicates dropped); categoricals
    take every choice. ``resolution`` may be one number or a mapping from
    parameter name to number (parameters left out get 2 points).

    Order: the first parameter varies slowest and the last fastest, like
    nested loops in the space's order. A budget smaller than the grid stops
    after that prefix, which covers only the first values of the leading
    parameters; ``shuffle=True`` visits the grid in a random order (from the
    run's seed) so that any prefix is a uniform sample of it. A budget larger
    than the grid ends the run when the grid is exhausted.
    """

    def __init__(self, space, fidelity, rng, resolution: int | Mapping[str, int] = 5, shuffle: bool = False):
        super().__init__(space, fidelity, rng)
        self.resolution = resolution
        self.shuffle = shuffle
        self._points: Iterator[Config] | None = None
        space.grid_size(resolution)  # refuse a bad resolution now, before the run starts

    def ask(self) -> Trial | None:
        if self._points is None:
            self._points = self._order()
        config = next(self._points, None)
        return None if config is None else self.new_trial(config)

    def _order(self) -> Iterator[Config]:
        points = self.space.grid(self.resolution)
        if not self.shuffle:
            return points
        points = list(points)
        return iter([points[i] for i in self.rng.permutation(len(points))])
