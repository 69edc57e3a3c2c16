"""Inputs a user can get wrong end with one sentence, exit status 2 and nothing half-written (issue 14, item 6;
docs/reliability.md). The fuzz over every entry point is tests/test_fuzz_cli.py."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _analysis_runs import write_run
from conftest import cli_env

from hpobench import Budget, UserError, run
from hpobench.analysis import analyse
from hpobench.analysis import style as analysis_style
from hpobench.methods.random_search import RandomSearch
from hpobench.storage import RunFolder
from hpobench.tasks.synthetic import Branin
from hpobench.tasks.tabular import TabularTask

GOOD = "lr,loss\n0.1,0.5\n0.2,0.4\n"
TABLES = {  # file name -> (bytes, words of the sentence)
    "empty.csv": (b"", "is empty"),
    "header_only.csv": (b"lr,loss\n", "holds no rows"),
    "ragged.csv": (b"lr,loss\n0.1,0.5\n0.2,0.4,7,8\n", "not a well-formed CSV"),
    "text_metric.csv": (b"lr,loss\n0.1,good\n0.2,bad\n", "must hold numbers, but holds 'good'"),
    "binary.csv": (bytes(np.random.default_rng(0).integers(128, 256, 512, dtype=np.uint8)), "not UTF-8"),
    "binary.parquet": (bytes(np.random.default_rng(1).integers(0, 256, 512, dtype=np.uint8)), "as parquet"),
    "corrupt.csv.gz": (gzip.compress(GOOD.encode())[:-12] + b"\0" * 12, "as CSV"),
    "utf16.csv": (GOOD.encode("utf-16"), "not UTF-8"),
}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_a_bad_table_is_one_sentence(tmp_path, name):
    data, words = TABLES[name]
    (tmp_path / name).write_bytes(data)
    with pytest.raises(UserError, match=words):
        TabularTask(path=str(tmp_path / name), metric="loss").space  # noqa: B018 (reading builds the table)


def test_a_bad_table_on_the_command_line_leaves_nothing(hpobench_cli, tmp_path):
    (tmp_path / "utf16.csv").write_bytes(TABLES["utf16.csv"][0])
    done = hpobench_cli("task=tabular", f"task.path={tmp_path / 'utf16.csv'}", "task.metric=loss", "budget.evals=2",
                        check=False)
    assert done.returncode == 2 and "not UTF-8" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not (tmp_path / "results").exists()


def test_a_billion_workers_is_refused_at_once():
    with pytest.raises(UserError, match="workers must be a positive integer of at most 100,000"):
        run(RandomSearch, Branin(), seed=0, budget=Budget(evals=3), workers=10**9)


def test_analysis_refuses_an_unwritable_out_before_writing(tmp_path):
    write_run(tmp_path / "results", "t", "a", 0, [1.0, 0.5])
    (tmp_path / "a_file").write_text("")
    with pytest.raises(UserError, match=r"Cannot write to .*a_file.*--out"):
        analyse(tmp_path / "results", tmp_path / "a_file" / "analysis")
    with pytest.raises(UserError, match="points must be at least 2 and at most"):
        analyse(tmp_path / "results", tmp_path / "out", options=_options(points=10**9))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "results"]


def _options(**kwargs):
    from hpobench.analysis.report import Options

    return Options(**kwargs)


# ----- item 9: a killed analysis leaves no truncated file under a final name -----------------------------


def test_a_kill_while_the_analysis_draws_leaves_no_truncated_figure(tmp_path, monkeypatch):
    for seed in range(2):
        write_run(tmp_path / "results", "t", "a", seed, [1.0, 0.5])
    out = tmp_path / "out"
    original = analysis_style.Figure.savefig

    def killed_midway(fig, target, *args, **kwargs):
        original(fig, target, *args, **kwargs)
        Path(target).write_bytes(Path(target).read_bytes()[:100])  # what a kill midway leaves
        raise KeyboardInterrupt

    monkeypatch.setattr(analysis_style.Figure, "savefig", killed_midway)
    with pytest.raises(KeyboardInterrupt):
        analyse(tmp_path / "results", out)
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == ["hand/runs.md"]  # written before the first figure; no figure, no temporary file


def test_a_kill_while_a_table_is_written_keeps_the_old_file(tmp_path, monkeypatch):
    write_run(tmp_path / "results", "t", "a", 0, [1.0, 0.5])
    old = tmp_path / "out" / "hand" / "runs.md"
    old.parent.mkdir(parents=True)
    old.write_text("the analysis before\n")
    original = Path.write_text

    def killed_midway(path, text, *args, **kwargs):
        original(path, text[: len(text) // 2], *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_text", killed_midway)
    with pytest.raises(KeyboardInterrupt):
        analyse(tmp_path / "results", tmp_path / "out")
    monkeypatch.undo()
    assert [p.name for p in old.parent.iterdir()] == ["runs.md"] and old.read_text() == "the analysis before\n"


# ----- item 14 (verify part): checking nothing is not a success -------------------------------------------


def test_verify_that_checks_nothing_fails(tmp_path, capsys):
    from hpobench.verify import main

    (tmp_path / "empty").mkdir()
    for argv in ([str(tmp_path / "empty")], [str(tmp_path), "--sample", "0"], [str(tmp_path), "--sample", "-1"]):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2
    write_run(tmp_path / "results", "t", "a", 0, [1.0], finished=False)
    assert main([str(tmp_path / "results")]) == 1
    assert "Nothing was checked" in capsys.readouterr().err


# ----- item 15: a folder named hpobench in the working directory -----------------------------------------


def test_a_shadowing_hpobench_folder_is_named_in_one_sentence(tmp_path, monkeypatch, capsys):
    from hpobench.verify import main

    RunFolder(tmp_path / "results" / "r").path.mkdir(parents=True)
    run(RandomSearch, Branin(), seed=0, budget=Budget(evals=2), folder=RunFolder(tmp_path / "results" / "r"))
    (tmp_path / "hpobench").mkdir()
    (tmp_path / "hpobench" / "__init__.py").write_text("")  # an old copy, say, that `python -m` would import
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main([str(tmp_path / "results")])
    assert stop.value.code == 2
    assert f"The folder {tmp_path / 'hpobench'} is imported as the hpobench package" in capsys.readouterr().err


# ----- output piped into a reader that stops early ---------------------------------------------------------

ENTRY_POINTS = ("hpobench", "hpobench.analysis", "hpobench.verify", "hpobench.status", "hpobench.analysis.lineage",
                "hpobench.tasks.nb201_convert")


def test_every_entry_point_ends_quietly_on_a_closed_pipe():
    import ast
    import importlib.util

    for module in ENTRY_POINTS:
        name = f"{module}.__main__" if module in ("hpobench", "hpobench.analysis") else module
        tree = ast.parse(Path(importlib.util.find_spec(name).origin).read_text())
        block = next(node for node in tree.body if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test))
        assert "end_quietly_on_closed_output()" in ast.unparse(block.body[0]), module


@pytest.mark.parametrize("module", ["hpobench", "hpobench.status"])
def test_output_into_a_closed_pipe_ends_without_a_traceback(tmp_path, module):
    read, write = os.pipe()
    os.close(read)  # the reader has gone before the first line, as with `| head -0`
    proc = subprocess.Popen([sys.executable, "-m", module, "--help"], stdout=write, stderr=subprocess.PIPE,
                            cwd=tmp_path, env=cli_env(), text=True)
    os.close(write)
    err = proc.communicate(timeout=120)[1]
    assert "BrokenPipe" not in err and "Traceback" not in err, err
