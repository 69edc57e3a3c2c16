"""The worker of a method that runs in its own virtual environment: ask and tell over JSON lines.

The runner starts ``python worker.py`` with the environment's Python and
talks to it through pipes, one JSON object a line. This file imports nothing
from hpobench, so it runs wherever the optimiser's own dependencies do (old
numpy included). The driver it loads is a class with

* ``__init__(space, fidelity, seed, settings)``: ``space`` a list of
  ``{"name", "kind": "float"|"int"|"categorical", "low", "high", "log"}`` or
  ``{"name", "kind": "categorical", "choices"}`` in the space's order;
  ``fidelity`` ``{"name", "min", "max", "integer"}`` or None; ``seed`` an int
  drawn from the method's generator; ``settings`` the YAML's ``settings``;
* ``ask(trial_id) -> {"config", "fidelity", "parent"} | None`` (``None``:
  nothing to ask until a pending trial is told, or done; ``parent``: the id of
  an earlier trial this one continues, or None);
* ``tell(trial_id, loss, cost)`` with ``loss`` nan for a failed trial;
* ``library``: the name of the distribution whose version goes into ``run.json``.

A driver that cannot run with the task or the budget it is given raises an
exception class of its own named ``NotApplicable``, with one sentence that
names the fix: the runner raises hpobench's ``NotApplicable`` with it, which
a sweep over methods and tasks skips instead of stopping.

Messages (runner to worker, then the answer):

* ``{"op": "start", "driver": "module:Class", "paths": [...], "space", "fidelity", "seed", "settings"}``
  -> ``{"ok": true, "library": name, "version": version}``
* ``{"op": "ask", "trial": id}`` -> ``{"ok": true, "trial": {...} | null}``
* ``{"op": "tell", "trial": id, "loss": number | null, "cost": number}`` -> ``{"ok": true}``
* a ``NotApplicable`` -> ``{"ok": false, "stage", "not_applicable": its sentence}``;
* any other failure -> ``{"ok": false, "stage", "error", "where"}``; the worker exits on end of input.

Whatever the optimiser prints goes to stderr (the runner keeps its tail for
error messages): the protocol has the original stdout to itself.
"""

import importlib
import json
import math
import os
import sys
import traceback
from importlib import metadata


def main():
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # libraries that print or log to stdout (DEHB's loguru does) write to stderr instead
    sys.stdout = sys.stderr
    driver = None
    for line in sys.stdin:
        message = json.loads(line)
        op = message["op"]
        try:
            if op == "start":
                driver = start(message)
                library = getattr(driver, "library", None)
                answer = {"library": library, "version": version_of(library)}
            elif op == "ask":
                answer = {"trial": driver.ask(message["trial"])}
            elif op == "tell":
                loss = math.nan if message["loss"] is None else float(message["loss"])
                driver.tell(message["trial"], loss, float(message["cost"]))
                answer = {}
            else:
                raise ValueError(f"unknown message {op!r}")
            text = json.dumps({"ok": True, **answer}, default=plain)
        except BaseException as error:  # reported to the runner, which stops the run with it
            if type(error).__name__ == "NotApplicable":
                text = json.dumps({"ok": False, "stage": op, "not_applicable": str(error)})
            else:
                text = json.dumps({"ok": False, "stage": op, "error": f"{type(error).__name__}: {error}",
                                   "where": where(error)})
        answers.write(text + "\n")
        answers.flush()


def start(message):
    for path in reversed(message.get("paths") or []):
        sys.path.insert(0, path)
    module, _, name = message["driver"].partition(":")
    make = getattr(importlib.import_module(module), name)
    return make(message["space"], message["fidelity"], message["seed"], message["settings"])


def version_of(distribution):
    try:
        return metadata.version(distribution) if distribution else None
    except metadata.PackageNotFoundError:
        return None


def plain(value):
    """numpy scalars as Python numbers, without importing numpy here."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def where(error):
    """``file:line`` of the innermost frame outside this file, where the error was raised."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if f.filename != __file__ and not f.filename.startswith("<frozen")]
    if isinstance(error, SyntaxError) and error.filename:
        return f"{error.filename}:{error.lineno}"
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else None


if __name__ == "__main__":
    main()
