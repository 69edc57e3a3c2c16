"""The progress bar's estimate of the time left, and what the bar shows."""

from __future__ import annotations

import pytest

from hpobench import Budget, run
from hpobench.methods.random_search import RandomSearch
from hpobench.progress import WINDOW, Progress, remaining_seconds, spent
from hpobench.tasks.synthetic import Branin


def test_the_time_left_follows_the_recent_pace_not_the_average():
    # trial k takes k seconds (slowing down, as GP's do): after 30 of 60 trials, 465 s have passed
    times = [k * (k + 1) / 2 for k in range(61)]
    history = [(times[k], k / 60) for k in range(31)]
    recent = remaining_seconds(history[-(WINDOW + 1):])
    average = remaining_seconds([history[0], history[-1]])
    true_left = times[60] - times[30]
    assert average == pytest.approx(465.0)  # the whole run's pace promises far too little
    assert recent == pytest.approx(30 * (465 - 55) / 20)  # the last 20 trials: 20.5 s each
    assert average < recent < true_left


def test_too_little_to_tell_gives_no_estimate():
    assert remaining_seconds([]) is None
    assert remaining_seconds([(1.0, 0.1)]) is None
    assert remaining_seconds([(1.0, 0.1), (2.0, 0.1)]) is None  # no progress
    assert remaining_seconds([(0.0, 0.0), (1.0, 1.0)]) == 0.0


def test_progress_is_the_fraction_of_the_nearest_limit():
    assert spent(Budget(evals=100), 25, 0.0, 0.0, 0.0) == 0.25
    assert spent(Budget(evals=100, sim_time=10), 25, 0.0, 5.0, 0.0) == 0.5
    assert spent(Budget(fidelity=4), 3, 5.0, 0.0, 0.0) == 1.0


def test_the_bar_shows_the_best_loss_and_the_time_left(monkeypatch):
    out = run(RandomSearch, Branin(), seed=0, budget=Budget(evals=50))
    clock = iter(range(0, 1000, 2))
    monkeypatch.setattr("hpobench.progress.time.monotonic", lambda: next(clock))
    progress = Progress(Budget(evals=50), "random branin", enabled=True)
    with progress:
        for k, record in enumerate(out.records, start=1):
            progress.step(record, k, 0.0, record.sim_end)
            if k == 10:
                text = progress.text()
    best = min(r.loss for r in out.records[:10])
    assert text == f"best {best:.6g}, ~01:20 left"  # 2 s a trial, 40 trials to go


def test_a_disabled_bar_does_nothing():
    progress = Progress(Budget(evals=5), None, enabled=False)
    out = run(RandomSearch, Branin(), seed=0, budget=Budget(evals=5))
    for record in out.records:
        progress.step(record, 1, 0.0, 0.0)
    assert progress.text() == "" and not progress.recent
