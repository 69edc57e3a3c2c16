"""Search spaces as data: three parameter kinds and one unit-cube transform.

Every method works on the unit cube ``[0, 1]^d`` and lets the space decode
points into configurations, so random search, grid search, GP and TPE never
branch on parameter kinds:

* ``Float``: linear (or logarithmic) between ``low`` and ``high``.
* ``Int``: the interval ``[low - 0.5, high + 0.5]`` is cut into equal cells,
  one per integer (in log space when ``log``), so uniform points in the cube
  give every integer the same chance (log-uniform chances when ``log``).
* ``Categorical``: ``n`` equal cells, one per choice; encoding puts a choice
  at the centre of its cell.

Decoding and encoding work on whole batches (rows are configurations) because
per-value Python loops dominate the cost of cheap methods.

The space also owns every other encoding a method needs, so no method tests
parameter kinds: choice indices for models with categorical kernels
(``Space.n_choices``, ``choice_indices``, ``choice_centres``), the mask of
continuous dimensions for gradient steps (``Space.continuous``), snapping to
valid points (``Space.snap``), one-parameter moves for local search and
evolution (``Space.neighbours``), and PBT's perturbations (``numeric``,
``scaled`` and ``shifted`` of a parameter). ``Space.translate`` is the one
place where another library's space is built from the kinds.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from hpobench.errors import UserError

Value = float | int | str | bool
Config = dict[str, Value]


class _Numeric:
    """What Float and Int share: a linear or logarithmic axis between two ends.

    Subclasses give ``_span``, the interval the unit cube maps onto (Int
    widens it by half a step on each side so that every integer gets a cell).
    """

    low: float
    high: float
    log: bool
    numeric = True  # has a scale that PBT's perturbations move along

    def _ends(self) -> tuple[float, float]:
        a, b = self._span()
        return (math.log(a), math.log(b)) if self.log else (float(a), float(b))

    def _scale(self, u: np.ndarray) -> np.ndarray:
        a, b = self._ends()
        x = a + u * (b - a)
        return np.exp(x) if self.log else x

    def to_unit(self, values: Iterable[Value]) -> np.ndarray:
        a, b = self._ends()
        x = np.asarray(list(values), dtype=float)
        return ((np.log(x) if self.log else x) - a) / (b - a)

    def _grid(self, resolution: int) -> np.ndarray:
        return (np.geomspace if self.log else np.linspace)(self.low, self.high, resolution)

    def neighbours(self, value: Value, step: float) -> list[Value]:
        """One ``step`` down and up on the unit cube (a constant factor when log),
        clipped to the bounds; a move that lands on ``value`` is dropped."""
        u = float(self.to_unit([value])[0])
        values: list[Value] = []
        for direction in (-1, 1):
            moved = self.from_unit(np.array([min(1.0, max(0.0, u + direction * step))]))[0]
            moved = self._at_least_one_step(value, moved, direction)
            if moved != value and moved not in values:
                values.append(moved)
        return values

    def scaled(self, value: Value, factor: float) -> Value:
        """``value * factor`` clipped to the bounds (an Int rounds): PBT's multiplicative perturbation."""
        return self._cast(float(np.clip(value * factor, self.low, self.high)))

    def shifted(self, value: Value, shift: np.ndarray) -> Value:
        """``value`` moved by ``shift`` (shape ``(1,)``) on the unit cube, clipped to the cube."""
        return self.from_unit(np.clip(self.to_unit([value]) + shift, 0.0, 1.0))[0]


@dataclass(frozen=True)
class Float(_Numeric):
    """A real-valued parameter in ``[low, high]``, log-scaled when ``log``."""

    low: float
    high: float
    log: bool = False

    def __post_init__(self) -> None:
        _check_bounds(self.low, self.high, self.log)

    def _span(self) -> tuple[float, float]:
        return self.low, self.high

    def _cast(self, value: float) -> float:
        return value

    def _at_least_one_step(self, value: Value, moved: Value, direction: int) -> Value:
        return moved

    def from_unit(self, u: np.ndarray) -> list[float]:
        return np.clip(self._scale(u), self.low, self.high).tolist()

    def grid(self, resolution: int) -> list[float]:
        return self._grid(resolution).tolist()

    def contains(self, value: Any) -> bool:
        if type(value) is float:  # the usual case first: the runner checks every trial
            return self.low <= value <= self.high
        numeric = isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, bool)
        return numeric and self.low <= value <= self.high


