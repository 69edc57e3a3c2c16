"""Runs that must end (issue 14, item 4; docs/reliability.md): a failed trial costs no simulated time, so a run
whose trials all fail would never reach a sim_time budget."""

from __future__ import annotations

import math

import pytest

from hpobench import UserError
from hpobench.tasks.synthetic import Branin, Hartmann3, Levy, MultiFidelityHartmann


@pytest.mark.parametrize("cost", [-1, -0.5, math.nan, math.inf, "1"])
@pytest.mark.parametrize("task", [Branin, Hartmann3, Levy, MultiFidelityHartmann])
def test_a_negative_or_non_finite_task_cost_is_refused(task, cost):
    with pytest.raises(UserError, match=r"task\.cost must be a finite number of simulated seconds >= 0"):
        task(cost=cost)
