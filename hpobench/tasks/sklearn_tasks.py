"""scikit-learn tasks, the classic HPO examples: ``task=svm`` and ``task=forest``.

Both score a model by stratified k-fold cross-validation accuracy on a
training split of a data set that ships with scikit-learn
(``task.dataset=digits|breast_cancer|wine``), so they run offline anywhere:
``loss = 1 - mean CV accuracy``, and ``test_loss = 1 - accuracy`` of the
model refitted on the whole training split and scored on a held-out test
split. The test split and the folds are fixed by ``split_seed`` for every
trial and run, so losses compare across trials and methods; the trial seed
fixes only the model's own randomness (the forest's bootstrap and feature
draws). ``cost`` is the measured seconds of cross-validation plus refit.

References: the SVM search space follows Hsu, Chang & Lin, "A Practical
Guide to Support Vector Classification" (2003): C and gamma on log scales;
the forest's follows Probst, Wright & Boulesteix, "Hyperparameters and
tuning strategies for random forest" (WIREs DMKD, 2019).
"""

from __future__ import annotations

import time
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from sklearn import datasets
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from hpobench.errors import UserError
from hpobench.fidelity import Fidelity
from hpobench.space import Categorical, Float, Int, Space
from hpobench.tasks.base import Task
from hpobench.trial import Result, Trial

DATASETS = {"digits": datasets.load_digits, "breast_cancer": datasets.load_breast_cancer,
            "wine": datasets.load_wine}


class SklearnTask(Task):
    """k-fold CV error of a scikit-learn classifier on an embedded data set.

    Args:
        dataset: ``digits``, ``breast_cancer`` or ``wine``.
        folds: k of the stratified k-fold cross-validation.
        test_fraction: share of the data held out as the test split.
        split_seed: fixes the test split and the folds for every trial.
    """

    cost_is_measured = True  # cost is the measured fitting time

    def __init__(self, dataset: str = "digits", folds: int = 5, test_fraction: float = 0.2, split_seed: int = 0):
        self.dataset = dataset
        self.folds = folds
        self.test_fraction = test_fraction
        self.split_seed = split_seed

    def make_model(self, config: dict[str, Any], fidelity: float | None, seed: int) -> Any:
        raise NotImplementedError

    @cached_property
    def data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """x_train, x_test, y_train, y_test: a stratified split fixed by ``split_seed``."""
        if self.dataset not in DATASETS:
            raise UserError(f"task.dataset must be one of {sorted(DATASETS)}, got {self.dataset!r}.")
        if not (isinstance(self.folds, int) and self.folds >= 2):
            raise UserError(f"task.folds must be an integer of at least 2, got {self.folds!r}.")
        x, y = DATASETS[self.dataset](return_X_y=True)
        return train_test_split(x, y, test_size=self.test_fraction, stratify=y, random_state=self.split_seed)

    def attach(self, run_dir: Path | None) -> None:
        _ = self.data  # check the settings before the first trial

    def evaluate(self, trial: Trial, seed: int) -> Result:
        x_train, x_test, y_train, y_test = self.data
        model = self.make_model(trial.config, trial.fidelity, seed)
        folds = StratifiedKFold(self.folds, shuffle=True, random_state=self.split_seed)
        tic = time.perf_counter()
        scores = cross_val_score(model, x_train, y_train, cv=folds, scoring="accuracy")
        model.fit(x_train, y_train)
        cost = time.perf_counter() - tic
        test_error = 1.0 - float(model.score(x_test, y_test))
        return Result(1.0 - float(scores.mean()), cost, test_error,
                      info={"cv_error_std": float(scores.std()), "dataset": self.dataset})


class SVM(SklearnTask):
    """A support-vector classifier on standardised features: C and gamma (log), kernel."""

    @cached_property
    def space(self) -> Space:
        return Space({"C": Float(1e-3, 1e3, log=True), "gamma": Float(1e-5, 10.0, log=True),
                      "kernel": Categorical(("rbf", "poly", "sigmoid", "linear"))})

    def make_model(self, config: dict[str, Any], fidelity: float | None, seed: int) -> Any:
        # gamma is ignored by the linear kernel: a conditional parameter, left for methods to discover
        svc = SVC(C=config["C"], gamma=config["gamma"], kernel=config["kernel"], max_iter=100_000)
        return make_pipeline(StandardScaler(), svc)


class Forest(SklearnTask):
    """A random forest (Breiman 2001) with the number of trees as the fidelity.

    Args:
        min_trees: the smallest fidelity.
        max_trees: full fidelity.
        **settings: see ``SklearnTask``.
    """

    def __init__(self, min_trees: int = 4, max_trees: int = 128, **settings: Any):
        super().__init__(**settings)
        self.min_trees = min_trees
        self.max_trees = max_trees

    @cached_property
    def space(self) -> Space:
        return Space({"max_features": Float(0.02, 1.0, log=True), "min_samples_leaf": Int(1, 20, log=True),
                      "max_depth": Int(2, 32, log=True), "criterion": Categorical(("gini", "entropy")),
                      "bootstrap": Categorical((True, False))})

    @cached_property
    def fidelity(self) -> Fidelity:
        return Fidelity("trees", self.min_trees, self.max_trees, integer=True)

    def make_model(self, config: dict[str, Any], fidelity: float | None, seed: int) -> Any:
        trees = int(self.max_trees if fidelity is None else fidelity)
        return RandomForestClassifier(
            n_estimators=trees, max_features=config["max_features"], min_samples_leaf=config["min_samples_leaf"],
            max_depth=config["max_depth"], criterion=config["criterion"], bootstrap=config["bootstrap"],
            random_state=seed, n_jobs=1)  # one job: runs are parallelised by the launcher, not inside a trial
