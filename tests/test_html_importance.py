"""PED-ANOVA on functions whose answer is known: a dominant parameter first, an irrelevant one last."""

import numpy as np
import pytest

from hpobench.analysis.html.importance import ped_anova
from hpobench.analysis.html.space import infer


def _sample(n: int, seed: int) -> tuple[dict[str, list], np.ndarray]:
    rng = np.random.default_rng(seed)
    lr = 10 ** rng.uniform(-5, -1, n)  # dominant, log-scaled: best near 1e-3
    width = rng.integers(1, 65, n)  # matters a little
    noise = rng.uniform(0, 1, n)  # irrelevant
    act = rng.choice(["relu", "tanh", "sigmoid"], n)  # matters through one bad choice
    loss = 10 * (np.log10(lr) + 3) ** 2 + 3 * ((width - 32) / 32) ** 2 + np.where(act == "sigmoid", 2.0, 0.0)
    columns = {"noise": noise.tolist(), "act": act.tolist(), "width": width.tolist(), "lr": lr.tolist()}
    return columns, loss


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dominant_first_irrelevant_last(seed):
    columns, loss = _sample(400, seed)
    params = infer(columns)
    assert {p.name: (p.kind, p.log) for p in params} == {
        "noise": ("float", False), "act": ("categorical", False), "width": ("int", False), "lr": ("float", True)}
    importance = ped_anova(params, columns, loss)
    ranking = sorted(importance, key=importance.get, reverse=True)
    assert ranking[0] == "lr"
    assert ranking[-1] == "noise"
    assert importance["lr"] > 0.5
    assert sum(importance.values()) == pytest.approx(1.0)


def test_failures_are_left_out_and_too_few_trials_give_nothing():
    columns, loss = _sample(200, 3)
    loss[::7] = np.nan
    importance = ped_anova(infer(columns), columns, loss)
    assert max(importance, key=importance.get) == "lr"
    assert ped_anova(infer(columns), {k: v[:5] for k, v in columns.items()}, loss[:5]) == {}
