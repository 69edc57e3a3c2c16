"""From a config's ``_target_`` to an object, with errors that say what really happened.

Three things can go wrong, and each gets its own message: the module cannot
be imported (not installed, or it fails while importing: the file and line),
the settings do not fit the constructor (checked against its signature before
calling it: the unknown or missing setting and the valid ones), or the
constructor itself raises (a bug: where, and the original message).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import traceback
from types import ModuleType
from typing import Any

from hpobench.errors import UserError

_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def locate(target: str, what: str) -> Any:
    """The object that the dotted path ``target`` names, importing its module.

    Args:
        target: e.g. ``mypkg.tasks.MyTask``.
        what: the config it came from, for messages (e.g. ``task=mytask``).
    """
    parts = target.split(".")
    if not all(parts):
        raise UserError(f"{what} has _target_={target!r}, which is not a dotted path; fix its _target_.")
    obj: Any = _import(parts[0], target, what)
    for i, part in enumerate(parts[1:], start=1):
        if hasattr(obj, part):
            obj = getattr(obj, part)
        elif isinstance(obj, ModuleType):
            obj = _import(".".join(parts[: i + 1]), target, what)
        else:
            raise UserError(f"{what} has _target_={target}, but {'.'.join(parts[:i])} has no {part!r}; "
                            f"fix its _target_.")
    return obj


def _import(module: str, target: str, what: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name != module:  # the module exists but something it imports does not
            raise UserError(_failed_import(module, what, error)) from error
        if "." not in module:
            raise UserError(f"{what} has _target_={target}, but its module {module} cannot be imported "
                            f"(No module named {module!r}); install it, or put the folder that holds it on "
                            f"PYTHONPATH.") from error
        parent, _, name = module.rpartition(".")
        raise UserError(f"{what} has _target_={target}, but {parent} has no {name!r}; "
                        f"fix its _target_.") from error
    except Exception as error:  # a SyntaxError or any other exception while importing the module
        raise UserError(_failed_import(module, what, error)) from error


def _failed_import(module: str, what: str, error: BaseException) -> str:
    return (f"importing {module} (for {what}) failed at {where(error)}: {type(error).__name__}: {error}; "
            f"fix that module or install what it imports.")


def where(error: BaseException) -> str:
    """``file:line`` where ``error`` was raised, leaving out Python's import machinery."""
    if isinstance(error, SyntaxError) and error.filename:
        return f"{error.filename}:{error.lineno}"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith("<frozen")]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "an unknown place"


def unwrap(make: Any) -> tuple[Any, tuple[Any, ...], dict[str, Any]]:
    """The callable inside a (Hydra) partial, with the arguments the partial holds."""
    args: tuple[Any, ...] = ()
    keywords: dict[str, Any] = {}
    while isinstance(make, functools.partial):
        args, keywords = (*make.args, *args), {**make.keywords, **keywords}
        make = make.func
    return make, args, keywords


def name_of(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


def check_settings(make: Any, group: str, supplied: dict[str, Any] | None = None) -> None:
    """Refuse settings that do not fit ``make``'s signature, before it is called.

    Args:
        make: a class or function, or a partial of one holding the settings.
        group: ``method`` or ``task``, as in the ``<group>.*`` settings.
        supplied: arguments the harness adds when it calls ``make`` (a
            method's ``space``, ``fidelity`` and ``rng``).
    """
    supplied = supplied or {}
    target, args, settings = unwrap(make)
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):  # no signature to check against (some builtins)
        return
    params = signature.parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    valid = [n for n, p in params.items() if p.kind in _NAMED and n not in supplied]
    listed = ", ".join(valid) or "none"
    unknown = [] if takes_any else sorted(set(settings) - set(params))
    if unknown:
        raise UserError(f"{name_of(target)} got an unexpected keyword argument {unknown[0]!r}: {group}.{unknown[0]} "
                        f"is not one of its settings ({listed}); fix the {group}.* settings.")
    not_taken = [] if takes_any else sorted(set(supplied) - set(params))
    if not_taken:
        raise UserError(f"{name_of(target)} does not take {', '.join(not_taken)}, which the runner passes to every "
                        f"{group}; give its constructor the arguments of hpobench.{group}s.base.")
    try:
        signature.bind(*args, **settings, **supplied)
    except TypeError as error:
        missing = [n for n, p in params.items() if p.kind in _NAMED and p.default is p.empty
                   and n not in settings and n not in supplied]
        if missing and not args:
            raise UserError(f"{name_of(target)} is missing the setting {group}.{missing[0]} (its settings: "
                            f"{listed}); fix the {group}.* settings.") from None
        raise UserError(f"The {group}.* settings do not fit {name_of(target)} ({error}; its settings: {listed}); "
                        f"fix the {group}.* settings.") from None


def call(make: Any, group: str, supplied: dict[str, Any] | None = None) -> Any:
    """``make(**supplied)`` after checking the settings; a TypeError from inside says where it came from."""
    check_settings(make, group, supplied)
    try:
        return make(**(supplied or {}))
    except TypeError as error:  # the settings fit the signature, so this is a bug in the code called
        raise TypeError(f"the constructor of {name_of(unwrap(make)[0])} raised TypeError at {where(error)}: "
                        f"{error}") from error
