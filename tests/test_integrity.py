"""Records that cannot be mixed or silently damaged (issue 14, items 10-13; docs/reliability.md)."""

from __future__ import annotations

import threading

from hpobench import UserError, storage
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