@dataclass(frozen=True)
class Int(_Numeric):
    """An integer parameter in ``[low, high]``, log-scaled when ``log``."""

    low: int
    high: int
    log: bool = False

    def __post_init__(self) -> None:
        if not (_is_int(self.low) and _is_int(self.high)):
            raise UserError(f"Int bounds must be integers, got low={self.low!r} and high={self.high!r}; "
                            "use Float for real values.")
        _check_bounds(self.low, self.high, self.log)

    def _span(self) -> tuple[float, float]:
        return self.low - 0.5, self.high + 0.5

    def _cast(self, value: float) -> int:
        return round(value)

    def _at_least_one_step(self, value: Value, moved: Value, direction: int) -> Value:
        # A step smaller than one integer moves to the next integer, so an Int
        # always has a neighbour on each side that is inside its range.
        if moved == value and self.low <= value + direction <= self.high:
            return value + direction
        return moved

    def from_unit(self, u: np.ndarray) -> list[int]:
        return np.clip(np.floor(self._scale(u) + 0.5), self.low, self.high).astype(np.int64).tolist()

    def grid(self, resolution: int) -> list[int]:
        return sorted(set(np.rint(self._grid(resolution)).astype(np.int64).tolist()))

    def contains(self, value: Any) -> bool:
        return _is_int(value) and self.low <= value <= self.high


@dataclass(frozen=True)
class Categorical:
    """A choice among ``choices`` (strings, numbers or booleans), unordered."""

    choices: tuple[Value, ...]
    numeric = False  # unordered: PBT resamples a choice but never perturbs it

    def __post_init__(self) -> None:
        object.__setattr__(self, "choices", tuple(self.choices))
        if not self.choices:
            raise UserError("Categorical needs at least one choice; list the values it may take.")
        if len(set(self.choices)) != len(self.choices):
            raise UserError(f"Categorical choices {list(self.choices)} repeat a value; list each choice once.")

    def from_unit(self, u: np.ndarray) -> list[Value]:
        n = len(self.choices)
        index = np.minimum((u * n).astype(np.int64), n - 1)
        return [self.choices[i] for i in index.tolist()]

    def to_unit(self, values: Iterable[Value]) -> np.ndarray:
        position = {c: i for i, c in enumerate(self.choices)}
        index = np.asarray([position[v] for v in values], dtype=float)
        return (index + 0.5) / len(self.choices)

    def grid(self, resolution: int) -> list[Value]:
        return list(self.choices)

    def neighbours(self, value: Value, step: float) -> list[Value]:
        """Every other choice, in the order listed (``step`` does not apply)."""
        return [c for c in self.choices if not (c == value and type(c) is type(value))]

    def contains(self, value: Any) -> bool:
        # Compare with the type as well: True == 1 must not pass for an int choice.
        return any(value == c and type(value) is type(c) for c in self.choices)


Param = Float | Int | Categorical


