"""The scikit-learn tasks: CV losses, held-out test losses, seeding, fidelity, bad settings."""

from __future__ import annotations

import numpy as np
import pytest

from hpobench import Budget, Trial, UserError, run
from hpobench.methods.random_search import RandomSearch
from hpobench.tasks.sklearn_tasks import SVM, Forest

FOREST = {"max_features": 0.3, "min_samples_leaf": 2, "max_depth": 8, "criterion": "gini", "bootstrap": True}


@pytest.mark.parametrize("dataset", ["digits", "breast_cancer", "wine"])
def test_a_good_svm_beats_chance_by_far_on_every_dataset(dataset):
    task = SVM(dataset=dataset, folds=3)
    task.attach(None)
    result = task.evaluate(Trial(0, {"C": 10.0, "gamma": 1e-3, "kernel": "rbf"}), seed=0)
    assert 0 <= result.loss < 0.15 and 0 <= result.test_loss < 0.15 and result.cost > 0
    assert result.info["dataset"] == dataset


def test_the_forest_is_seeded_by_the_trial_and_uses_trees_as_fidelity():
    task = Forest(dataset="wine", folds=3, min_trees=2, max_trees=16)
    assert (task.fidelity.min, task.fidelity.max, task.fidelity.name) == (2, 16, "trees")
    a, b = (task.evaluate(Trial(0, FOREST, 8), seed=3) for _ in range(2))
    assert (a.loss, a.test_loss) == (b.loss, b.test_loss)
    losses = {task.evaluate(Trial(0, FOREST, 2), seed=s).loss for s in range(6)}
    assert len(losses) > 1  # two trees: the seed matters
    assert task.make_model(FOREST, None, 0).n_estimators == 16


def test_a_short_random_search_on_the_svm_runs_end_to_end():
    outcome = run(RandomSearch, SVM(dataset="wine", folds=3), seed=0, budget=Budget(evals=6))
    assert len(outcome.records) == 6 and outcome.best["loss"] < 0.2
    assert all(np.isfinite(r["cost"]) for r in outcome.records)


def test_an_unknown_dataset_stops_before_the_first_trial():
    with pytest.raises(UserError, match=r"task\.dataset must be one of"):
        run(RandomSearch, SVM(dataset="iris"), seed=0, budget=Budget(evals=1))
