"""Run folders under stress: concurrent starts, kills at any moment, failing disks."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import cli_env

from hpobench import Budget, UserError, run
from hpobench.methods.random_search import RandomSearch
from hpobench.storage import RunFolder
from hpobench.tasks.synthetic import Hartmann6


def trials(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return [{k: v for k, v in r.items() if k not in ("wall_time", "optimizer_time")} for r in rows]


def test_a_second_process_is_refused_while_the_first_holds_the_folder(hpobench_cli, tmp_path):
    folder = RunFolder(tmp_path / "results" / "default" / "branin" / "random" / "seed=0")
    with folder.lock():
        done = hpobench_cli("budget.evals=5", check=False)
        assert done.returncode == 2
        assert f"is being written by process {os.getpid()}" in done.stderr and "Traceback" not in done.stderr
        assert {p.name for p in folder.path.iterdir()} == {".lock"}
    assert not (folder.path / ".lock").exists()
    hpobench_cli("budget.evals=5")  # free again once the holder lets go
    assert folder.is_finished()


def test_kills_at_five_random_moments_resume_to_the_uninterrupted_trials(tmp_path):
    args = ["method=random", "task=hartmann6", "budget.evals=20000", "workers=3", "progress=false"]
    whole = tmp_path / "whole"
    subprocess.run([sys.executable, "-m", "hpobench", *args, f"results_dir={whole}"], cwd=tmp_path, env=cli_env(),
                   check=True, capture_output=True, timeout=300)
    killed = tmp_path / "killed"
    cmd = [sys.executable, "-m", "hpobench", *args, f"results_dir={killed}"]
    path = killed / "default" / "hartmann6" / "random" / "seed=0" / "trials.jsonl"
    full_size = (whole / "default" / "hartmann6" / "random" / "seed=0" / "trials.jsonl").stat().st_size
    # Kill when the file has grown past random sizes (mostly mid-line), and once during start-up.
    sizes = [0, *sorted(np.random.default_rng(2024).uniform(0.05, 0.95, size=4) * full_size)]
    cuts = []
    for size in sizes:
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while size and time.time() < deadline and (not path.exists() or path.stat().st_size < size):
            time.sleep(0.002)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        cuts.append(len(path.read_text().splitlines()) if path.exists() else 0)
    assert cuts[0] == 0 and all(0 < c < 20000 for c in cuts[1:]) and cuts == sorted(cuts), cuts
    subprocess.run(cmd, cwd=tmp_path, env=cli_env(), check=True, capture_output=True, timeout=300)
    assert trials(path) == trials(whole / "default" / "hartmann6" / "random" / "seed=0" / "trials.jsonl")


def test_a_full_disk_stops_with_a_clear_message_and_the_folder_resumes(tmp_path, monkeypatch):
    budget, task = Budget(evals=50), Hartmann6()
    whole = run(RandomSearch, task, seed=0, budget=budget)
    folder = RunFolder(tmp_path / "run")
    append = RunFolder.append_trial

    def fill_up(self, record, line=None):
        if record["trial_id"] == 20:
            self._trials_file.write(b'{"trial_id": 20, "conf')  # the disk fills in mid-line (an unbuffered file)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        append(self, record, line)

    monkeypatch.setattr(RunFolder, "append_trial", fill_up)
    with pytest.raises(UserError, match=r"No space left on device.*free some disk space"):
        run(RandomSearch, task, seed=0, budget=budget, folder=folder)
    assert folder.read_info().status == "failed" and len(folder.read_trials()) == 20
    monkeypatch.setattr(RunFolder, "append_trial", append)
    resumed = run(RandomSearch, task, seed=0, budget=budget, folder=folder)
    assert resumed.replayed == 20
    assert trials(folder.trials_path) == [
        {k: v for k, v in r.items() if k not in ("wall_time", "optimizer_time")} for r in whole.records]


def test_an_unwritable_results_dir_is_refused_before_anything_is_made(hpobench_cli):
    done = hpobench_cli(check=False, results=Path("/proc/hpobench-cannot-write-here"))
    assert done.returncode == 2 and "cannot write to results_dir=" in done.stderr and "Traceback" not in done.stderr
