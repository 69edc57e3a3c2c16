"""Hydra callbacks that run around a run or a sweep (registered in conf/config.yaml)."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

SWEEP_HISTORY = ".sweeps"


NAME_MAX = 255  # bytes in one folder name on Linux and macOS file systems


class CheckResultsDir(Callback):
    """Stops before Hydra makes any folder when ``results_dir`` cannot be written
    or ``study`` would put runs outside it, with one sentence instead of
    Hydra's traceback (or a folder in the wrong place)."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        _check_places([str(config.results_dir)], [str(config.study)])

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        swept = _swept_values(list(config.hydra.overrides.task))
        _check_places(swept.get("results_dir", [str(config.results_dir)]), swept.get("study", [str(config.study)]))


def _swept_values(overrides: list[str]) -> dict[str, list[str]]:
    """Every value that a sweep gives ``results_dir`` and ``study`` (``study=a,b`` gives two)."""
    values: dict[str, list[str]] = {}
    for override in OverridesParser.create().parse_overrides(overrides):
        key = override.get_key_element()
        if key in ("results_dir", "study"):
            values[key] = (list(override.sweep_string_iterator()) if override.is_sweep_override()
                           else [str(override.value())])
    return values


def _check_places(results_dirs: list[str], studies: list[str]) -> None:
    for study in studies:
        problem = study_problem(study)
        if problem:
            shown = study if len(study) <= 60 else f"{study[:30]}...{study[-10:]}"
            _stop(f"study={shown!r} {problem}; give a plain name such as study=my_study.")
    for results_dir in results_dirs:
        if not results_dir.strip():
            _stop("results_dir is empty; give the folder for results, e.g. results_dir=results.")
        _check_writable(Path(results_dir))


def study_problem(study: str) -> str | None:
    """Why ``study`` cannot name a folder inside ``results_dir``, or None when it can."""
    parts = Path(study).parts
    if not study.strip() or not parts:
        return "is empty"
    if Path(study).is_absolute() or ".." in parts or Path(study) == Path("."):
        return "would put runs outside results_dir (or straight into it)"
    long = next((p for p in parts if len(p.encode()) > NAME_MAX), None)
    if long is not None:
        return f"has a part of {len(long.encode())} bytes, longer than a folder name can be ({NAME_MAX})"
    return None


def _stop(sentence: str) -> None:
    print(f"hpobench: error: {sentence}", file=sys.stderr)
    sys.exit(2)


def _check_writable(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        _stop(f"cannot write to results_dir={path} ({error.strerror or error}); choose a writable folder.")


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
