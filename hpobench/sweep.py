"""A multirun's jobs, composed once per distinct job and run with few copies (the ``hpobench`` sweeper).

Hydra's basic sweeper composes every job's config twice, once to validate
the batch and once in the launcher (about 60 ms each on the development
machine), and its ``run_job`` copies the config five times. A sweep of
1,000 seeds of one (method, task) composes the same config 2,000 times,
differing only in ``seed``. Here:

* ``JobTemplates`` composes one job per distinct list of overrides *without
  its seed* and derives the others from it: a copy with ``seed`` set, the
  ``seed=`` entry of ``hydra.overrides.task`` replaced and
  ``hydra.job.override_dirname`` recomputed. The result equals what
  ``load_sweep_config`` composes (``tests/test_sweep_fast.py`` compares
  them as YAML); a job whose seed is not a plain integer is composed whole.
* ``run_job`` is Hydra 1.3's ``hydra.core.utils.run_job`` without its
  copies: the job's config is its own, so the ``HydraConfig`` and the task
  function's config hold its nodes (Hydra makes four copies, and its
  launchers compose the job again).
* ``launch_serial`` and ``launch_joblib`` are the basic and joblib
  launchers' loops around them, with their settings and log lines; the
  joblib one derives configs in the workers, sends jobs in chunks and sets
  Hydra's global state once per worker process instead of once per job.

Each job is still one call of the task function with its own config, its
own ``HydraConfig`` and its own folder, so what a run writes is unchanged.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from hydra._internal.config_loader_impl import get_overrides_dirname
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.singleton import Singleton
from hydra.core.utils import (
    JobReturn,
    JobRuntime,
    JobStatus,
    _flush_loggers,
    _save_config,
    configure_log,
    env_override,
    filter_overrides,
    setup_globals,
)
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

log = logging.getLogger(__name__)

SEED = "seed="
_ANY_SEED = "\0seed"  # in a template's key, where the seed goes (no override can be this)
_PLAIN_INT = re.compile(r"0|[1-9][0-9]*")  # what Hydra's override grammar reads as the same int


@dataclass
class Template:
    """One composed job and where its seed sits, to derive the jobs that differ only in seed."""

    cfg: DictConfig
    seed_at: int | None = None  # index of the seed= entry in hydra.overrides.task; None: not derivable
    keys: tuple[str, ...] = ()  # key_or_group of each hydra.overrides.task entry (for override_dirname)

    def derive(self, seed_line: str | None) -> DictConfig:
        """A fresh copy of the job's config, with its seed changed to ``seed_line`` when given."""
        cfg = copy.deepcopy(self.cfg)
        if seed_line is None or self.seed_at is None:
            return cfg
        OmegaConf.update(cfg, "seed", int(seed_line[len(SEED):]), merge=True)
        hydra = cfg.hydra
        with read_write(hydra), open_dict(hydra):
            lines = list(hydra.overrides.task)
            lines[self.seed_at] = seed_line
            hydra.overrides.task[self.seed_at] = seed_line
            dirname = hydra.job.config.override_dirname
            hydra.job.override_dirname = get_overrides_dirname(
                overrides=[SimpleNamespace(key_or_group=k, input_line=line) for k, line in zip(self.keys, lines)],
                exclude_keys=list(dirname.exclude_keys), item_sep=dirname.item_sep, kv_sep=dirname.kv_sep)
        return cfg


def seed_entry(overrides: Sequence[str]) -> int | None:
    """The index of the one plain ``seed=<int>`` override, or None when there is not exactly one."""
    found = [i for i, o in enumerate(overrides) if o.startswith(SEED) and _PLAIN_INT.fullmatch(o[len(SEED):])]
    return found[0] if len(found) == 1 and sum(o.lstrip("+~").startswith(SEED) for o in overrides) == 1 else None


