"""Any table of results as a task: look the answer up instead of training.

A tabular benchmark (NAS-Bench-101/201, LCBench's raw data, HPO-B, a user's
own grid of runs) is a table whose rows are configurations × fidelity levels
and whose columns hold the configuration, the fidelity and the metrics.
``TabularTask`` turns such a table into a ``Task``:

* the space comes from the configuration columns: text and booleans become
  ``Categorical`` (choices sorted); numbers become ordinal ``Categorical``s
  over their sorted distinct values, because a table only knows the values it
  holds; ``int``/``float`` (``_log``) may be declared for dense columns;
* every lookup is one dictionary access on a tuple key, never a DataFrame
  filter;
* a configuration the table lacks is an error naming the configuration and
  never a silent nearest neighbour, because a neighbour's result would be
  reported as this configuration's;
* the optimum is the table's best loss at full fidelity.

Cost model: ``cost`` names a column holding the seconds needed to reach that
row (cumulative training time up to that fidelity level), or is a number of
seconds per full-fidelity evaluation, charged in proportion to the fidelity.
With ``checkpoint=True`` a trial that continues from a parent is charged
cost(config, fidelity) - cost(config, parent's fidelity); the cost column is
made monotone along each configuration's fidelity levels first (a running
maximum) so that a continuation never costs less than nothing. Declare
``checkpoint`` only when the levels of one configuration are points on one
training run (per-epoch learning curves), not separate runs with separate
schedules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hpobench.errors import UserError
from hpobench.fidelity import Fidelity
from hpobench.space import Categorical, Config, Float, Int, Param, Space
from hpobench.tasks.base import Task
from hpobench.trial import Result, Trial

KINDS = ("categorical", "ordinal", "int", "int_log", "float", "float_log")


PACKAGE_PREFIX = "hpobench:"  # "hpobench:data/examples/x.csv" names a file shipped inside the package


def read_table(path: str | Path | None) -> pd.DataFrame:
    """Read a parquet or CSV file (CSV may be compressed: .csv.gz, .csv.bz2, ...).

    A path starting with ``hpobench:`` is relative to the installed package,
    so configs can name shipped example tables wherever they run.
    """
    if path is None:
        raise UserError("No table is given; set task.path to a parquet or CSV file.")
    if str(path).startswith(PACKAGE_PREFIX):
        path = Path(str(resources.files("hpobench"))) / str(path)[len(PACKAGE_PREFIX):]
    path = Path(path)
    if not path.is_file():
        raise UserError(f"The table {path} does not exist; point task.path at a parquet or CSV file.")
    if path.suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if ".csv" in path.suffixes:
        return pd.read_csv(path)
    raise UserError(f"Cannot read {path.name}: give a .parquet or .csv (optionally compressed) file.")


class TabularTask(Task):
    """A task answered by looking rows up in a table.

    Args:
        path: parquet or CSV file.
        metric: column the search minimises (see ``maximize``).
        maximize: the metric is better when larger (an accuracy); then
            loss = ``upper`` - value, or -value when ``upper`` is None.
        upper: the metric's best possible value, e.g. 100 for accuracy in %
            or 1 for a fraction, so that loss is an error rate.
        test_metric: column reported as ``test_loss`` (same direction and
            ``upper`` as ``metric``); None for no test loss.
        fidelity: column of fidelity levels (epochs, subset size); None for a
            black-box table. Levels must be positive.
        cost: column of seconds to reach the row, or seconds per
            full-fidelity evaluation.
        params: configuration columns. None: every column not named by
            another argument. A list: those columns, kinds inferred. A mapping:
            column to a kind in ``KINDS`` or to an explicit list of choices.
        info: columns copied into ``Result.info``; None: every column not
            used otherwise.
        checkpoint: whether a trial may continue from a parent and pay only
            the extra cost (see the module docstring).
        filters: column to value; only rows with these values are kept, e.g.
            ``{"dataset": "cifar10"}`` for a table of several datasets.
    """

    def __init__(self, path: str | None = None, metric: str | None = None, maximize: bool = False,
                 upper: float | None = None, test_metric: str | None = None, fidelity: str | None = None,
                 cost: str | float = 1.0,
                 params: Sequence[str] | Mapping[str, Any] | None = None, info: Sequence[str] | None = None,
                 checkpoint: bool = False, filters: Mapping[str, Any] | None = None):
        self.path = path
        self.metric = metric
        self.maximize = maximize
        self.upper = upper
        self.test_metric = test_metric
        self.fidelity_column = fidelity
        self.cost = cost
        self.params = params
        self.info = info
        self.checkpoint = checkpoint
        self.filters = filters

    def load_frame(self) -> pd.DataFrame:
        """The table; subclasses that ship their own data override this."""
        return read_table(self.path)

    # ----- the built table: space, index, arrays -------------------------------------------------

    @cached_property
    def _built(self) -> _Built:
        return _build(self, self.load_frame())

    @property
    def space(self) -> Space:
        return self._built.space

    @property
    def fidelity(self) -> Fidelity | None:
        return self._built.fidelity

    @property
    def optimum(self) -> float:
        return self._built.optimum

    @property
    def supports(self) -> frozenset[str]:
        return frozenset({"checkpoint"}) if self.checkpoint and self.fidelity_column else frozenset()

    @property
    def levels(self) -> tuple[float, ...]:
        """The fidelity levels the table holds, ascending; empty without fidelity."""
        return self._built.levels

    # ----- evaluation -----------------------------------------------------------------------------

    def row(self, config: Config, fidelity: float | None = None) -> int:
        """Position of ``config`` at ``fidelity`` (None: the highest level) in the table."""
        built = self._built
        code = built.index.get(tuple(config[name] for name in built.space.names))
        level = built.level_position.get(built.levels[-1] if fidelity is None else fidelity) if built.levels else 0
        position = -1 if code is None or level is None else int(built.rows[code, level])
        if position < 0:
            raise UserError(self._missing(config, fidelity))
        return position

    def evaluate(self, trial: Trial, seed: int) -> Result:
        built = self._built
        row = self.row(trial.config, trial.fidelity)
        cost = built.cost[row]
        if trial.parent_fidelity is not None and self.checkpoint:  # pay only the levels beyond the parent's
            cost = max(0.0, cost - built.cost[self.row(trial.config, trial.parent_fidelity)])
        test = None if built.test_loss is None else float(built.test_loss[row])
        info = {name: _plain(column[row]) for name, column in built.info.items()}
        return Result(float(built.loss[row]), float(cost), test, info)

    def _missing(self, config: Config, fidelity: float | None) -> str:
        built = self._built
        if built.fidelity is not None and fidelity is not None and fidelity not in built.levels:
            return (f"The table has no fidelity level {fidelity} (it has {list(built.levels)}); "
                    f"ask for one of those levels.")
        where = "" if fidelity is None else f" at {self.fidelity_column}={fidelity}"
        return (f"The table {self.path} has no row for {config}{where}; evaluate only configurations "
                f"the table holds (this task never substitutes a neighbour).")


class _Built:
    """The table turned into a space, an index and plain arrays.

    ``index`` maps a configuration (a tuple in space order) to its code, and
    ``rows[code, level]`` is the row of that configuration at that fidelity
    level (-1 where the table has none): one dictionary access and one array
    access per lookup, and memory for one key per configuration, not per row.
    """

    space: Space
    fidelity: Fidelity | None
    levels: tuple[float, ...]
    level_position: dict[float, int]
    index: dict[tuple, int]
    rows: np.ndarray
    loss: np.ndarray
    test_loss: np.ndarray | None
    cost: np.ndarray
    info: dict[str, np.ndarray]
    optimum: float


def _build(task: TabularTask, frame: pd.DataFrame) -> _Built:
    if task.metric is None:
        raise UserError(f"No metric is given; set task.metric to one of the columns {list(frame.columns)}.")
    frame = _filtered(task, frame)
    used = [task.metric, task.test_metric, task.fidelity_column, *(task.filters or {})]
    if isinstance(task.cost, str):
        used.append(task.cost)
    used = [c for c in used if c is not None]
    _require_columns(frame, used, task)
    params = _param_kinds(task, frame, used)
    built = _Built()
    built.space = Space([(name, _param(name, kind, frame[name])) for name, kind in params.items()])
    codes = frame.groupby(list(params), sort=False, dropna=False).ngroup().to_numpy()
    first = np.unique(codes, return_index=True)[1]  # the first row of each configuration, in code order
    keys = zip(*(frame[name].iloc[first].tolist() for name in params))
    built.index = {key: code for code, key in enumerate(keys)}
    built.levels, built.fidelity, level_codes = (), None, np.zeros(len(frame), dtype=np.int64)
    if task.fidelity_column is not None:
        values = frame[task.fidelity_column].to_numpy()
        built.levels = tuple(np.unique(values).tolist())
        built.fidelity = _fidelity(task.fidelity_column, built.levels)
        level_codes = np.searchsorted(np.asarray(built.levels), values)
    built.level_position = {level: i for i, level in enumerate(built.levels)}
    n_levels = max(1, len(built.levels))
    if np.bincount(codes * n_levels + level_codes).max() > 1:
        raise UserError(f"Some rows of {task.path} share the same configuration{' and fidelity' * bool(built.levels)}"
                        f"; declare the configuration columns in task.params or select rows with task.filters.")
    built.rows = np.full((len(built.index), n_levels), -1, dtype=np.int64)
    built.rows[codes, level_codes] = np.arange(len(frame))
    built.loss = _as_loss(task, frame[task.metric])
    built.test_loss = None if task.test_metric is None else _as_loss(task, frame[task.test_metric])
    built.cost = _costs(task, frame, built.rows, built.levels)
    names = task.info if task.info is not None else [c for c in frame.columns if c not in params and c not in used]
    _require_columns(frame, list(names), task)
    built.info = {name: frame[name].to_numpy() for name in names}  # arrays, not lists: big tables stay small
    full = built.rows[:, -1]
    built.optimum = float(np.nanmin(built.loss[full[full >= 0]]))
    return built


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value, so results serialise as JSON."""
    return value.item() if isinstance(value, np.generic) else value


