"""The progress bar of a run: trials done, the best loss so far, and the time left at the recent pace.

The time left is estimated from the last ``WINDOW`` trials only, not from
the whole run: a method whose trials slow down as it goes (a GP refits on
every result, its cost growing with the trials told) would otherwise be
promised the pace of its cheap start. Progress is the fraction of the
budget spent, by whichever limit is nearest to being reached, so the
estimate works for every kind of budget.
"""

from __future__ import annotations

import math
import sys
import time
from collections import deque
from collections.abc import Sequence
from typing import Any

from hpobench.budget import Budget

DELAY = 0.5  # seconds before the bar appears, so quick runs print no bar at all
WINDOW = 20  # trials whose pace estimates the time left
REFRESH = 0.2  # seconds between updates of the bar's text


def remaining_seconds(recent: Sequence[tuple[float, float]]) -> float | None:
    """Seconds left at the pace of ``recent``: (wall-clock seconds, fraction of the budget spent) pairs,
    oldest first; None while there is too little to tell (fewer than two points, or no progress)."""
    if len(recent) < 2:
        return None
    (t0, f0), (t1, f1) = recent[0], recent[-1]
    if f1 <= f0 or t1 <= t0:
        return None
    return max(0.0, 1.0 - f1) * (t1 - t0) / (f1 - f0)


def spent(budget: Budget, evals: int, fidelity: float, sim_time: float, wall_time: float) -> float:
    """The fraction of ``budget`` spent: that of the limit nearest to being reached (0 to 1)."""
    parts = [used / limit for used, limit in ((evals, budget.evals), (fidelity, budget.fidelity),
                                               (sim_time, budget.sim_time), (wall_time, budget.wall_time))
             if limit]
    return min(1.0, max(parts, default=0.0))


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


def _tqdm():
    from tqdm import tqdm  # only when a bar is shown: its import is a tenth of a run's start-up

    return tqdm


class Progress:
    """A tqdm bar on stderr, in trials, that shows the best loss so far and the time left at the recent pace."""

    def __init__(self, budget: Budget, desc: str | None, enabled: bool):
        self.budget, self.enabled = budget, enabled
        self.bar = None if not enabled else _tqdm()(total=budget.evals, delay=DELAY, file=sys.stderr, unit="trial",
                        desc=desc, bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]"
                        if budget.evals else "{desc}: {n_fmt} trials [{elapsed}{postfix}]")
        self.recent: deque[tuple[float, float]] = deque(maxlen=WINDOW + 1)
        self.best = math.inf
        self.start = self.shown = time.monotonic()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.close()

    def step(self, record: Any, evals: int, fidelity: float, sim_time: float) -> None:
        """One more trial finished; ``evals``, ``fidelity``, ``sim_time``: the run's totals now."""
        if not self.enabled:
            return
        if record.status == "ok" and record.loss < self.best:
            self.best = record.loss
        now = time.monotonic()
        self.recent.append((now, spent(self.budget, evals, fidelity, sim_time, now - self.start)))
        self.bar.update()
        if now - self.shown >= REFRESH:
            self.shown = now
            self.bar.set_postfix_str(self.text(), refresh=False)

    def text(self) -> str:
        parts = [f"best {self.best:.6g}"] if math.isfinite(self.best) else []
        left = remaining_seconds(self.recent)
        if left is not None:
            parts.append(f"~{_clock(left)} left")
        return ", ".join(parts)