class JobTemplates:
    """Composes a sweep's jobs once per distinct overrides-without-seed (see the module's docstring)."""

    def __init__(self, config_loader: Any, master: DictConfig):
        self.config_loader = config_loader
        self.master = master
        self.templates: dict[tuple[str, ...], Template] = {}

    def key(self, overrides: Sequence[str]) -> tuple[tuple[str, ...], str | None]:
        """The job's template key and its seed override (None when the job is composed whole)."""
        at = seed_entry(overrides)
        if at is None:
            return tuple(overrides), None
        return (*overrides[:at], _ANY_SEED, *overrides[at + 1:]), overrides[at]

    def template(self, overrides: Sequence[str]) -> tuple[Template, str | None]:
        """The job's template (composed on first use) and the seed override to derive the job with."""
        key, seed_line = self.key(overrides)
        known = self.templates.get(key)
        if known is None:
            known = self.templates[key] = _template(self._compose(overrides), seed_line)
            return known, None  # the template is this very job
        if seed_line is not None and known.seed_at is None:  # a seed this template cannot vary
            return Template(self._compose(overrides)), None
        return known, seed_line

    def _compose(self, overrides: Sequence[str]) -> DictConfig:
        return self.config_loader.load_sweep_config(self.master, list(overrides))

    def config(self, overrides: Sequence[str]) -> DictConfig:
        """The job's config, equal to ``load_sweep_config(master, overrides)``."""
        template, seed_line = self.template(overrides)
        return template.derive(seed_line)


def _template(cfg: DictConfig, seed_line: str | None) -> Template:
    if seed_line is None:
        return Template(cfg)
    lines = list(cfg.hydra.overrides.task)
    if lines.count(seed_line) != 1:
        return Template(cfg)
    keys = tuple(o.key_or_group for o in OverridesParser.create().parse_overrides(lines))
    return Template(cfg, lines.index(seed_line), keys)


def run_job(task_function: Any, config: DictConfig, hydra_context: Any) -> JobReturn:
    """Hydra 1.3's ``run_job`` for a sweep's job (``hydra.sweep.dir`` / ``subdir``), without its copies.

    ``config`` is this job's own (a fresh copy from ``Template.derive``), so
    the ``HydraConfig`` and the task function's config hold its nodes
    instead of copies of them, as Hydra's ``set_config`` and deep copies give.
    """
    callbacks = hydra_context.callbacks
    old_cwd = os.getcwd()
    hydra_config = HydraConfig.instance()
    orig_hydra_cfg = hydra_config.cfg
    OmegaConf.set_readonly(config.hydra, True)
    hydra_config.cfg = _holding(config, ["hydra"], with_flags=False)
    config.hydra._set_parent(config)  # as HydraConfig.set_config: the Hydra node's interpolations see the config
    output_dir = os.path.join(str(OmegaConf.select(config, "hydra.sweep.dir")),
                              str(OmegaConf.select(config, "hydra.sweep.subdir")))
    with read_write(config.hydra.runtime), open_dict(config.hydra.runtime):
        config.hydra.runtime.output_dir = os.path.abspath(output_dir)
    chdir = False
    try:
        ret = JobReturn()
        task_cfg = _holding(config, [k for k in config if k != "hydra"], with_flags=True)
        ret.cfg = task_cfg
        hydra_cfg = hydra_config.cfg
        ret.hydra_cfg = hydra_cfg
        ret.overrides = OmegaConf.to_container(config.hydra.overrides.task)
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        chdir = bool(hydra_cfg.hydra.job.chdir)  # None is False from version_base 1.2, which hpobench uses
        if chdir:
            os.chdir(output_dir)
            ret.working_dir = output_dir
        else:
            ret.working_dir = os.getcwd()
        configure_log(config.hydra.job_logging, config.hydra.verbose)
        if config.hydra.output_subdir is not None:
            hydra_output = Path(config.hydra.runtime.output_dir) / Path(config.hydra.output_subdir)
            _save_config(task_cfg, "config.yaml", hydra_output)
            _save_config(hydra_cfg, "hydra.yaml", hydra_output)
            _save_config(config.hydra.overrides.task, "overrides.yaml", hydra_output)
        with env_override(hydra_cfg.hydra.job.env_set):
            callbacks.on_job_start(config=config, task_function=task_function)
            try:
                ret.return_value = task_function(task_cfg)
                ret.status = JobStatus.COMPLETED
            except Exception as e:
                ret.return_value = e
                ret.status = JobStatus.FAILED
        ret.task_name = JobRuntime.instance().get("name")
        _flush_loggers()
        callbacks.on_job_end(config=config, job_return=ret, task_function=task_function)
        return ret
    finally:
        hydra_config.cfg = orig_hydra_cfg
        if chdir:
            os.chdir(old_cwd)


def _holding(config: DictConfig, keys: list[str], with_flags: bool) -> DictConfig:
    """A config of ``config``'s nodes at ``keys``, themselves, not copies, with its cache (and flags).

    What Hydra gets by copying: ``masked_copy(config, "hydra")`` (no flags)
    for the ``HydraConfig``, and a deep copy without ``hydra`` for the task function.
    """
    held = DictConfig(content={}, flags={"no_deepcopy_set_nodes": True})
    for key in keys:
        held[key] = config._get_node(key)  # another root: kept as it is
    held._metadata.flags = {}
    held._invalidate_flags_cache()
    for flag, value in (config._metadata.flags.items() if with_flags else ()):
        held._set_flag(flag, value)
    OmegaConf.copy_cache(from_config=config, to_config=held)
    return held


