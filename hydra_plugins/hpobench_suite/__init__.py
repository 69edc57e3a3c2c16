"""``hydra/sweeper=hpobench_suite``: the name suites used before the ``hpobench`` sweeper, the default,
ran suites itself (hydra_plugins/hpobench_sweeper); kept so that suite files naming it still work.

Hydra instantiates sweepers only from the ``hydra_plugins`` package and finds
their configs by importing it, hence this package.
"""

# No "from __future__ import annotations": Hydra's plugin scan imports this module in a way that leaves
# string annotations of a dataclass unresolvable.
from dataclasses import dataclass

from hydra.core.config_store import ConfigStore

from hydra_plugins.hpobench_sweeper import HpobenchSweeper, HpobenchSweeperConf


@dataclass
class SuiteSweeperConf(HpobenchSweeperConf):
    _target_: str = "hydra_plugins.hpobench_suite.SuiteSweeper"


ConfigStore.instance().store(group="hydra/sweeper", name="hpobench_suite", node=SuiteSweeperConf,
                             provider="hpobench")


class SuiteSweeper(HpobenchSweeper):
    """The ``hpobench`` sweeper under the name suites used to choose."""
