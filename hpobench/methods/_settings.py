"""Range checks of method settings.

Every method checks all of its numeric settings in one ``_check_settings``
called by its constructor, so a value that would leave it nothing to do
(a population of 0, no bracket) or make no sense (a negative bandwidth) is
refused with one sentence before the run starts, instead of a "finished"
run of 0 trials or a crash midway.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from hpobench.errors import UserError


def whole(name: str, value: Any, low: int, high: int | None = None, none: bool = False) -> None:
    """``method.<name>`` must be a whole number in ``[low, high]`` (None: no upper end); ``none``: or None."""
    if none and value is None:
        return
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and low <= value <= (high or value):
        return
    span = f"from {low} to {high}" if high is not None else f"of at least {low}"
    raise UserError(f"method.{name} must be a whole number {span}{' or null' * none}, got {value!r}; "
                    f"fix the method.* setting.")


def number(name: str, value: Any, low: float | None = None, high: float | None = None, *, low_open: bool = False,
           high_open: bool = False, none: bool = False) -> None:
    """``method.<name>`` must be a finite number within the bounds (``*_open``: the bound itself excluded)."""
    if none and value is None:
        return
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (low is None or (value > low if low_open else value >= low))
    ok = ok and (high is None or (value < high if high_open else value <= high))
    if ok:
        return
    left = "" if low is None else f"{'(' if low_open else '['}{low}"
    right = "" if high is None else f"{high}{')' if high_open else ']'}"
    span = f"in {left}, {right}" if low is not None and high is not None else (
        f"{'>' if low_open else '>='} {low}" if low is not None else f"{'<' if high_open else '<='} {high}")
    raise UserError(f"method.{name} must be a finite number {span}{' or null' * none}, got {value!r}; "
                    f"fix the method.* setting.")


def one_of(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise UserError(f"method.{name} must be one of {', '.join(choices)}, got {value!r}; fix the method.* setting.")
