"""Records that cannot be mixed or silently damaged (issue 14, items 10-13; docs/reliability.md)."""

from __future__ import annotations

import dataclasses
import json
import math
import threading

import pytest

from hpobench import Budget, UserError, list_runs, run, storage, trials_file
from hpobench.methods.random_search import RandomSearch
from hpobench.runner import Recording
from hpobench.storage import RunFolder
from hpobench.tasks.synthetic import Branin
from hpobench.tasks.tabular import TabularTask


def test_a_process_that_opened_the_lock_just_before_its_holder_let_go_does_not_share_it(tmp_path, monkeypatch):
    """The race: B opens .lock, is delayed, A lets go (removing .lock), C takes the folder; B must not hold it too."""
    folder = RunFolder(tmp_path / "run")
    real_flock = storage.fcntl.flock
    opened, go = threading.Event(), threading.Event()

    def delayed_flock(handle, operation):
        if threading.current_thread().name == "late":  # the injected delay, between opening and locking
            opened.set()
            go.wait(10)
        return real_flock(handle, operation)

    monkeypatch.setattr(storage.fcntl, "flock", delayed_flock)
    outcome = {}

    def late() -> None:
        try:
            with RunFolder(folder.path).lock():
                outcome["late"] = "held the folder"
        except UserError as error:
            outcome["late"] = str(error)

    with folder.lock():  # A
        thread = threading.Thread(target=late, name="late")
        thread.start()
        assert opened.wait(10)
    with folder.lock():  # C, after A let go, while B is still between open and flock
        go.set()
        thread.join(10)
        assert "is being written by process" in outcome["late"]


# ----- item 11: only a line cut short by a kill is repaired -------------------------------------------------

RECORD = b'{"trial_id": %d, "config": {"x": 0.5}, "loss": 1.5, "ok": true}'


def trials_bytes(n: int) -> bytes:
    return b"".join(RECORD % i + b"\n" for i in range(n))


@pytest.mark.parametrize("cut", [5, 17, 30, 44, 47, 50, len(RECORD % 3) - 1])
@pytest.mark.parametrize("newline", [False, True])
def test_a_last_line_cut_short_is_dropped_with_or_without_its_newline(tmp_path, cut, newline):
    data = trials_bytes(3) + (RECORD % 3)[:cut] + b"\n" * newline
    parsed = trials_file.parse(data, tmp_path / "trials.jsonl")
    assert [r["trial_id"] for r in parsed.rows] == [0, 1, 2]
    assert parsed.keep == len(trials_bytes(3)) and parsed.dropped == 1


@pytest.mark.parametrize(("tail", "words"), [
    (b"\0\0\0\0", "NUL bytes"), (b"\0\0\0\0\n", "NUL bytes"), (b"garbage", "not a JSON object"),
    (b"[1, 2]\n", "not a JSON object"), (b'{"trial_id": 3} trailing', "garbage"), (b"\n", "an empty line"),
])
def test_other_damage_at_the_end_stops_with_the_file_line_and_ways_out(tmp_path, tail, words):
    path = tmp_path / "trials.jsonl"
    with pytest.raises(UserError) as error:
        trials_file.parse(trials_bytes(3) + tail, path)
    message = str(error.value)
    assert f"{path} is damaged at line 4 of 4 ({words}" in message
    assert "move the run folder aside" in message and "repair=true to keep the 3 trials" in message


def test_damage_before_the_last_line_stops_and_repair_keeps_what_comes_before(tmp_path):
    data = trials_bytes(2) + b"\0\0\0\0\n" + trials_bytes(3)
    with pytest.raises(UserError, match="damaged at line 3 of 6"):
        trials_file.parse(data, tmp_path / "trials.jsonl")
    repaired = trials_file.parse(data, tmp_path / "trials.jsonl", repair_damage=True)
    assert len(repaired.rows) == 2 and repaired.keep == len(trials_bytes(2)) and repaired.dropped == 4


def test_a_whole_last_record_without_its_newline_is_kept(tmp_path):
    parsed = trials_file.parse(trials_bytes(3)[:-1], tmp_path / "trials.jsonl")
    assert len(parsed.rows) == 3 and parsed.newline and parsed.dropped == 0


# ----- resuming against damage, changed data, a kill just before done, strict JSON ----------------------------


def strip_times(records) -> list[dict]:
    return [storage.deterministic_part(r) for r in records]


CONFIG = {"method": {"_target_": "hpobench.methods.random_search.RandomSearch"}, "seed": 0}


