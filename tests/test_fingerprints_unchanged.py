"""Speed-ups of the runner and its recording leave the results as they were, bit for bit.

The fingerprints below were made by hpobench before the runner wrote records
through ``record_text`` (commit 9bd25cd); a run that gives another one has
changed its trials (or their recorded form), which a speed-up must not do.
"""

from __future__ import annotations

import pytest

from hpobench import Budget, run
from hpobench.methods.hyperband import Hyperband
from hpobench.methods.random_search import RandomSearch
from hpobench.storage import RunFolder, fingerprint
from hpobench.tasks.mixed_synthetic import MixedBranin
from hpobench.tasks.synthetic import Branin, MultiFidelityHartmann

CASES = {
    "random-branin": (RandomSearch, Branin, Budget(evals=200), 1,
                      "b64f6b9c689be29d1e1074711f52877e7b0e38f27714bd827ef6d673c881d71d"),
    "random-mixed_branin-4-workers": (RandomSearch, MixedBranin, Budget(evals=200), 4,
                                      "0a8bfb6f5f34fbc40235b84944f2bffa379c4a450355480024d4991a39f6902a"),
    "hyperband-mfh3": (Hyperband, MultiFidelityHartmann, Budget(fidelity=20), 3,
                       "62a5761df2fdb1ede1e42ed152c0812ab196c595c84a8ada959cc82f33c47bf2"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_run_has_the_fingerprint_it_had_before_the_speed_ups(name, tmp_path):
    method, task, budget, workers, expected = CASES[name]
    folder = RunFolder(tmp_path / name)
    outcome = run(method, task(), seed=1, budget=budget, workers=workers, folder=folder)
    assert fingerprint(outcome.records) == expected  # the trials, as made in memory
    assert folder.read_info().fingerprint == expected  # as hashed while they were written
    assert fingerprint(folder.read_trials()) == expected  # as read back from trials.jsonl


def test_a_resumed_run_hashes_its_replayed_trials_too(tmp_path, monkeypatch):
    method, task, budget, workers, expected = CASES["random-mixed_branin-4-workers"]
    folder = RunFolder(tmp_path / "run")
    append = RunFolder.append_trial

    def interrupted(self, record, line=None):
        if record.trial_id == 120:
            raise KeyboardInterrupt
        append(self, record, line)

    monkeypatch.setattr(RunFolder, "append_trial", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(method, task(), seed=1, budget=budget, workers=workers, folder=folder)
    monkeypatch.setattr(RunFolder, "append_trial", append)
    resumed = run(method, task(), seed=1, budget=budget, workers=workers, folder=folder)
    assert resumed.replayed > 100 and folder.read_info().fingerprint == expected
