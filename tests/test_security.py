"""Reading a results folder or a data file never runs code from it (docs/reliability.md, "Trust boundary").

Every payload here is harmless: it would create a file, and each test
asserts that the file was never made.
"""

from __future__ import annotations

import bz2
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cli_env

from hpobench.tasks import nb201_convert


class Payload:
    """Unpickling this runs ``os.system("touch <marker>")``."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_nb201_convert_refuses_a_pickle_that_names_a_callable(tmp_path, capsys):
    marker = tmp_path / "ran"
    source = tmp_path / "NATS-tss-crafted.pickle.pbz2"
    with bz2.open(source, "wb") as handle:
        pickle.dump({"meta_archs": ["a"], "arch2infos": {0: {"12": Payload(marker)}}}, handle)
    assert nb201_convert.main([str(source), str(tmp_path / "out.parquet")]) == 2
    err = capsys.readouterr().err
    assert "posix.system" in err and "--trust" in err and "Traceback" not in err
    assert not marker.exists() and not (tmp_path / "out.parquet").exists()


def test_nb201_convert_refuses_a_pth_that_names_a_callable(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    marker = tmp_path / "ran"
    source = tmp_path / "NAS-Bench-201-crafted.pth"
    torch.save({"meta_archs": ["a"], "arch2infos": {0: Payload(marker)}}, source)
    assert nb201_convert.main([str(source), str(tmp_path / "out.parquet")]) == 2
    assert "--trust" in capsys.readouterr().err
    assert not marker.exists() and not (tmp_path / "out.parquet").exists()


def test_nb201_convert_with_trust_reads_a_pickle_of_other_types(tmp_path):
    """--trust lifts the allow-list (the payload here is a harmless type outside it)."""
    source = tmp_path / "NATS-tss-other.pickle.pbz2"
    with bz2.open(source, "wb") as handle:
        pickle.dump({"meta_archs": [], "arch2infos": {}, "when": Path("x")}, handle)
    with pytest.raises(nb201_convert.UserError, match="holds a pathlib"):
        nb201_convert.convert(source)
    with pytest.raises(nb201_convert.UserError, match="holds no architecture results"):
        nb201_convert.convert(source, trust=True)  # read; then found empty


def test_nb201_convert_reads_numpy_values_without_trust(tmp_path):
    torch = pytest.importorskip("torch")
    import numpy as np

    data = {"meta_archs": [], "arch2infos": {}, "scalar": np.float64(1.5), "array": np.arange(3)}
    torch.save(data, tmp_path / "numbers.pth")
    with bz2.open(tmp_path / "numbers.pickle.pbz2", "wb") as handle:
        pickle.dump(data, handle)
    for name in ("numbers.pth", "numbers.pickle.pbz2"):
        _, results = nb201_convert.load_benchmark(tmp_path / name)
        assert list(results) == []


def test_a_study_cannot_leave_results_dir_and_results_dir_cannot_be_empty(hpobench_cli, tmp_path):
    results = tmp_path / "deep" / "results"
    for args in (["study=../../escape"], ["-m", "study=fine,..", "~hydra.callbacks.analysis"]):
        done = hpobench_cli(*args, "budget.evals=2", check=False, results=results)
        assert done.returncode == 2 and "would put runs outside results_dir" in done.stderr, done.stderr
    done = subprocess.run([sys.executable, "-m", "hpobench", "budget.evals=2", "results_dir="], cwd=tmp_path,
                          env=cli_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "results_dir is empty" in done.stderr
    assert list(tmp_path.rglob("*")) == []  # not even results/ (nor, on main, ../escape or /default)
