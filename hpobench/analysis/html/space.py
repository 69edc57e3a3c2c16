"""What the report knows of a run's search space: as run.json records it, or inferred from the trials.

run.json holds the space as data (``Space.as_data``) since that field was
added; the report reads it from there (``recorded``). For older runs, since
the report builds no task from a results folder (reading one never runs
code), each parameter's kind and scale come from the values in
trials.jsonl (``infer``): text or booleans are categories
(in sorted order), integers and floats numbers, and a positive parameter
whose values span more than ``LOG_SPAN`` times (the rule of
``hpobench.analysis.lineage``) and sit more evenly on a log scale than on a
linear one (their median nearer the middle of the range) is taken as
log-scaled. Bounds are the observed extremes.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

LOG_SPAN = 20.0  # max / min beyond which a positive parameter is taken as log-scaled


@dataclass(frozen=True)
class ParamInfo:
    """One parameter: ``kind`` is ``"float"``, ``"int"`` or ``"categorical"``."""

    name: str
    kind: str
    log: bool = False
    low: float = 0.0
    high: float = 1.0
    choices: tuple = ()

    def encode(self, values: list) -> np.ndarray:
        """Values on the unit interval (numbers) or as indices of choices (categories); nan for missing."""
        if self.kind == "categorical":
            index = {c: i for i, c in enumerate(self.choices)}
            return np.array([index.get(_key(v), -1) for v in values], dtype=float)
        x = np.array([v if _is_number(v) else np.nan for v in values], dtype=float)
        low, high = self.low, self.high
        if self.log:
            x, low, high = np.log(x), math.log(low), math.log(high)
        return np.clip((x - low) / (high - low), 0.0, 1.0) if high > low else np.full(len(x), 0.5)

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "log": self.log, "choices": [str(c) for c in self.choices]}


def recorded(space: object, names: list[str]) -> list[ParamInfo] | None:
    """The parameters ``names`` as run.json's ``space`` describes them, or None when it does not describe them
    all in the expected form (a run made before the field existed, or a file edited by hand)."""
    if not isinstance(space, list):
        return None
    described = {}
    for item in space:
        try:
            name, kind = item["name"], item["kind"]
            if kind == "categorical":
                described[name] = ParamInfo(name, kind, choices=tuple(_key(c) for c in item["choices"]))
            elif kind in ("float", "int"):
                low, high = float(item["low"]), float(item["high"])
                log = item["log"] is True
                if not (math.isfinite(low) and math.isfinite(high) and low <= high and (low > 0 or not log)):
                    return None
                described[name] = ParamInfo(name, kind, log, low, high)
            else:
                return None
        except (KeyError, TypeError, ValueError):
            return None
    return [described[n] for n in names] if all(n in described for n in names) else None


def infer(columns: dict[str, list]) -> list[ParamInfo]:
    """The parameters of ``columns`` (name -> values in every trial), in the given order."""
    params = []
    for name, values in columns.items():
        present = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
        if present and all(_is_number(v) for v in present):
            low, high = float(min(present)), float(max(present))
            kind = "int" if all(isinstance(v, numbers.Integral) for v in present) else "float"
            params.append(ParamInfo(name, kind, _looks_log(np.array(present, dtype=float)), low, high))
        else:
            params.append(ParamInfo(name, "categorical", choices=tuple(sorted({_key(v) for v in present}))))
    return params


def _looks_log(x: np.ndarray) -> bool:
    low, high = x.min(), x.max()
    if not (low > 0 and high / low > LOG_SPAN):
        return False
    linear = abs((np.median(x) - low) / (high - low) - 0.5)
    logs = np.log(x)
    return bool(abs((np.median(logs) - logs.min()) / (logs.max() - logs.min()) - 0.5) < linear)


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _key(value: object) -> str:
    return str(value)
