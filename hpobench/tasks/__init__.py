"""Tasks: one file per family. Configs in conf/task/ point at these classes."""

from hpobench.tasks.base import Fidelity, Task

__all__ = ["Fidelity", "Task"]
