"""A real kill: two fast adapters, run from the command line, killed with SIGKILL halfway and started again,
end with the trials of an uninterrupted run (scripts/check_kill_resume.py does it for every adapter)."""

from __future__ import annotations

import importlib.util

import pytest
from conftest import ROOT, peer_library_missing

spec = importlib.util.spec_from_file_location("check_kill_resume", ROOT / "scripts" / "check_kill_resume.py")
check_kill_resume = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_kill_resume)


@pytest.mark.parametrize("name", ["optuna_tpe", "nevergrad"])
def test_an_adapter_killed_halfway_resumes_to_the_uninterrupted_trials(name, tmp_path):
    if why := peer_library_missing(name):
        pytest.skip(why)
    row = check_kill_resume.check(name, 30, tmp_path, timeout=120)
    assert isinstance(row["before"], int) and 15 <= row["before"] <= 30, row  # killed, not ended first
    assert row["replayed"] == row["before"], row  # every whole line was replayed
    assert row["identical"], row
    assert row["version"].split()[0] == name.split("_")[0], row
