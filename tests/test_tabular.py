"""The generic tabular task: space from columns, O(1) lookups, no silent neighbours, costs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hpobench.budget import Budget
from hpobench.errors import UserError
from hpobench.methods.random_search import RandomSearch
from hpobench.runner import run
from hpobench.space import Categorical, Int
from hpobench.tasks.tabular import TabularTask
from hpobench.trial import Trial


def curves() -> pd.DataFrame:
    """A full grid: 2 learning rates x 2 optimisers x epochs {1, 2, 4}; accuracy
    rises with epochs for lr=0.01; sgd's time grows less at epoch 4."""
    rows = []
    for lr in (0.1, 0.01):
        for opt in ("sgd", "adam"):
            for epoch in (1, 2, 4):
                acc = 0.5 + 0.1 * epoch * (lr == 0.01) + 0.01 * (opt == "adam")
                time = 10.0 * epoch - (15.0 if (epoch == 4 and opt == "sgd") else 0.0)
                rows.append({"lr": lr, "opt": opt, "epoch": epoch, "acc": acc, "test_acc": acc - 0.02,
                             "time": time, "run": f"{lr}-{opt}"})
    return pd.DataFrame(rows)


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "curves.parquet"
    curves().to_parquet(path)
    return str(path)


def test_space_is_inferred_from_columns(table):
    task = TabularTask(table, metric="acc", maximize=True, upper=1.0, fidelity="epoch", cost="time",
                       params=["lr", "opt"])
    assert task.space.params["lr"] == Categorical((0.01, 0.1))  # numbers: ordinal over the values held
    assert task.space.params["opt"] == Categorical(("adam", "sgd"))
    assert (task.fidelity.min, task.fidelity.max, task.fidelity.integer) == (1, 4, True)
    assert task.levels == (1, 2, 4)
    assert task.optimum == pytest.approx(1 - 0.91)  # best loss at the highest level
    assert task.supports == frozenset()  # no checkpoint unless declared


def test_lookup_returns_the_row(table):
    task = TabularTask(table, metric="acc", maximize=True, upper=1.0, test_metric="test_acc", fidelity="epoch",
                       cost="time", params=["lr", "opt"], info=["run"])
    result = task.evaluate(Trial(0, {"lr": 0.01, "opt": "adam"}, 2), seed=0)
    assert result.loss == pytest.approx(1 - 0.71)
    assert result.test_loss == pytest.approx(1 - 0.69)
    assert result.cost == 20.0
    assert result.info == {"run": "0.01-adam"}
    # fidelity None means the highest level
    assert task.evaluate(Trial(1, {"lr": 0.01, "opt": "adam"}), 0).loss == pytest.approx(1 - 0.91)


def test_missing_configuration_is_an_error_not_a_neighbour(tmp_path):
    frame = curves()
    frame = frame[~((frame.lr == 0.1) & (frame.opt == "adam"))]  # a hole in the grid
    path = tmp_path / "holes.csv"
    frame.to_csv(path, index=False)
    task = TabularTask(str(path), metric="acc", fidelity="epoch", params=["lr", "opt"])
    with pytest.raises(UserError, match="no row for"):
        task.evaluate(Trial(0, {"lr": 0.1, "opt": "adam"}, 4), 0)
    with pytest.raises(UserError, match="no fidelity level 3"):
        task.evaluate(Trial(0, {"lr": 0.1, "opt": "sgd"}, 3), 0)


