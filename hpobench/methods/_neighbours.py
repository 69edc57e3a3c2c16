"""One-parameter changes of a configuration: the neighbourhood of local search
and the mutation of evolution, defined once for every parameter kind.

* Categorical: every other choice (the NAS-Bench-201 neighbourhood of White
  et al. 2021: change the operation on one edge; 6 edges x 4 = 24 neighbours).
* Float and Int: one step of ``step`` down and up on the unit cube (so a log
  parameter moves by a constant factor), clipped to the bounds. When the step
  is smaller than one integer, an Int moves to the next integer instead, so
  an Int always has a neighbour on each side that is inside its range.

Values equal to the current one are dropped, so a neighbour always differs.
"""

from __future__ import annotations

import numpy as np

from hpobench.space import Categorical, Config, Int, Space, Value


def values_near(space: Space, name: str, value: Value, step: float) -> list[Value]:
    """The values parameter ``name`` may move to from ``value``, in a fixed order."""
    param = space.params[name]
    if isinstance(param, Categorical):
        return [c for c in param.choices if not (c == value and type(c) is type(value))]
    u = float(param.to_unit([value])[0])
    values: list[Value] = []
    for direction in (-1, 1):
        moved = param.from_unit(np.array([min(1.0, max(0.0, u + direction * step))]))[0]
        if isinstance(param, Int) and moved == value and param.low <= value + direction <= param.high:
            moved = value + direction
        if moved != value and moved not in values:
            values.append(moved)
    return values


def neighbours(space: Space, config: Config, step: float) -> list[Config]:
    """Every configuration that differs from ``config`` in exactly one parameter."""
    return [{**config, name: v} for name in space.names for v in values_near(space, name, config[name], step)]


def mutate(space: Space, config: Config, rng: np.random.Generator, step: float) -> Config:
    """A uniformly chosen parameter changed to a uniformly chosen nearby value.

    Returns ``config`` unchanged only when no parameter can move (a space of
    single-choice parameters).
    """
    movable = [(name, near) for name in space.names if (near := values_near(space, name, config[name], step))]
    if not movable:
        return dict(config)
    name, near = movable[rng.integers(len(movable))]
    return {**config, name: near[rng.integers(len(near))]}
