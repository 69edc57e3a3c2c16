"""Where training tasks keep the state a later trial may continue from.

One file per trial, ``<run folder>/checkpoints/trial-<id>.pt``, written
atomically. Checkpoints live as long as the run: a run that is interrupted and
resumed replays its recorded trials without training them again, so a
continuation asked for after the resume still finds its parent's state on
disk. When the run finishes, the runner calls ``Task.release`` and the whole
folder is deleted, since no later trial can continue from it.

Checkpoints can be large (weights plus momentum buffers: about 8 bytes per
parameter, some 50 MB for a full-width ResNet-9), so ``keep`` optionally
bounds their number: beyond it the least recently used one is deleted, and a
trial that later asks to continue from it fails with a message saying so.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch

from hpobench.errors import UserError

FOLDER = "checkpoints"


class CheckpointStore:
    """Saves and loads one state dict per trial id.

    Args:
        keep: the most checkpoints kept at once (least recently used go
            first); None keeps all until the run finishes.
    """

    def __init__(self, keep: int | None = None):
        if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 1):
            raise UserError(f"task.keep_checkpoints must be a positive integer or null, got {keep!r}.")
        self.keep = keep
        self.folder: Path | None = None
        self._scratch: tempfile.TemporaryDirectory | None = None

    def attach(self, run_dir: Path | None) -> None:
        """Keep checkpoints under ``run_dir``, or in a private temporary folder when None."""
        self.release()
        self.folder = None if run_dir is None else Path(run_dir) / FOLDER

    def release(self) -> None:
        """Delete every checkpoint: the run is over."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
            self.folder = None

    def path(self, trial_id: int) -> Path:
        if self.folder is None:  # evaluating outside a recorded run: a folder removed at exit
            self._scratch = tempfile.TemporaryDirectory(prefix="hpobench-checkpoints-")
            self.folder = Path(self._scratch.name)
        return self.folder / f"trial-{trial_id}.pt"

    def save(self, trial_id: int, state: dict[str, Any]) -> None:
        path = self.path(trial_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        torch.save(state, tmp)
        os.replace(tmp, path)  # a killed process never leaves half a checkpoint under the real name
        self._evict()

    def load(self, trial_id: int) -> dict[str, Any]:
        """The state saved by trial ``trial_id``, on the CPU."""
        path = self.path(trial_id)
        if not path.exists():
            bound = f" (task.keep_checkpoints={self.keep} may have evicted it)" if self.keep else ""
            raise FileNotFoundError(f"no checkpoint of trial {trial_id} at {path}{bound}")
        os.utime(path)  # mark as recently used, for eviction
        return torch.load(path, map_location="cpu", weights_only=True)

    def _evict(self) -> None:
        if self.keep is None or self.folder is None:
            return
        files = sorted(self.folder.glob("trial-*.pt"), key=lambda p: (p.stat().st_mtime_ns, p.name))
        for old in files[: max(0, len(files) - self.keep)]:
            old.unlink(missing_ok=True)
