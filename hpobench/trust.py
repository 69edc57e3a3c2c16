"""The trust boundary of results folders: which code a ``run.json`` may name.

People share results folders, and reading one must never run code from it.
The analysis reads only data. ``hpobench.verify`` must rebuild each run
from the ``_target_`` settings in its ``run.json``, so it builds only what
this module allows: a task class (a ``Task``) and a method class (a
``Method``) from hpobench itself or from a package registered as an
hpobench plugin, i.e. named by an entry point of the group
``hpobench.plugins`` (the group through which hpobench also finds a
plugin's configs). Anything else (another callable, a function, a nested
``_target_``) is refused with one sentence; ``--trust`` lifts the check and
is dangerous: it runs whatever the folder names.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from hpobench.errors import UserError

PLUGIN_GROUP = "hpobench.plugins"


def trusted_packages() -> list[str]:
    """hpobench and the top-level packages of the installed plugins."""
    plugins = {ep.value.split(":")[0].strip().split(".")[0] for ep in entry_points(group=PLUGIN_GROUP)}
    return ["hpobench", *sorted(plugins - {"hpobench"})]


def check_run_config(config: dict[str, Any], source: str) -> None:
    """Refuse a run's settings unless ``task`` and ``method`` name trusted Task and Method classes."""
    from hpobench.methods.base import Method  # here, so reading this module imports nothing heavy
    from hpobench.tasks.base import Task

    for group, base in (("task", Task), ("method", Method)):
        node = config.get(group) if isinstance(config, dict) else None
        if not isinstance(node, dict) or not isinstance(node.get("_target_"), str):
            raise UserError(f"{source} has no {group} with a _target_, so it is not a run.json of hpobench; "
                            f"give the folder of runs made by hpobench.")
        target = node["_target_"]
        nested = _nested_targets(node)
        if nested:
            _refuse(source, f"{group}.{nested[0]}", "a nested _target_")
        if not _in_trusted_package(target):
            _refuse(source, target, "outside hpobench and its registered plugins")
        found = _locate(target)  # None: missing from its (trusted) package; building it then says so
        if found is not None and not (isinstance(found, type) and issubclass(found, base)):
            _refuse(source, target, f"not a {base.__name__} class")


def _nested_targets(node: Any, path: str = "") -> list[str]:
    found = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        where = f"{path}.{key}" if path else str(key)
        if isinstance(value, (dict, list)):
            found += [where] if isinstance(value, dict) and "_target_" in value else _nested_targets(value, where)
    return found


def _in_trusted_package(target: str) -> bool:
    return any(target.startswith(f"{package}.") for package in trusted_packages())


def _locate(target: str) -> Any:
    from hydra.utils import get_object

    try:
        return get_object(target)
    except Exception:  # cannot be imported: not something verify could build anyway
        return None


def _refuse(source: str, target: str, why: str) -> None:
    raise UserError(f"{source} names {target} ({why}), which verify does not run from a results folder; "
                    f"pass --trust only if you trust whoever made that folder, since it then runs that code.")
