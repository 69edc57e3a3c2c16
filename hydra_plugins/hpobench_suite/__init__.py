"""Hydra's basic sweeper, plus the members of an hpobench suite (see hpobench/suites.py).

Hydra instantiates sweepers only from the ``hydra_plugins`` package and finds
their configs by importing it, hence this package. ``members`` is filled in by
``conf/suite/<name>.yaml``; every other setting is the basic sweeper's.
"""

# No "from __future__ import annotations": Hydra's plugin scan imports this module in a way that leaves
# string annotations of a dataclass unresolvable.
from dataclasses import dataclass, field
from typing import Any, Optional

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf


@dataclass
class SuiteSweeperConf:
    _target_: str = "hydra_plugins.hpobench_suite.SuiteSweeper"
    max_batch_size: Optional[int] = None  # noqa: UP045 (OmegaConf reads these annotations)
    params: Optional[dict[str, str]] = None  # noqa: UP045
    suite: str = ""  # the suite's name
    members: list[Any] = field(default_factory=list)  # see hpobench/suites.py


ConfigStore.instance().store(group="hydra/sweeper", name="hpobench_suite", node=SuiteSweeperConf,
                             provider="hpobench")


class SuiteSweeper(BasicSweeper):
    """Sweeps every suite member with every combination of the other swept settings."""

    def __init__(self, max_batch_size: Optional[int] = None, params: Optional[dict] = None, suite: str = "",  # noqa: UP045
                 members: Optional[list] = None):  # noqa: UP045
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.suite = suite
        self.members = OmegaConf.to_container(members, resolve=True) if OmegaConf.is_config(members) else members

    def split_arguments(self, overrides, max_batch_size):  # the basic sweeper's product, then the members
        from hpobench.suites import combine, expand

        (others,) = BasicSweeper.split_arguments(overrides, None)
        jobs = combine(expand(self.members or []), others)
        size = max_batch_size or len(jobs)
        return [jobs[i : i + size] for i in range(0, len(jobs), size)]