def launch_serial(launcher: Any, templates: JobTemplates, job_overrides: Sequence[Sequence[str]],
                  initial_job_idx: int) -> list[JobReturn]:
    """Hydra's basic launcher's loop, with configs from ``templates`` and the lean ``run_job``."""
    setup_globals()
    config = launcher.config
    configure_log(config.hydra.hydra_logging, config.hydra.verbose)
    Path(str(config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
    log.info(f"Launching {len(job_overrides)} jobs locally")
    runs = []
    for idx, overrides in enumerate(job_overrides, start=initial_job_idx):
        log.info(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")
        sweep_config = templates.config(overrides)
        with open_dict(sweep_config):
            sweep_config.hydra.job.id = idx
            sweep_config.hydra.job.num = idx
        runs.append(run_job(launcher.task_function, sweep_config, launcher.hydra_context))
        configure_log(config.hydra.hydra_logging, config.hydra.verbose)
    return runs


def launch_joblib(launcher: Any, templates: JobTemplates, job_overrides: Sequence[Sequence[str]],
                  initial_job_idx: int) -> list[JobReturn]:
    """The joblib launcher's ``launch``: the same ``Parallel`` settings, a job derived in its worker."""
    from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg
    from joblib import Parallel, delayed, effective_n_jobs

    setup_globals()
    config = launcher.config
    configure_log(config.hydra.hydra_logging, config.hydra.verbose)
    sweep_dir = Path(str(config.hydra.sweep.dir))
    sweep_dir.mkdir(parents=True, exist_ok=True)
    joblib_cfg = launcher.joblib
    joblib_cfg["backend"] = "loky"  # as the joblib launcher: Hydra does not work with threads
    process_joblib_cfg(joblib_cfg)
    log.info("Joblib.Parallel({}) is launching {} jobs".format(
        ",".join([f"{k}={v}" for k, v in joblib_cfg.items()]), len(job_overrides)))
    log.info(f"Launching jobs, sweep output dir : {sweep_dir}")
    for idx, overrides in enumerate(job_overrides):
        log.info("\t#{} : {}".format(idx, " ".join(filter_overrides(overrides))))
    state = (uuid.uuid4().hex, Singleton.get_state())
    jobs = [(idx, *templates.template(overrides)) for idx, overrides in enumerate(job_overrides, initial_job_idx)]
    # Chunks, dealt round-robin so that each holds a spread of the jobs, carry Hydra's state (the config store
    # and resolvers, about 30 ms to unpickle) once per chunk instead of once per job or per joblib batch.
    n_chunks = min(len(jobs), CHUNKS_PER_WORKER * effective_n_jobs(joblib_cfg.get("n_jobs")))
    chunks = [jobs[i::n_chunks] for i in range(n_chunks)]
    done = Parallel(**joblib_cfg)(
        delayed(_execute_jobs)(chunk, launcher.hydra_context, launcher.task_function, state) for chunk in chunks)
    by_index = {idx: ret for chunk, rets in zip(chunks, done) for (idx, _, _), ret in zip(chunk, rets)}
    return [by_index[idx] for idx, _, _ in jobs]


CHUNKS_PER_WORKER = 8  # more balance the workers' load at the end of a sweep, fewer carry the state less often
_state_set: str | None = None  # which sweep's Hydra state this worker process holds


def _execute_jobs(chunk: list[tuple[int, Template, str | None]], hydra_context: Any, task_function: Any,
                  state: tuple[str, Any]) -> list[JobReturn]:
    """Jobs in a joblib worker (the joblib launcher's ``execute_job``, deriving each config here)."""
    global _state_set
    setup_globals()
    if _state_set != state[0]:  # Hydra sets it for every job, rediscovering its plugins each time
        Singleton.set_state(state[1])
        _state_set = state[0]
    rets = []
    for idx, template, seed_line in chunk:
        sweep_config = template.derive(seed_line)
        with open_dict(sweep_config):
            sweep_config.hydra.job.id = f"{sweep_config.hydra.job.name}_{idx}"
            sweep_config.hydra.job.num = idx
        rets.append(run_job(task_function, sweep_config, hydra_context))
    return rets
