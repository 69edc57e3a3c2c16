"""The ``hpobench`` sweeper, the default of ``python -m hpobench -m``: Hydra's basic sweeper, faster.

It sweeps what the basic sweeper sweeps (the product of the swept keys, in
batches of ``max_batch_size``), plus the members of a suite
(``conf/suite/<name>.yaml`` fills ``suite`` and ``members``; see
hpobench/suites.py). It composes each distinct job once and derives the jobs
that differ only in ``seed`` from it, and with the basic or the joblib
launcher runs the jobs through hpobench/sweep.py; any other launcher gets
the jobs as from the basic sweeper. ``hydra/sweeper=basic`` is Hydra's own.

Hydra instantiates sweepers only from the ``hydra_plugins`` package and finds
their configs by importing it, hence this package.
"""

# No "from __future__ import annotations": Hydra's plugin scan imports this module in a way that leaves
# string annotations of a dataclass unresolvable.
from dataclasses import dataclass, field
from typing import Any, Optional

from hydra._internal.core_plugins.basic_launcher import BasicLauncher
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf


@dataclass
class HpobenchSweeperConf:
    _target_: str = "hydra_plugins.hpobench_sweeper.HpobenchSweeper"
    max_batch_size: Optional[int] = None  # noqa: UP045 (OmegaConf reads these annotations)
    params: Optional[dict[str, str]] = None  # noqa: UP045
    suite: str = ""  # a suite's name, or empty
    members: list[Any] = field(default_factory=list)  # a suite's members (see hpobench/suites.py)


ConfigStore.instance().store(group="hydra/sweeper", name="hpobench", node=HpobenchSweeperConf, provider="hpobench")


class HpobenchSweeper(BasicSweeper):
    """Sweeps every suite member (if any) with every combination of the other swept settings."""

    def __init__(self, max_batch_size: Optional[int] = None, params: Optional[dict] = None, suite: str = "",  # noqa: UP045
                 members: Optional[list] = None):  # noqa: UP045
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.suite = suite
        self.members = OmegaConf.to_container(members, resolve=True) if OmegaConf.is_config(members) else members
        self.templates = None

    def setup(self, *, hydra_context, task_function, config) -> None:
        from hpobench.sweep import JobTemplates

        super().setup(hydra_context=hydra_context, task_function=task_function, config=config)
        self.templates = JobTemplates(hydra_context.config_loader, config)
        launch = _fast_launch(self.launcher)
        if launch is not None:
            self.launcher = _FastLauncher(self.launcher, self.templates, launch)

    def split_arguments(self, overrides, max_batch_size):  # the basic sweeper's product, then the members
        if not self.members:
            return BasicSweeper.split_arguments(overrides, max_batch_size)
        from hpobench.suites import combine, expand

        (others,) = BasicSweeper.split_arguments(overrides, None)
        jobs = combine(expand(self.members), others)
        size = max_batch_size or len(jobs)
        return [jobs[i : i + size] for i in range(0, len(jobs), size)]

    def validate_batch_is_legal(self, batch) -> None:  # composing each distinct job once
        for overrides in batch:
            self.templates.template(overrides)


def _fast_launch(launcher):
    """hpobench/sweep.py's loop for Hydra's basic and joblib launchers themselves, else None."""
    from hpobench import sweep

    if type(launcher) is BasicLauncher:
        return sweep.launch_serial
    try:
        from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher
    except ImportError:
        return None
    return sweep.launch_joblib if type(launcher) is JoblibLauncher else None


class _FastLauncher:
    """The configured launcher's settings, launched through hpobench/sweep.py."""

    def __init__(self, launcher, templates, launch):
        self.launcher, self.templates, self._launch = launcher, templates, launch

    def launch(self, job_overrides, initial_job_idx):
        return self._launch(self.launcher, self.templates, job_overrides, initial_job_idx)