def interrupted_run(path, task, keep: int, evals: int = 20):
    """A finished run made into one killed after ``keep`` trials; returns the uninterrupted trials."""
    folder = RunFolder(path)
    whole = run(RandomSearch, task, seed=0, budget=Budget(evals=evals), folder=Recording(folder, config=CONFIG))
    (path / "done").unlink()
    lines = folder.trials_path.read_bytes().splitlines(keepends=True)
    folder.trials_path.write_bytes(b"".join(lines[:keep]))
    return folder, strip_times(whole.records), lines


def test_a_torn_line_with_its_newline_resumes_and_damage_stops_until_repaired(tmp_path):
    folder, whole, lines = interrupted_run(tmp_path / "torn", Branin(), keep=10)
    with open(folder.trials_path, "ab") as handle:
        handle.write(lines[10][:25] + b"\n")  # cut short, then a newline
    resumed = run(RandomSearch, Branin(), seed=0, budget=Budget(evals=20), folder=Recording(folder, config=CONFIG))
    assert strip_times(resumed.records) == whole and resumed.replayed == 10

    folder, whole, _ = interrupted_run(tmp_path / "nul", Branin(), keep=10)
    with open(folder.trials_path, "ab") as handle:
        handle.write(b"\0" * 64)  # what a crash of the machine (not of the process) can leave
    with pytest.raises(UserError, match=r"trials\.jsonl is damaged at line 11 of 11 \(NUL bytes\)"):
        run(RandomSearch, Branin(), seed=0, budget=Budget(evals=20), folder=Recording(folder, config=CONFIG))
    assert folder.state() == "damaged"
    repaired = run(RandomSearch, Branin(), seed=0, budget=Budget(evals=20), folder=Recording(folder, config=CONFIG),
                   repair=True)
    assert strip_times(repaired.records) == whole and repaired.repaired == 1


def test_a_run_does_not_resume_against_an_edited_table(tmp_path):
    table = tmp_path / "grid.csv"
    table.write_text("x,loss\n" + "".join(f"{i},{(i - 7) ** 2}\n" for i in range(30)))
    task = TabularTask(path=str(table), metric="loss", cost=1.0)
    folder, _, _ = interrupted_run(tmp_path / "run", task, keep=5, evals=10)
    assert list(folder.read_info().data) == [str(table.resolve())]
    table.write_text(table.read_text().replace("7,0\n", "7,100\n"))  # the best row, edited between kill and resume
    with pytest.raises(UserError, match=r"grid\.csv changed since the run in .* started"):
        run(RandomSearch, TabularTask(path=str(table), metric="loss", cost=1.0), seed=0, budget=Budget(evals=10),
            folder=Recording(folder, config=CONFIG))
    assert len(folder.read_trials()) == 5  # untouched


def test_a_run_killed_just_before_done_is_interrupted_everywhere(tmp_path):
    folder, whole, _ = interrupted_run(tmp_path / "st" / "branin" / "random" / "seed=0", Branin(), keep=20)
    folder.write_info(dataclasses.replace(folder.read_info(), study="st", task="branin", method="random"))
    assert folder.read_info().status == "finished"  # run.json was written, the done marker was not
    assert list_runs(tmp_path).loc[0, "status"] == "interrupted" == folder.state()
    resumed = run(RandomSearch, Branin(), seed=0, budget=Budget(evals=20), folder=Recording(folder, config=CONFIG))
    assert strip_times(resumed.records) == whole and not resumed.skipped
    assert list_runs(tmp_path).loc[0, "status"] == "finished" == folder.state()


class _UnknownOptimum(Branin):
    optimum = math.nan


def test_run_json_is_strict_json_and_the_run_resumes(tmp_path):
    def refuse(constant):
        raise ValueError(f"run.json holds {constant}")

    config = {**CONFIG, "task": {"_target_": "x.Task", "upper": math.inf, "levels": [1.0, math.nan]}}
    folder = RunFolder(tmp_path / "run")
    run(RandomSearch, _UnknownOptimum(), seed=0, budget=Budget(evals=3), folder=Recording(folder, config=config))
    info = json.loads((folder.path / "run.json").read_text(), parse_constant=refuse)
    assert info["optimum"] is None and info["config"]["task"] == {"_target_": "x.Task", "upper": "Infinity",
                                                                 "levels": [1.0, "NaN"]}
    (folder.path / "done").unlink()
    again = run(RandomSearch, _UnknownOptimum(), seed=0, budget=Budget(evals=3),
                folder=Recording(folder, config=config))
    assert again.replayed == 3  # the same settings, recognised in their JSON form
