"""Tasks: one file per family. Configs in conf/task/ point at these classes."""

from hpobench.fidelity import Fidelity  # kept here for code that imported it from the tasks package
from hpobench.tasks.base import Task

__all__ = ["Fidelity", "Task"]
