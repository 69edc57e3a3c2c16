"""A plain single run composes its config once (no mode probe) and writes what the probed run writes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import cli_env

from hpobench.overrides import check_command_line

WALL_CLOCK = ("wall_time", "optimizer_time")


@pytest.mark.parametrize(("argv", "plain"), [
    (["method=random", "task=branin", "budget.evals=1"], True),
    (["seed=3", "task=levy", "budget.wall_time=2"], True),
    ([], True),
    (["+experiment=nb201_search"], False),
    (["task=levy", "task.dim=3"], False),  # a task's setting needs its composed YAML
    (["hydra/launcher=joblib"], False),
    (["hydra.mode=MULTIRUN"], False),
    (["--help"], False),
])
def test_only_a_line_told_from_conf_alone_is_plain(argv, plain):
    assert check_command_line(argv) is plain


def _trials(folder):
    rows = [json.loads(line) for line in (folder / "trials.jsonl").read_text().splitlines()]
    return [{k: v for k, v in row.items() if k not in WALL_CLOCK} for row in rows]


def _run_json(folder):
    data = json.loads((folder / "run.json").read_text())
    return {k: v for k, v in data.items() if k not in ("start", "end", "environment")}


def test_the_run_without_the_mode_probe_writes_what_the_probed_run_writes(tmp_path):
    args = ["method=random", "task=branin", "budget.evals=3", "seed=4"]
    folders = {}
    for name, flags in (("plain", []), ("probed", ["--run"])):  # a flag keeps Hydra's mode probe
        (tmp_path / name).mkdir()  # the same relative results_dir, so that the configs can be equal
        done = subprocess.run([sys.executable, "-m", "hpobench", *flags, *args, "results_dir=results"],
                              cwd=tmp_path / name, env=cli_env(), capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        folders[name] = tmp_path / name / "results" / "default" / "branin" / "random" / "seed=4"
    plain, probed = folders["plain"], folders["probed"]
    for name in ("config.yaml", "overrides.yaml"):
        assert (plain / ".hydra" / name).read_text() == (probed / ".hydra" / name).read_text()
    assert sorted(p.name for p in plain.iterdir()) == sorted(p.name for p in probed.iterdir())
    assert _trials(plain) == _trials(probed) and len(_trials(plain)) == 3
    assert _run_json(plain) == _run_json(probed)