def _filtered(task: TabularTask, frame: pd.DataFrame) -> pd.DataFrame:
    for column, value in (task.filters or {}).items():
        _require_columns(frame, [column], task)
        frame = frame[frame[column] == value]
    if frame.empty:
        raise UserError(f"No rows of {task.path} match task.filters={dict(task.filters or {})}; "
                        f"pick values the table holds.")
    return frame.reset_index(drop=True)


def _require_columns(frame: pd.DataFrame, columns: list[str], task: TabularTask) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise UserError(f"The table {task.path} has no column(s) {missing}; it has {list(frame.columns)}, "
                        f"so fix the task settings that name them.")


def _param_kinds(task: TabularTask, frame: pd.DataFrame, used: list[str]) -> dict[str, Any]:
    if task.params is None:
        info = set(task.info or ())
        names = [c for c in frame.columns if c not in used and c not in info]
        kinds: dict[str, Any] = dict.fromkeys(names)
    elif isinstance(task.params, Mapping):
        kinds = dict(task.params)
    else:
        kinds = dict.fromkeys(task.params)
    _require_columns(frame, list(kinds), task)
    for name, kind in kinds.items():
        if frame[name].isna().any():
            raise UserError(f"Column {name!r} of {task.path} has empty cells; fill them or drop those rows.")
        if kind is None:  # infer: a table knows only the values it holds
            numeric = pd.api.types.is_numeric_dtype(frame[name]) and not pd.api.types.is_bool_dtype(frame[name])
            kinds[name] = "ordinal" if numeric else "categorical"
        elif isinstance(kind, str) and kind not in KINDS:
            raise UserError(f"Unknown kind {kind!r} for column {name!r}; "
                            f"use one of {list(KINDS)} or a list of choices.")
    if not kinds:
        raise UserError(f"No configuration columns are left in {task.path}; list them in task.params.")
    return kinds


