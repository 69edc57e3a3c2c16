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

    ``with own:`` points numpy's module-level functions (``np.random.rand``,
    ``randint``, ``seed``, …: the bound methods of its global ``RandomState``)
    and the global ``RandomState`` itself, ``np.random.mtrand._rand`` (what
    scikit-learn's ``check_random_state(None)`` returns), at a ``RandomState``
    of this stream's own on entry and back on exit, so the library's global
    draws are seeded from the method's generator and the global generator
    other code sees is never drawn from. Re-pointing 48 names costs about
    2 µs; swapping the state with ``get_state`` / ``set_state`` cost about
    100 µs a call (not thread-safe: the runner calls methods from one
    thread). Code that kept a reference to the global ``RandomState`` from
    before (``from numpy.random.mtrand import _rand``) is not covered.
    """

    def __init__(self, seed: int):
        own = np.random.RandomState(seed)
        names = [*sorted(name for name, value in vars(np.random).items()
                         if getattr(value, "__self__", None) is np.random.mtrand._rand), "seed"]
        self._own = {name: getattr(own, name) for name in names}
        self._own_rand = own
        self._outside: dict[str, Any] = {}
        self._outside_rand: Any = None

    def __enter__(self) -> OwnGlobalNumpy:
        self._outside = {name: getattr(np.random, name) for name in self._own}
        self._outside_rand = np.random.mtrand._rand
        vars(np.random).update(self._own)
        np.random.mtrand._rand = self._own_rand
        return self

    def __exit__(self, *exc: object) -> None:
        vars(np.random).update(self._outside)
        np.random.mtrand._rand = self._outside_rand
