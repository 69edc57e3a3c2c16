"""Incumbent curves on hand-made runs whose curves are known."""

import math

import numpy as np
import pytest
from _analysis_runs import write_run

from hpobench.analysis import curves
from hpobench.storage import load_results

nan = math.nan


@pytest.fixture
def one_run(tmp_path):
    # trial 2 fails, trial 4 ties the incumbent (the earlier one stays), trial 5 improves
    write_run(tmp_path, "t", "m", 0, [5.0, 3.0, None, 4.0, 3.0, 1.0],
              test_losses=[50.0, 30.0, None, 40.0, 29.0, 10.0], costs=[1.0, 2.0, 0.5, 0.5, 1.0, 1.0],
              wall=[0.1, 0.2, 0.1, 0.1, 0.1, 0.1], method_time=[0.01] * 6, budget_used=[0.5, 1, 1.5, 2, 2.5, 3])
    return curves.traces(load_results(tmp_path))


def test_incumbent_and_its_test_loss_follow_the_validation_loss(one_run):
    assert one_run["incumbent"].tolist() == [5.0, 3.0, 3.0, 3.0, 3.0, 1.0]
    # a tie in validation loss keeps the earlier incumbent, so its test loss (30, not 29)
    assert one_run["incumbent_test"].tolist() == [50.0, 30.0, 30.0, 30.0, 30.0, 10.0]


def test_axes_are_cumulative(one_run):
    assert one_run["evals"].tolist() == [1, 2, 3, 4, 5, 6]
    assert one_run["sim_time"].tolist() == pytest.approx([1.0, 3.0, 3.5, 4.0, 5.0, 6.0])
    assert one_run["fidelity"].tolist() == pytest.approx([0.5, 1, 1.5, 2, 2.5, 3])
    assert one_run["wall_time"].tolist() == pytest.approx(np.cumsum([0.11, 0.21, 0.11, 0.11, 0.11, 0.11]))


def test_step_interpolation_on_a_grid(one_run):
    grid = np.array([0.5, 1.0, 2.99, 3.0, 4.9, 6.0, 100.0])
    sampled = curves.sample(one_run, "sim_time", grid)
    expected = [nan, 5.0, 5.0, 3.0, 3.0, 1.0, 1.0]  # nan before the first trial; the final value after the end
    np.testing.assert_array_equal(sampled["incumbent"][0], expected)
    np.testing.assert_array_equal(sampled["incumbent_test"][0], [nan, 50, 50, 30, 30, 10, 10])


def test_first_failed_trials_leave_no_incumbent(tmp_path):
    write_run(tmp_path, "t", "m", 0, [None, None, 2.0])
    tr = curves.traces(load_results(tmp_path))
    np.testing.assert_array_equal(tr["incumbent"], [nan, nan, 2.0])


def test_grid_curves_align_seeds_on_a_common_grid(tmp_path):
    write_run(tmp_path, "t", "m", 0, [4.0, 2.0, 1.0])
    write_run(tmp_path, "t", "m", 1, [3.0, 3.0, 0.0, 0.0])
    (c,) = curves.grid_curves(curves.traces(load_results(tmp_path)), "evals", points=200)
    np.testing.assert_array_equal(c.grid, [1, 2, 3, 4])
    assert not c.log
    np.testing.assert_array_equal(c.of("m"), [[4, 2, 1, 1], [3, 3, 0, 0]])
    assert c.runs["end"].tolist() == [3, 4]


def test_time_grids_are_geometric(tmp_path):
    write_run(tmp_path, "t", "m", 0, [1.0] * 5, costs=[0.1, 1, 10, 100, 1000])
    (c,) = curves.grid_curves(curves.traces(load_results(tmp_path)), "sim_time", points=50)
    assert c.log and len(c.grid) == 50
    assert c.grid[0] == pytest.approx(0.1) and c.grid[-1] == pytest.approx(1111.1)
    assert np.allclose(np.diff(np.log(c.grid)), np.log(c.grid[1] / c.grid[0]))


def test_mean_over_time_at_fractions_of_the_budget(tmp_path):
    write_run(tmp_path, "t", "a", 0, [4.0, 2.0, 2.0, 1.0])
    write_run(tmp_path, "t", "a", 1, [2.0, 2.0, 0.0, 0.0])
    write_run(tmp_path, "t", "b", 0, [3.0, 3.0, 3.0, 3.0])
    means = curves.mean_over_time(curves.traces(load_results(tmp_path)), "evals", np.array([0.1, 0.5, 1.0]))
    # 0.1 of 4 evaluations is before any trial; 0.5 is after 2 trials
    np.testing.assert_array_equal(means.loc[("t", "a")], [nan, 2.0, 0.5])
    np.testing.assert_array_equal(means.loc[("t", "b")], [nan, 3.0, 3.0])


def test_final_test_loss_is_the_last_incumbents_even_when_missing(tmp_path):
    write_run(tmp_path, "t", "m", 0, [3.0, 1.0], test_losses=[30.0, None])
    last = curves.final(curves.traces(load_results(tmp_path)))
    assert last["incumbent"].tolist() == [1.0]
    assert np.isnan(last["incumbent_test"].iloc[0])  # not 30, the test loss of the previous incumbent


def test_incumbent_at_full_fidelity_only_by_option(tmp_path):
    # the low-fidelity trial has the lowest loss; at full fidelity the best is 2
    write_run(tmp_path, "t", "m", 0, [1.0, 3.0, 2.0], fidelities=[10, 100, 100])
    trials = load_results(tmp_path)
    assert curves.traces(trials)["incumbent"].tolist() == [1.0, 1.0, 1.0]
    full = curves.traces(trials, full_fidelity_only=True)["incumbent"]
    np.testing.assert_array_equal(full, [nan, 3.0, 2.0])