def _param(name: str, kind: Any, column: pd.Series) -> Param:
    values = sorted(set(column.tolist()), key=lambda v: (str(type(v)), v))
    if not isinstance(kind, str):  # an explicit list of choices, in the order given
        declared = Categorical(tuple(kind))
        extra = [v for v in values if not declared.contains(v)]  # type-strict: "0.1" is not 0.1
        if extra:
            raise UserError(f"Column {name!r} holds values {extra} missing from its declared choices "
                            f"{list(declared.choices)}; add them (with the same type).")
        return declared
    if kind in ("categorical", "ordinal"):
        return Categorical(tuple(values))
    low, high, log = values[0], values[-1], kind.endswith("_log")
    if kind.startswith("int"):
        if not all(float(v).is_integer() for v in values):
            raise UserError(f"Column {name!r} holds non-integers; declare it 'float' or 'ordinal'.")
        return Int(int(low), int(high), log)
    return Float(float(low), float(high), log)


def _fidelity(name: str, levels: tuple[float, ...]) -> Fidelity:
    if len(levels) < 2:
        raise UserError(f"The fidelity column {name!r} has a single level {list(levels)}; "
                        f"drop task.fidelity or give the table more levels.")
    if levels[0] <= 0:
        raise UserError(f"The fidelity column {name!r} holds {levels[0]}; fidelity levels must be positive.")
    integer = all(float(v).is_integer() for v in levels)
    return Fidelity(name, levels[0], levels[-1], integer)


def _as_loss(task: TabularTask, column: pd.Series) -> np.ndarray:
    values = column.to_numpy(dtype=float)
    if not task.maximize:
        return values
    return (0.0 if task.upper is None else float(task.upper)) - values


def _costs(task: TabularTask, frame: pd.DataFrame, rows: np.ndarray, levels: tuple[float, ...]) -> np.ndarray:
    if not isinstance(task.cost, str):
        if not (isinstance(task.cost, (int, float)) and math.isfinite(task.cost) and task.cost >= 0):
            raise UserError(f"task.cost must be a column name or seconds >= 0, got {task.cost!r}.")
        if not levels:
            return np.full(len(frame), float(task.cost))
        return float(task.cost) * frame[task.fidelity_column].to_numpy(dtype=float) / levels[-1]
    cost = frame[task.cost].to_numpy(dtype=float)
    if (cost < 0).any() or not np.isfinite(cost).all():
        raise UserError(f"The cost column {task.cost!r} holds negative or missing values; costs are seconds >= 0.")
    if task.checkpoint and levels:
        cost = _running_max(cost, rows)
    return cost


def _running_max(cost: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Make cost non-decreasing along each configuration's fidelity levels (a row of ``rows``)."""
    held = rows >= 0
    grid = np.where(held, cost[np.maximum(rows, 0)], np.nan)
    running = np.fmax.accumulate(grid, axis=1)  # fmax skips the levels a configuration lacks
    out = cost.copy()
    out[rows[held]] = running[held]
    return out
