"""Hydra callbacks that run around a run or a sweep (registered in conf/config.yaml)."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

SWEEP_HISTORY = ".sweeps"


class CheckResultsDir(Callback):
    """Stops before Hydra makes any folder when ``results_dir`` cannot be written,
    with one sentence instead of Hydra's traceback."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        _check_writable(Path(config.results_dir))

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        _check_writable(Path(config.results_dir))


def _check_writable(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        print(f"hpobench: error: cannot write to results_dir={path} ({error.strerror or error}); "
              f"choose a writable folder.", file=sys.stderr)
        sys.exit(2)


class KeepSweepHistory(Callback):
    """Hydra replaces ``multirun.yaml`` at every sweep into a study folder; keep
    the earlier ones in ``.sweeps/`` so ``hpobench.status`` can check a study
    against every sweep that contributed to it."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        current = Path(config.hydra.sweep.dir) / "multirun.yaml"
        if current.exists():
            text = current.read_bytes()
            kept = current.parent / SWEEP_HISTORY / f"{hashlib.sha256(text).hexdigest()[:16]}.yaml"
            kept.parent.mkdir(exist_ok=True)
            kept.write_bytes(text)
