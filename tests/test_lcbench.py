"""LCBench surrogate: against stored YAHPO-style outputs, every instance, monotone costs, checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hpobench.budget import Budget
from hpobench.errors import UserError
from hpobench.methods.random_search import RandomSearch
from hpobench.runner import run
from hpobench.tasks.lcbench import LCBench, instances
from hpobench.trial import Trial

FIXTURE = Path(__file__).parent / "fixtures" / "lcbench_yahpo.json"


def cases():
    return json.loads(FIXTURE.read_text())["cases"]


@pytest.mark.parametrize("case", cases(), ids=lambda c: f"{c['instance']}-{c['config']['batch_size']}")
def test_matches_yahpo_outputs(case):
    """Fixture: tests/fixtures/lcbench_yahpo.json, written by scripts/make_lcbench_fixture.py.

    It is not output of the yahpo_gym package (not installable offline). It is
    the raw output of the shipped ``model.onnx`` for inputs built the way
    yahpo_gym's ``BenchmarkSet._config_to_xs`` builds them for the lcbench
    scenario (task id through ``encoding.json`` as int32 ``x_cat``; raw values
    in ``cont_names`` order as float32 ``x_cont``), with outputs named by
    yahpo's ``y_names``, all 52 epochs in one batch; the script shares no code
    with hpobench.tasks.lcbench.
    From those raw outputs this test derives what the task must report:
    loss = 1 - val_accuracy / 100, test_loss = 1 - test_balanced_accuracy,
    cost = running maximum of the (non-negative) predicted time.
    """
    task = LCBench(case["instance"])
    out = {name: np.asarray(values) for name, values in case["outputs"].items()}
    elapsed = np.maximum.accumulate(np.maximum(out["time"], 0.0))
    for epoch in (1, 10, 52):
        result = task.evaluate(Trial(0, case["config"], epoch), seed=0)
        assert result.loss == pytest.approx(1 - out["val_accuracy"][epoch - 1] / 100, abs=1e-6)
        assert result.test_loss == pytest.approx(1 - out["test_balanced_accuracy"][epoch - 1], abs=1e-6)
        assert result.cost == pytest.approx(elapsed[epoch - 1], rel=1e-6)
        assert result.info == pytest.approx({name: values[epoch - 1] for name, values in out.items()}, rel=1e-6)


def test_space_and_fidelity_follow_yahpo():
    task = LCBench(3945)
    assert list(task.space.names) == ["batch_size", "learning_rate", "momentum", "weight_decay", "num_layers",
                                      "max_units", "max_dropout"]
    bs, lr = task.space.params["batch_size"], task.space.params["learning_rate"]
    assert (bs.low, bs.high, bs.log) == (16, 512, True)
    assert lr.log and lr.low == pytest.approx(1e-4) and lr.high == pytest.approx(0.1)
    assert (task.fidelity.name, task.fidelity.min, task.fidelity.max) == ("epoch", 1, 52)
    assert task.supports == {"checkpoint"}


def test_all_34_instances_evaluate():
    assert len(instances()) == 34
    config = LCBench().space.sample(np.random.default_rng(0), 1)[0]
    for instance in instances():
        result = LCBench(int(instance)).evaluate(Trial(0, config, 52), seed=0)
        assert np.isfinite(result.loss) and np.isfinite(result.test_loss) and result.cost >= 0


def test_unknown_instance_lists_the_valid_ones():
    with pytest.raises(UserError, match="3945, 7593"):
        _ = LCBench(12).space


def test_deterministic_and_continuation_pays_the_difference():
    task = LCBench(7593)
    config = task.space.sample(np.random.default_rng(1), 1)[0]
    full = task.evaluate(Trial(0, config, 52), seed=0)
    assert task.evaluate(Trial(0, config, 52), seed=99) == full  # same input, same numbers
    half = task.evaluate(Trial(1, config, 20), seed=0)
    more = task.evaluate(Trial(2, config, 52, parent=1, parent_fidelity=20), seed=0)
    assert more.loss == full.loss
    assert more.cost == pytest.approx(full.cost - half.cost)
    assert more.cost >= 0


def test_costs_never_fall_with_epochs():
    task = LCBench(189909)
    for config in task.space.sample(np.random.default_rng(2), 5):
        costs = [task.evaluate(Trial(0, config, e), 0).cost for e in range(1, 53)]
        assert np.all(np.diff(costs) >= 0)


def test_random_search_run():
    outcome = run(RandomSearch, LCBench(3945), seed=0, budget=Budget(evals=10))
    assert len(outcome.records) == 10 and all(r["status"] == "ok" for r in outcome.records)


def test_the_runner_charges_a_continuation_only_the_extra_epochs():
    """End to end: the runner tells the task the parent's fidelity (Trial.parent_fidelity)."""
    from hpobench.methods.base import Method

    class PromoteOnce(Method):
        def ask(self):
            if self._asked == 0:
                return self.new_trial(CONFIG, fidelity=10)
            if self._asked == 1 and self.told:
                return self.new_trial(CONFIG, fidelity=52, parent=0)
            return None

        def tell(self, trial, result):
            self.told = True

    CONFIG = {"batch_size": 64, "learning_rate": 0.01, "momentum": 0.9, "weight_decay": 0.001, "num_layers": 2,
              "max_units": 128, "max_dropout": 0.1}
    PromoteOnce.told = False
    task = LCBench(3945)
    outcome = run(PromoteOnce, task, seed=0, budget=Budget(evals=5))
    first, second = outcome.records
    full = task.evaluate(Trial(9, CONFIG, 52), 0)
    assert second["continued"] and second["cost"] == pytest.approx(full.cost - first["cost"])
    assert second["budget_used"] == pytest.approx(52 / 52)  # 10 + 42 epochs: one full training's worth
