"""Named suites: lists of (task, task settings) that one ``-m`` command sweeps.

A suite is ``conf/suite/<name>.yaml``. It fills ``hydra.sweeper.suite`` and
``members`` of the ``hpobench`` sweeper (the default, hydra_plugins/hpobench_sweeper),
which runs every member of the suite with every combination of the other
swept settings, e.g.

    python -m hpobench -m +suite=bbob-small method=random,tpe,gp seed=0,1,2

Each member is a mapping with ``task`` (a config in conf/task/), ``source``
(where the problems come from, in words) and ``settings`` (task settings; a
list of values means one member per value, and several lists give their
product), so a family such as BBOB's 24 functions × 4 dimensions × 5
instances is three lines. A member becomes the overrides ``task=<task>
task.<key>=<value> ...``, exactly what one would type for that run alone, so
run folders get the usual readable names (``bbob,dim=2,function=3,instance=1``)
and every run can be repeated, resumed or verified on its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from hpobench.errors import UserError

MEMBER_KEYS = ("task", "source", "settings", "family")


def expand(members: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """The override list of each problem of a suite, in the order the suite lists them."""
    jobs = []
    for member in members:
        unknown = sorted(set(member) - set(MEMBER_KEYS))
        if "task" not in member or unknown:
            raise UserError(f"A suite member needs a task and may have only {list(MEMBER_KEYS)}; got {dict(member)}.")
        settings = dict(member.get("settings") or {})
        axes = [[(key, v) for v in (value if _is_list(value) else [value])] for key, value in sorted(settings.items())]
        for combination in itertools.product(*axes):
            jobs.append([f"task={member['task']}", *(f"task.{key}={_text(v)}" for key, v in combination)])
    return jobs


def families(members: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Each member's family name (``family``, else its task) by the task label its runs get."""
    from hpobench.paths import label

    names = {}
    for member, job in ((m, j) for m in members for j in expand([m])):
        names[label(member["task"], "task", job[1:])] = str(member.get("family", member["task"]))
    return names


def combine(suite_jobs: list[list[str]], other_jobs: list[list[str]]) -> list[list[str]]:
    """Every suite problem with every combination of the other swept settings (method, seed, ...)."""
    for job in other_jobs:
        clash = [o for o in job if o.split("=", 1)[0].lstrip("+~") == "task"]
        if clash:
            raise UserError(f"A suite chooses the tasks; drop {clash[0]} from the command, or run without +suite.")
    return [[*problem, *job] for problem in suite_jobs for job in other_jobs]


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str)


def _text(value: Any) -> str:
    """A value as Hydra's override grammar reads it back (booleans and None in YAML spelling)."""
    if isinstance(value, bool):
        return str(value).lower()
    return "null" if value is None else str(value)
