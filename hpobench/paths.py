"""Where a run lives: the one definition of a run folder's name.

``conf/config.yaml`` names Hydra's run and sweep folders through the
``hpobench_run_path`` resolver registered here; ``hpobench.status`` calls
``run_path`` to find the folders of a sweep's jobs.
"""

from __future__ import annotations

from typing import Any

from omegaconf import OmegaConf


def label(choice: str, group: str, overrides: Any) -> str:
    """A folder name for a method or task: its config name plus the settings
    overridden on the command line, e.g. ``levy,dim=3``, so that sweeping a
    setting gives each value its own folder."""
    prefix = f"{group}."
    settings = sorted(o.lstrip("+~").removeprefix(prefix) for o in overrides or () if o.lstrip("+~").startswith(prefix))
    return ",".join([choice, *settings]).replace("/", "_")


def run_path(task: str, method: str, seed: Any, overrides: Any) -> str:
    """A run's folder below its study: ``<task label>/<method label>/seed=<seed>``.

    Args:
        task, method: the chosen config names (``levy``, ``grid``).
        seed: the run's seed.
        overrides: the job's command-line overrides, whose ``task.*`` and
            ``method.*`` settings go into the labels.
    """
    return f"{label(task, 'task', overrides)}/{label(method, 'method', overrides)}/seed={seed}"


OmegaConf.register_new_resolver("hpobench_run_path", run_path, replace=True)
