"""What every adapter does the same way: import its library, say which it is, seed it."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from importlib import metadata
from types import ModuleType
from typing import Any

import numpy as np

from hpobench.errors import UserError


def load(module: str, *, extra: str, distribution: str | None = None) -> ModuleType:
    """Import ``module`` or stop with one sentence naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        missing = getattr(error, "name", None) or module
        raise UserError(f"this method needs {distribution or module.split('.')[0]} ({missing} is not importable): "
                        f"install it with pip install -e \".[{extra}]\" (or pip install \"hpobench[{extra}]\")."
                        ) from None


def version_of(distribution: str) -> str | None:
    """The installed version of a distribution, or None when pip does not know it."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def choose(setting: str, value: str, choices: Iterable[str], library: str) -> str:
    """``value`` when it is one of ``choices``, else one sentence naming them."""
    if value not in choices:
        raise UserError(f"method.{setting}={value!r} is not one of {library}'s here; use one of {', '.join(choices)}.")
    return value


def library_settings(settings: dict[str, Any] | None, seed_key: str) -> dict[str, Any]:
    """The keyword settings handed to the library, which must leave its seed to hpobench."""
    settings = dict(settings or {})
    if seed_key in settings:
        raise UserError(f"method.settings.{seed_key} is set by hpobench from the run's seed; remove it.")
    return settings


def seed_from(rng: np.random.Generator) -> int:
    """The library's seed: one draw from the method's generator (a 31-bit int every library takes)."""
    return int(rng.integers(2**31 - 1))


def describe(method: Any, library: str, distribution: str, *, deterministic: bool = True) -> dict[str, Any]:
    """The method's entry in ``run.json``: its class, the library and version it drives, whether it is deterministic."""
    kind = type(method)
    return {"class": f"{kind.__module__}.{kind.__qualname__}", "library": library,
            "library_version": version_of(distribution), "deterministic": deterministic}


class OwnGlobalNumpy:
    """A stream of numpy's *global* generator of the adapter's own, for a library that draws from it.

    ``with own:`` swaps numpy's global state for this stream's on entry and
    back on exit, so the library's draws are seeded from the method's
    generator and the global state that other code sees after the call is
    what it was before (not thread-safe: the runner calls methods from one
    thread).
    """

    def __init__(self, seed: int):
        self._state = np.random.RandomState(seed).get_state()
        self._outside: Any = None

    def __enter__(self) -> OwnGlobalNumpy:
        self._outside = np.random.get_state()
        np.random.set_state(self._state)
        return self

    def __exit__(self, *exc: object) -> None:
        self._state = np.random.get_state()
        np.random.set_state(self._outside)