class Space:
    """An ordered set of named parameters.

    Args:
        params: name to parameter, as a mapping or as ``(name, param)`` pairs;
            the order given is the order of the unit-cube dimensions.
    """

    def __init__(self, params: Mapping[str, Param] | Iterable[tuple[str, Param]]):
        pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
        names = [name for name, _ in pairs]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise UserError(f"Parameter names {repeated} appear more than once; give every parameter its own name.")
        if not pairs:
            raise UserError("A search space needs at least one parameter.")
        for name, param in pairs:
            if not isinstance(param, (Float, Int, Categorical)):
                raise UserError(f"Parameter {name!r} is a {type(param).__name__}; use Float, Int or Categorical.")
        self.params: dict[str, Param] = dict(pairs)
        self.names: tuple[str, ...] = tuple(names)
        self._name_set = frozenset(names)

    def __len__(self) -> int:
        return len(self.names)

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={p!r}" for n, p in self.params.items())
        return f"Space({inner})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Space) and list(self.params.items()) == list(other.params.items())

    def decode(self, unit: np.ndarray) -> list[Config]:
        """Map points of the unit cube, shape ``(n, d)``, to ``n`` configurations."""
        unit = np.atleast_2d(np.asarray(unit, dtype=float))
        if unit.shape[1] != len(self):
            raise ValueError(f"expected {len(self)} columns, got {unit.shape[1]}")
        columns = [p.from_unit(unit[:, j]) for j, p in enumerate(self.params.values())]
        return [dict(zip(self.names, row)) for row in zip(*columns)]

    def encode(self, configs: Iterable[Config]) -> np.ndarray:
        """Map configurations to points of the unit cube, shape ``(n, d)``."""
        configs = list(configs)
        columns = [p.to_unit([c[n] for c in configs]) for n, p in self.params.items()]
        return np.stack(columns, axis=1) if configs else np.empty((0, len(self)))

    def sample(self, rng: np.random.Generator, n: int) -> list[Config]:
        """Draw ``n`` configurations uniformly from the unit cube (log-uniform where log)."""
        return self.decode(rng.random((n, len(self))))

    def grid(self, resolution: int | Mapping[str, int]) -> Iterator[Config]:
        """Enumerate the full-factorial grid in a fixed order.

        Numeric parameters get ``resolution`` points from ``low`` to ``high``
        inclusive (log-spaced where log; integers rounded and deduplicated);
        categoricals give all their choices. The first parameter varies
        slowest and the last fastest, as in nested loops in space order.
        """
        axes = [p.grid(_resolution_of(name, resolution)) for name, p in self.params.items()]
        for values in itertools.product(*axes):
            yield dict(zip(self.names, values))

    def grid_size(self, resolution: int | Mapping[str, int]) -> int:
        return math.prod(len(p.grid(_resolution_of(n, resolution))) for n, p in self.params.items())

    def translate(self, *, on_float: Callable[[str, Float], Any], on_int: Callable[[str, Int], Any],
                  on_categorical: Callable[[str, Categorical], Any]) -> dict[str, Any]:
        """Translate every parameter, in space order, with the function for its kind.

        The one place where code outside this module meets the parameter kinds:
        an adapter to another library's space passes one function per kind and
        never tests types itself. Each function gets ``(name, param)``.
        """
        visitors = {Float: on_float, Int: on_int, Categorical: on_categorical}
        return {name: visitors[type(param)](name, param) for name, param in self.params.items()}

    def as_data(self) -> list[dict[str, Any]]:
        """The space as plain JSON data, in space order: what a worker process and ``run.json`` hold."""
        return list(self.translate(
            on_float=lambda name, p: {"name": name, "kind": "float", "low": p.low, "high": p.high, "log": p.log},
            on_int=lambda name, p: {"name": name, "kind": "int", "low": p.low, "high": p.high, "log": p.log},
            on_categorical=lambda name, p: {"name": name, "kind": "categorical", "choices": list(p.choices)},
        ).values())

    @property
    def n_choices(self) -> np.ndarray:
        """Per dimension, the number of choices of a categorical; 0 for a Float or Int."""
        return np.array([len(p.choices) if isinstance(p, Categorical) else 0 for p in self.params.values()],
                        dtype=np.int64)

    @property
    def continuous(self) -> np.ndarray:
        """Per dimension, whether it is a Float (any point of its interval is valid)."""
        return np.array([isinstance(p, Float) for p in self.params.values()], dtype=bool)

    def choice_indices(self, unit: np.ndarray) -> np.ndarray:
        """Unit-cube points (the last axis the dimensions) with each categorical
        coordinate replaced by its choice index ``0..n-1``; other coordinates unchanged.

        The coordinates of models with categorical kernels (TPE's Parzen
        estimators, BOHB's KDE); ``choice_centres`` maps back.
        """
        unit = np.asarray(unit, dtype=float)
        n = self.n_choices
        cat = n > 0
        out = unit.copy()
        out[..., cat] = np.minimum(np.floor(unit[..., cat] * n[cat]), n[cat] - 1)
        return out

    def choice_centres(self, points: np.ndarray) -> np.ndarray:
        """The inverse of ``choice_indices``: a choice index goes to the centre of its cell."""
        n = self.n_choices
        return np.where(n > 0, (np.asarray(points, dtype=float) + 0.5) / np.maximum(n, 1), points)

    def snap(self, unit: np.ndarray) -> np.ndarray:
        """Move points of the unit cube to where their configurations lie:
        ``encode(decode(unit))``, so integers and choices take their cell's
        value. Returned as given when every parameter is a Float (the round
        trip would only add rounding error)."""
        if self.continuous.all():
            return unit
        return self.encode(self.decode(unit))

    def values_near(self, name: str, value: Value, step: float) -> list[Value]:
        """The values parameter ``name`` may move to from ``value`` in one move, in a fixed order.

        A categorical moves to any other choice (the NAS-Bench-201
        neighbourhood of White et al. 2021: change the operation on one edge);
        a number one ``step`` down or up on the unit cube, an Int at least to
        the next integer. A value equal to ``value`` is never among them.
        """
        return self.params[name].neighbours(value, step)

    def neighbours(self, config: Config, step: float) -> list[Config]:
        """Every configuration one move (``values_near``) away from ``config``, in space order."""
        return [{**config, name: v} for name in self.names for v in self.values_near(name, config[name], step)]

    def check(self, config: Config) -> str | None:
        """Return why ``config`` is not a point of this space, or None when it is."""
        if config.keys() != self._name_set:  # the same names, in any order
            return f"config keys {sorted(config)} differ from the space's {sorted(self.names)}"
        for name, param in self.params.items():
            if not param.contains(config[name]):
                return f"{name}={config[name]!r} is outside {param!r}"
        return None


def _resolution_of(name: str, resolution: int | Mapping[str, int]) -> int:
    r = resolution.get(name, 2) if isinstance(resolution, Mapping) else resolution
    if not _is_int(r) or r < 2:
        raise UserError(f"Grid resolution for {name!r} must be an integer of at least 2, got {r!r}.")
    return int(r)


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_bounds(low: Any, high: Any, log: bool) -> None:
    if not (isinstance(low, (int, float)) and isinstance(high, (int, float))) or isinstance(low, bool):
        raise UserError(f"Bounds must be numbers, got low={low!r} and high={high!r}.")
    if not (math.isfinite(low) and math.isfinite(high)):
        raise UserError(f"Bounds must be finite, got low={low} and high={high}.")
    if low >= high:
        raise UserError(f"low ({low}) must be below high ({high}); swap them or widen the range.")
    if log and low <= 0:
        raise UserError(f"A log-scaled parameter needs low > 0, got low={low}; raise low or set log=False.")
