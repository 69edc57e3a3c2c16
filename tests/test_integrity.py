"""Records that cannot be mixed or silently damaged (issue 14, items 10-13; docs/reliability.md)."""

from __future__ import annotations

import threading

import pytest

from hpobench import UserError, storage, trials_file
from hpobench.storage import RunFolder


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
