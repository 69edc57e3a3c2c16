"""Synthetic tasks: their published optima are exact minima."""

import math

import numpy as np
import pytest
from scipy.optimize import minimize

from hpobench import Trial
from hpobench.tasks.synthetic import Branin, Hartmann3, Hartmann6, Levy, MultiFidelityHartmann, hartmann


def value(task, x, fidelity=None, seed=0):
    return task.evaluate(Trial(0, dict(zip(task.space.names, map(float, x))), fidelity), seed).loss


def polish(task, x0):
    """Local minimum from the published minimiser, inside the box."""
    bounds = [(p.low, p.high) for p in task.space.params.values()]
    options = {"ftol": 1e-15, "gtol": 1e-12}
    return minimize(lambda x: value(task, x), x0, method="L-BFGS-B", bounds=bounds, options=options)


def test_branin_has_its_three_minima_at_five_over_four_pi():
    task = Branin()
    assert task.optimum == pytest.approx(0.397887357729738, abs=1e-14)
    for x in task.minimisers:
        assert value(task, x) == pytest.approx(task.optimum, abs=1e-6)
        assert polish(task, x).fun == pytest.approx(task.optimum, abs=1e-12)


@pytest.mark.parametrize("task", [Hartmann3(), Hartmann6()], ids=["hartmann3", "hartmann6"])
def test_hartmann_optimum_is_the_polished_minimum(task):
    assert value(task, task.minimiser) == pytest.approx(task.optimum, abs=1e-5)  # minimiser given to 6 digits
    result = polish(task, task.minimiser)
    assert result.fun == pytest.approx(task.optimum, abs=1e-12)
    np.testing.assert_allclose(result.x, task.minimiser, atol=1e-4)


@pytest.mark.parametrize("task", [Branin(), Hartmann3(), Hartmann6(), Levy(dim=4)], ids=lambda t: type(t).__name__)
def test_no_random_point_beats_the_optimum(task):
    configs = task.space.sample(np.random.default_rng(0), 20_000)
    losses = [task.evaluate(Trial(i, c), 0).loss for i, c in enumerate(configs)]
    assert min(losses) > task.optimum


@pytest.mark.parametrize("dim", [1, 2, 10, 30])
def test_levy_is_zero_at_ones_in_any_dimension(dim):
    task = Levy(dim=dim)
    assert len(task.space) == dim
    assert value(task, np.ones(dim)) == pytest.approx(0.0, abs=1e-28)
    assert value(task, np.full(dim, 1.5)) > 0


def test_levy_matches_a_hand_computed_value():
    # x = (0, 0): w = (0.75, 0.75); sin^2(0.75 pi) + 0.0625 (1 + 10 sin^2(0.75 pi + 1)) + 0.0625 (1 + sin^2(1.5 pi))
    w = 0.75
    expected = math.sin(math.pi * w) ** 2 + 0.0625 * (1 + 10 * math.sin(math.pi * w + 1) ** 2) + 0.0625 * 2
    assert value(Levy(dim=2), [0.0, 0.0]) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("dim", [3, 6])
def test_multi_fidelity_hartmann_is_exact_at_full_fidelity_and_biased_below(dim):
    task = MultiFidelityHartmann(dim=dim)
    exact = Hartmann3 if dim == 3 else Hartmann6
    assert task.optimum == exact.optimum
    x = exact.minimiser
    assert value(task, x, fidelity=100) == value(task, x) == pytest.approx(hartmann(np.array(x)), abs=1e-15)
    # the bias flattens the function: low fidelities see a higher (less deep) minimum
    lows = [value(task, x, fidelity=z, seed=s) for z in (3, 10, 30) for s in range(3)]
    assert all(v > exact.optimum + 0.1 for v in lows)
    # noise depends on the evaluation seed below full fidelity, never at full fidelity
    assert value(task, x, fidelity=3, seed=1) != value(task, x, fidelity=3, seed=2)
    assert value(task, x, fidelity=100, seed=1) == value(task, x, fidelity=100, seed=2)


def test_multi_fidelity_cost_grows_with_fidelity_as_in_kandasamy():
    task = MultiFidelityHartmann(cost=2.0)
    costs = [task.evaluate(Trial(0, {"x0": 0.5, "x1": 0.5, "x2": 0.5}, z), 0).cost for z in (3, 50, 100)]
    assert costs == pytest.approx([2 * (0.05 + 0.95 * 0.03**2), 2 * (0.05 + 0.95 * 0.25), 2.0])
    assert task.fidelity.min == 3 and task.fidelity.max == 100
