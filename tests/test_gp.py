"""GP-BO: determinism, valid asks, pending trials, and finding Branin's optimum."""

from functools import partial

import numpy as np
import pytest
from toy_tasks import BlackBoxMixedTask as MixedTask

from hpobench.budget import Budget
from hpobench.errors import UserError
from hpobench.methods.gp import GPBO
from hpobench.methods.random_search import RandomSearch
from hpobench.runner import method_rng, run
from hpobench.space import Categorical, Int, Space
from hpobench.tasks.synthetic import Branin
from hpobench.trial import Result


def _configs(outcome):
    return [(r["trial_id"], r["config"]) for r in sorted(outcome.records, key=lambda r: r["trial_id"])]


def test_same_seed_gives_the_same_trials_and_another_seed_others():
    a = run(GPBO, Branin(), seed=5, budget=Budget(evals=16))
    b = run(GPBO, Branin(), seed=5, budget=Budget(evals=16))
    c = run(GPBO, Branin(), seed=6, budget=Budget(evals=16))
    assert _configs(a) == _configs(b)
    assert _configs(a) != _configs(c)


def test_initial_design_is_a_scrambled_sobol_sample_spread_over_the_cube():
    method = GPBO(Branin().space, None, method_rng(0), n_initial=8)
    points = method.space.encode([method.ask().config for _ in range(8)])
    # A (0, m, 2)-net in base 2: each half of each axis holds exactly half of the points.
    assert np.all((points < 0.5).sum(axis=0) == 4)


def test_asks_stay_in_a_mixed_space_and_failures_do_not_crash_the_model():
    task = MixedTask()
    outcome = run(GPBO, task, seed=0, budget=Budget(evals=25))
    assert len(outcome.records) == 25
    assert all(task.space.check(r["config"]) is None for r in outcome.records)
    assert any(r["status"] == "failed" for r in outcome.records)


def test_gp_finds_branins_optimum_far_better_than_random_search():
    task = Branin()
    gp, rnd = [], []
    for seed in range(3):
        gp.append(run(GPBO, task, seed=seed, budget=Budget(evals=40)).best["loss"] - task.optimum)
        rnd.append(run(RandomSearch, task, seed=seed, budget=Budget(evals=40)).best["loss"] - task.optimum)
    assert np.median(gp) < 0.01 and np.median(gp) < np.median(rnd) / 10


def test_pending_trials_are_not_proposed_again():
    task = Branin()
    method = GPBO(task.space, None, method_rng(0), n_initial=6)
    for _ in range(6):
        trial = method.ask()
        method.tell(trial, Result(Branin.function([trial.config["x1"], trial.config["x2"]]), 1.0))
    pending = [method.ask() for _ in range(6)]  # kriging believer: each ask sees the earlier ones
    points = method.space.encode([t.config for t in pending])
    gaps = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)[np.triu_indices(6, 1)]
    assert gaps.min() > 1e-3


def test_four_workers_run_to_the_budget_without_repeating_a_config():
    task = Branin()
    outcome = run(GPBO, task, seed=2, budget=Budget(evals=24), workers=4)
    assert len(outcome.records) == 24
    assert len({(r["config"]["x1"], r["config"]["x2"]) for r in outcome.records}) == 24


def test_a_small_discrete_space_is_exhausted_without_repeats_then_goes_on():
    space = Space({"a": Int(0, 2), "b": Categorical(("x", "y"))})  # 6 configurations
    method = GPBO(space, None, method_rng(0), n_initial=2)
    seen = []
    for _ in range(6):
        trial = method.ask()
        seen.append((trial.config["a"], trial.config["b"]))
        method.tell(trial, Result(float(trial.config["a"]) + (trial.config["b"] == "y"), 1.0))
    assert len(set(seen)) == 6
    extra = method.ask()  # all tried: a valid random point, not a crash
    assert space.check(extra.config) is None


def test_bad_settings_stop_early_with_a_user_error():
    for bad in ({"n_initial": 0}, {"n_candidates": 1000}, {"restart_every": 0}, {"int_grid": -1},
                {"lengthscale_prior": "botorch"}, {"incumbent": "best"}, {"n_sobol_starts": -1}):
        with pytest.raises(UserError, match="method"):
            GPBO(Branin().space, None, method_rng(0), **bad)


class _ToyModel:
    """Stands in for a GP: the mean is a known function of the point, the
    standard deviation constant, so log EI is highest where the mean is lowest."""

    def __init__(self, space, loss):
        self.space, self.loss = space, loss

    def predict(self, xs):
        means = np.array([self.loss(c) for c in self.space.decode(xs)])
        return means, np.full(len(xs), 0.1)


def test_discrete_local_search_walks_to_the_best_integer_and_choice():
    space = Space({"n": Int(1, 20), "kind": Categorical(("a", "b", "c", "d"))})
    loss = lambda c: abs(c["n"] - 7) + 3.0 * (c["kind"] != "c")  # noqa: E731
    method = GPBO(space, None, method_rng(0))
    start = space.encode([{"n": 1, "kind": "a"}])[0]
    model = _ToyModel(space, loss)
    from hpobench._math.acquisition import log_ei

    score = float(log_ei(*model.predict(start[None, :]), 0.0)[0])
    _, point = method._local_search(model, 0.0, score, start, space.continuous)
    assert space.decode(point[None, :])[0] == {"n": 7, "kind": "c"}


