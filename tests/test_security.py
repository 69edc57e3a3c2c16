"""Reading a results folder or a data file never runs code from it (docs/reliability.md, "Trust boundary").

Every payload here is harmless: it would create a file, and each test
asserts that the file was never made.
"""

from __future__ import annotations

import bz2
import json
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


def crafted_results(root: Path, marker: Path) -> Path:
    """A results folder whose run.json names callables that would create ``marker``: os.system, and
    pandas.read_pickle of a pickle in the same folder."""
    from _analysis_runs import write_run

    run = write_run(root, "t", "a", 0, [1.0, 0.5])
    with open(run / "payload.pkl", "wb") as handle:
        pickle.dump(Payload(marker), handle)
    info = json.loads((run / "run.json").read_text())
    info["config"] = {"task": {"_target_": "pandas.read_pickle", "filepath_or_buffer": str(run / "payload.pkl")},
                      "method": {"_target_": "os.system", "command": f"touch {marker}"},
                      "seed": 0, "budget": {"evals": 2}, "workers": 1}
    (run / "run.json").write_text(json.dumps(info))
    run2 = write_run(root, "t", "b", 0, [1.0, 0.4])  # one for each: a task target naming a shell command
    info2 = json.loads((run2 / "run.json").read_text())
    info2["config"] = {**info["config"], "task": {"_target_": "os.system", "command": f"touch {marker}"},
                       "method": {"_target_": "hpobench.methods.random_search.RandomSearch", "_partial_": True}}
    (run2 / "run.json").write_text(json.dumps(info2))
    return root


def test_analysing_a_crafted_results_folder_runs_nothing(tmp_path):
    from hpobench.analysis import analyse

    marker = tmp_path / "ran"
    crafted_results(tmp_path / "results", marker)
    report = analyse(tmp_path / "results", tmp_path / "out")
    assert report.figures and not marker.exists()


def test_verify_refuses_targets_outside_hpobench_and_its_plugins(tmp_path):
    from hpobench.verify import check_one

    marker = tmp_path / "ran"
    root = crafted_results(tmp_path / "results", marker)
    for run in sorted(root.glob("hand/t/*/seed=0")):
        verdict = check_one(run)
        assert verdict["verdict"] == "refused", verdict
        assert "os.system" in verdict["detail"] or "pandas.read_pickle" in verdict["detail"]
        assert "--trust" in verdict["detail"]
    done = subprocess.run([sys.executable, "-m", "hpobench.verify", str(root)], env=cli_env(), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 1 and "2 refused" in done.stdout, done.stdout + done.stderr
    assert not marker.exists()


def test_verify_accepts_a_plugin_registered_under_hpobench_plugins(monkeypatch):
    from importlib.metadata import EntryPoint

    from hpobench import trust

    plugin = EntryPoint(name="toy", value="toy_tasks", group=trust.PLUGIN_GROUP)
    config = {"task": {"_target_": "toy_tasks.MixedTask"},
              "method": {"_target_": "hpobench.methods.random_search.RandomSearch", "_partial_": True}}
    with pytest.raises(trust.UserError, match="outside hpobench and its registered plugins"):
        trust.check_run_config(config, "run.json")
    monkeypatch.setattr(trust, "entry_points", lambda group: [plugin] if group == trust.PLUGIN_GROUP else [])
    trust.check_run_config(config, "run.json")  # now a plugin's Task class: accepted
    config["task"]["_target_"] = "toy_tasks.Result"  # in the plugin, but not a Task
    with pytest.raises(trust.UserError, match="not a Task class"):
        trust.check_run_config(config, "run.json")