def test_checkpoint_charges_only_the_extra_time(table):
    task = TabularTask(table, metric="acc", fidelity="epoch", cost="time", params=["lr", "opt"], checkpoint=True)
    assert task.supports == {"checkpoint"}
    config = {"lr": 0.1, "opt": "sgd"}
    # sgd records 10, 20, 25 s at epochs 1, 2, 4: continuing from epoch 2 to 4 costs 5 s
    assert task.evaluate(Trial(0, config, 4), 0).cost == 25.0
    assert task.evaluate(Trial(1, config, 4, parent=0, parent_fidelity=2), 0).cost == 5.0
    # a timer dip (12 s at epoch 4 after 20 s at epoch 2) is smoothed into a running maximum
    frame = curves()
    frame.loc[(frame.opt == "sgd") & (frame.epoch == 4), "time"] = 12.0  # below epoch 2's 20 s
    dipped = TabularTask("x", metric="acc", fidelity="epoch", cost="time", params=["lr", "opt"], checkpoint=True)
    dipped.load_frame = lambda: frame
    assert dipped.evaluate(Trial(0, config, 4), 0).cost == 20.0  # monotone: never below an earlier level
    assert dipped.evaluate(Trial(1, config, 4, parent=0, parent_fidelity=2), 0).cost == 0.0


def test_constant_cost_scales_with_fidelity(table):
    task = TabularTask(table, metric="acc", fidelity="epoch", cost=8.0, params=["lr", "opt"])
    assert task.evaluate(Trial(0, {"lr": 0.1, "opt": "sgd"}, 1), 0).cost == 2.0
    assert task.evaluate(Trial(0, {"lr": 0.1, "opt": "sgd"}, 4), 0).cost == 8.0


def test_declared_kinds_and_filters(table):
    frame = curves()
    frame["layers"] = 2
    frame = pd.concat([frame, frame.assign(layers=3, acc=frame.acc - 0.1)])
    kinds = {"lr": "ordinal", "opt": "categorical", "layers": "int"}
    task = TabularTask("x", metric="acc", maximize=True, fidelity="epoch", params=kinds, filters={"run": "0.01-adam"},
                       cost="time")
    task.load_frame = lambda: frame
    assert task.space.params["layers"] == Int(2, 3)
    assert task.space.params["lr"] == Categorical((0.01,))
    assert task.evaluate(Trial(0, {"lr": 0.01, "opt": "adam", "layers": 3}, 4), 0).loss == pytest.approx(-0.81)


def test_clear_errors_for_bad_settings(table, tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        _ = TabularTask(str(tmp_path / "nope.csv"), metric="acc").space
    with pytest.raises(UserError, match="no column"):
        _ = TabularTask(table, metric="accuracy", params=["lr"]).space
    with pytest.raises(UserError, match="share the same configuration"):
        _ = TabularTask(table, metric="acc", params=["lr"]).space  # lr alone does not identify a row
    with pytest.raises(UserError, match=r"set task\.path"):
        _ = TabularTask(None, metric="acc").space


def test_index_is_a_dict_lookup(table):
    """Lookups must not scan the table: 20,000 of them take well under a second."""
    import time

    task = TabularTask(table, metric="acc", fidelity="epoch", cost="time", params=["lr", "opt"])
    trials = [Trial(i, {"lr": 0.1, "opt": "adam"}, 2) for i in range(20_000)]
    tic = time.perf_counter()
    for trial in trials:
        task.evaluate(trial, 0)
    assert time.perf_counter() - tic < 1.0


def test_random_search_runs_on_a_table(table):
    task = TabularTask(table, metric="acc", maximize=True, upper=1.0, fidelity="epoch", cost="time",
                       params=["lr", "opt"])
    outcome = run(RandomSearch, task, seed=3, budget=Budget(evals=20))
    assert len(outcome.records) == 20
    assert all(r["status"] == "ok" for r in outcome.records)
    assert outcome.best["loss"] == pytest.approx(task.optimum)
    assert np.isclose(outcome.records[-1]["sim_end"], sum(r["cost"] for r in outcome.records))


def test_declared_choices_must_cover_the_column(table):
    task = TabularTask(table, metric="acc", fidelity="epoch", params={"lr": ["0.1", "0.01"], "opt": ["sgd", "adam"]})
    with pytest.raises(UserError, match="missing from its declared choices"):
        _ = task.space  # the strings "0.1" would never match the numbers 0.1 in the table
    ordered = TabularTask(table, metric="acc", fidelity="epoch", params={"lr": [0.1, 0.01], "opt": ["sgd", "adam"]})
    assert ordered.space.params["opt"].choices == ("sgd", "adam")  # declared order kept