def test_the_int_grid_reaches_a_far_integer_that_local_moves_alone_do_not():
    space = Space({"n": Int(1, 1000)})
    loss = lambda c: abs(c["n"] - 900)  # noqa: E731
    model = _ToyModel(space, loss)
    start = space.encode([{"n": 1}])[0]
    from hpobench._math.acquisition import log_ei

    score = float(log_ei(*model.predict(start[None, :]), 0.0)[0])
    found = {}
    for grid in (0, 32):  # moves of one and of 5% of the range, 10 rounds, do not get from 1 to 900
        method = GPBO(space, None, method_rng(0), int_grid=grid)
        found[grid] = space.decode(method._local_search(model, 0.0, score, start, space.continuous)[1][None, :])[0]
    assert found[0]["n"] < 900 - 100 and found[32] == {"n": 900}


def test_the_length_scale_prior_is_optunas_on_mixed_spaces_and_hvarfners_on_floats():
    assert GPBO(Branin().space, None, method_rng(0))._prior() == "hvarfner"
    assert GPBO(MixedTask().space, None, method_rng(0))._prior() == "optuna"
    assert GPBO(Branin().space, None, method_rng(0), lengthscale_prior="optuna")._prior() == "optuna"
    assert not GPBO(MixedTask().space, None, method_rng(0))._plug_in()
    assert GPBO(MixedTask().space, None, method_rng(0), incumbent="mean")._plug_in()


def test_joint_choice_moves_find_a_pair_that_one_at_a_time_moves_miss():
    space = Space({"p": Categorical(("x", "y", "z")), "q": Categorical(("x", "y", "z"))})
    table = {("x", "x"): 0.1, ("z", "z"): 0.0}  # every single move from (x, x) is worse (1.0)
    loss = lambda c: table.get((c["p"], c["q"]), 1.0)  # noqa: E731
    model = _ToyModel(space, loss)
    start = space.encode([{"p": "x", "q": "x"}])[0]
    from hpobench._math.acquisition import log_ei

    score = float(log_ei(*model.predict(start[None, :]), 0.0)[0])
    alone = GPBO(space, None, method_rng(0), joint_max=1)._local_search(model, 0.0, score, start, space.continuous)
    joint = GPBO(space, None, method_rng(0))._local_search(model, 0.0, score, start, space.continuous)
    assert space.decode(alone[1][None, :])[0] == {"p": "x", "q": "x"}
    assert space.decode(joint[1][None, :])[0] == {"p": "z", "q": "z"}


def test_gp_on_a_small_mixed_task_finds_the_optimal_choice_and_integer():
    from hpobench.space import Float

    class Tiny(Branin):
        space = Space({"x": Float(0.0, 1.0), "kind": Categorical(("a", "b", "c", "d")), "n": Int(1, 64, log=True)})

        def evaluate(self, trial, seed):
            c = trial.config
            return Result((c["x"] - 0.3) ** 2 + 0.5 * (c["kind"] != "c") + 0.1 * (np.log2(c["n"]) - 3) ** 2, 1.0)

    outcome = run(GPBO, Tiny(), seed=0, budget=Budget(evals=30))
    best = outcome.best["config"]
    assert best["kind"] == "c" and best["n"] == 8 and abs(best["x"] - 0.3) < 0.05


def test_roulette_starts_also_apply_on_an_all_float_space():
    """``n_roulette`` draws more acquisition starts on any space (the Optuna-like variant of the scale benchmark)."""
    plain = run(GPBO, Branin(), seed=3, budget=Budget(evals=16))
    roulette = run(partial(GPBO, n_roulette=8), Branin(), seed=3, budget=Budget(evals=16))
    assert _configs(plain)[:10] == _configs(roulette)[:10]  # the Sobol design draws nothing else
    assert _configs(plain)[10:] != _configs(roulette)[10:]  # the model's asks differ: the extra starts ran


class _TwoBasins:
    """Stands in for a GP on [0, 1]^6 with gradients: the mean has a shallow basin at A, where the best trials
    are, and a deeper one at B, far from them; the standard deviation is constant."""

    def __init__(self, a, b):
        self.a, self.b, self.width = a, b, 0.15

    def _parts(self, x):
        near_a = np.exp(-((x - self.a) ** 2).sum(-1) / (2 * self.width**2))
        near_b = np.exp(-((x - self.b) ** 2).sum(-1) / (2 * self.width**2))
        return -(0.5 * near_a + 0.9 * near_b), near_a, near_b

    def predict(self, xs):
        return self._parts(xs)[0], np.full(len(xs), 0.1)

    def predict_grad(self, x):
        mean, near_a, near_b = self._parts(x)
        dmean = (0.5 * near_a * (x - self.a) + 0.9 * near_b * (x - self.b)) / self.width**2
        return float(mean), 0.1, dmean, np.zeros_like(x)


@pytest.mark.parametrize("seed", range(3))
def test_the_best_sobol_points_reach_a_better_basin_than_the_best_trials_perturbations(seed):
    """The perturbations of the best trials (at A) outscore every Sobol point, so the n_polish best candidates all
    start at A; the best Sobol points lie nearer B, whose EI is higher, and only their polish gets there."""
    from hpobench.space import Float

    space = Space({f"x{i}": Float(0.0, 1.0) for i in range(6)})
    a, b = np.full(6, 0.25), np.full(6, 0.75)
    found = {}
    for extra in (0, 3):
        method = GPBO(space, None, method_rng(seed), n_sobol_starts=extra)
        point = method._maximise(_TwoBasins(a, b), 0.0, np.repeat(a[None, :], 5, axis=0), np.empty((0, 6)))
        found[extra] = "A" if np.linalg.norm(point - a) < 0.05 else "B" if np.linalg.norm(point - b) < 0.05 else "?"
    assert found == {0: "A", 3: "B"}
