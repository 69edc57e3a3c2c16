"""NAS-Bench-201: the shipped table, the protocol's losses, and the converter of official files."""

from __future__ import annotations

import bz2
import pickle
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from hpobench.errors import UserError
from hpobench.tasks.nb201 import EDGES, NB201, OPS, arch_to_edges, edges_to_arch, shipped_table
from hpobench.tasks.nb201_convert import convert
from hpobench.trial import Trial

BEST_C10_TEST = 94.3733  # stated in the data's README: best CIFAR-10 test accuracy (200 epochs)


def test_shipped_table_is_complete_and_loads_fast():
    times = []
    for _ in range(2):  # the best of two, so a cold file cache or a busy machine does not fail the test
        tic = time.perf_counter()
        task = NB201()
        space = task.space
        times.append(time.perf_counter() - tic)
    assert min(times) < 1.0  # typically 0.15-0.3 s
    table = shipped_table()
    assert len(table) == 15625 == len(set(table.arch_str))
    assert list(space.names) == list(EDGES)
    assert all(p.choices == OPS for p in space.params.values())
    assert len(list(space.grid(2))) == 5**6  # every cell of the space is in the table


def test_losses_follow_the_protocol():
    table = shipped_table().set_index("arch_str")
    arch = table.index[1234]
    config = dict(zip(EDGES, arch_to_edges(arch)))
    assert edges_to_arch(config) == arch
    row = table.loc[arch]
    for dataset, short in (("cifar10", "c10"), ("cifar100", "c100"), ("imagenet16-120", "in16")):
        for hp in (12, 200):
            result = NB201(dataset, hp).evaluate(Trial(0, config), seed=0)
            assert result.loss == pytest.approx(100 - row[f"{short}_val{hp}"])
            assert result.test_loss == pytest.approx(100 - row[f"{short}_test200"])  # always the 200-epoch test
            assert result.cost == 10.0 * hp
            assert result.info["arch_str"] == arch
            assert result.info["c10_test200"] == row["c10_test200"]


def test_optimum_and_best_architecture():
    task = NB201("cifar10", hp=200)
    table = shipped_table()
    assert task.optimum == pytest.approx(100 - table.c10_val200.max())
    best = table.loc[table.c10_val200.idxmax()]
    assert best.c10_test200 == pytest.approx(BEST_C10_TEST)  # the README's fact, checked on the data
    assert NB201().optimum == pytest.approx(100 - table.c10_val12.max())


def test_bad_settings_are_user_errors():
    with pytest.raises(UserError, match="dataset"):
        NB201("mnist")
    with pytest.raises(UserError, match="12 or 200"):
        NB201(hp=90)


# ----- the converter, on a small file of the official structure -----------------------------------

ARCHS = [
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
]
SEEDS = (777, 888)


def _acc(arch: int, seed: int, epoch: int, offset: float) -> float:
    """A made-up accuracy: rising with epochs, distinct per arch, seed and set."""
    return 10 + 5 * arch + 0.1 * epoch + (seed == 888) * 1.0 + offset


def _results_count(arch: int, dataset: str, seed: int, epochs: int) -> dict:
    """A ResultsCount state dict as the official API stores it (only the keys the converter reads, and some)."""
    names = {"cifar10-valid": ["x-valid", "ori-test"], "cifar10": ["ori-test"],
             "cifar100": ["x-valid", "x-test", "ori-test"], "ImageNet16-120": ["x-valid", "x-test", "ori-test"]}
    offsets = {"x-valid": 0.0, "x-test": 0.5, "ori-test": 0.25}
    return {
        "name": dataset, "seed": seed, "epochs": epochs, "params": 0.1, "flop": 10.0, "latency": [0.01],
        "net_state_dict": None, "arch_config": {"arch_str": ARCHS[arch]},
        "train_acc1es": {e: 50.0 for e in range(epochs)}, "train_acc5es": None,
        "train_losses": {e: 1.0 for e in range(epochs)},
        "train_times": {e: 2.0 + arch for e in range(epochs)},  # seconds per epoch
        "eval_names": names[dataset],
        "eval_acc1es": {f"{n}@{e}": _acc(arch, seed, e, offsets[n]) for n in names[dataset] for e in range(epochs)},
        "eval_losses": {f"{n}@{e}": 1.0 for n in names[dataset] for e in range(epochs)},
        "eval_times": {f"{n}@{e}": 0.5 for n in names[dataset] for e in range(epochs)},
    }


def _arch_results(arch: int, epochs: int) -> dict:
    datasets = ("cifar10-valid", "cifar10", "cifar100", "ImageNet16-120")
    return {
        "arch_index": arch, "arch_str": ARCHS[arch], "clear_net_done": True,
        "dataset_seed": {d: list(SEEDS) for d in datasets},
        "all_results": {(d, s): _results_count(arch, d, s, epochs) for d in datasets for s in SEEDS},
    }


@pytest.fixture
def official_file(tmp_path):
    """A NATS-Bench topology file (bz2 pickle) holding three cells under both schedules."""
    data = {"meta_archs": ARCHS, "evaluated_indexes": [0, 1, 2],
            "arch2infos": {i: {"12": _arch_results(i, 12), "200": _arch_results(i, 200)} for i in range(3)}}
    path = tmp_path / "NATS-tss-mini.pickle.pbz2"
    with bz2.open(path, "wb") as handle:
        pickle.dump(data, handle)
    return path


def test_converter_builds_the_long_table(official_file):
    table = convert(official_file)
    assert len(table) == 3 * (12 + 200)
    row = table[(table.nb201_index == 1) & (table.hp == 12) & (table.epoch == 5)].iloc[0]
    mean_seed = 0.5  # seeds 777 and 888 differ by 1.0
    assert row.c10_val == pytest.approx(_acc(1, 777, 4, 0.0) + mean_seed)  # epoch 5 is index 4
    assert row.c10_test == pytest.approx(_acc(1, 777, 4, 0.25) + mean_seed)  # from the "cifar10" run
    assert row.c100_test == pytest.approx(_acc(1, 777, 4, 0.5) + mean_seed)
    assert row.c10_time == pytest.approx(5 * 3.0 + 0.5)  # 5 epochs of training at 3 s + one validation
    assert row.c10_test200 == pytest.approx(_acc(1, 777, 199, 0.25) + mean_seed)


def test_converted_table_is_a_multi_fidelity_task(official_file, tmp_path):
    out = tmp_path / "curves.parquet"
    subprocess.run([sys.executable, "-m", "hpobench.tasks.nb201_convert", str(official_file), str(out)], check=True,
                   capture_output=True)
    task = NB201("cifar10", hp=200, path=str(out))
    assert (task.fidelity.name, task.fidelity.min, task.fidelity.max) == ("epoch", 1, 200)
    assert task.supports == {"checkpoint"}
    config = dict(zip(EDGES, arch_to_edges(ARCHS[0])))
    first = task.evaluate(Trial(0, config, 100), 0)
    assert first.loss == pytest.approx(100 - (_acc(0, 777, 99, 0.0) + 0.5))
    assert first.cost == pytest.approx(100 * 2.0 + 0.5)
    more = task.evaluate(Trial(1, config, 200, parent=0, parent_fidelity=100), 0)
    assert more.cost == pytest.approx(100 * 2.0)  # only the extra epochs
    missing = dict(zip(EDGES, ["nor_conv_3x3"] * 6))  # not among the three cells of the file
    with pytest.raises(UserError, match="no row"):
        task.evaluate(Trial(2, missing, 10), 0)


def test_converter_reads_a_simple_directory(official_file, tmp_path):
    with bz2.open(official_file, "rb") as handle:
        data = pickle.load(handle)
    folder = tmp_path / "NATS-tss-mini-simple"
    folder.mkdir()
    with bz2.open(folder / "meta.pickle.pbz2", "wb") as handle:
        pickle.dump({"meta_archs": data["meta_archs"]}, handle)
    for index, infos in data["arch2infos"].items():
        with bz2.open(folder / f"{index:06d}.pickle.pbz2", "wb") as handle:
            pickle.dump(infos, handle)
    pd.testing.assert_frame_equal(convert(folder), convert(official_file))
    assert np.isfinite(convert(folder).c10_time).all()


# ----- the search experiment and its table ----------------------------------------------------------


def _table_script():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "nb201_table.py"
    spec = importlib.util.spec_from_file_location("nb201_table", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_exact_best_of_n_matches_enumeration():
    """Four cells (two tied on the reward), best of n=3 draws: enumerate all 4^3 draw sequences."""
    import itertools

    script = _table_script()
    table = pd.DataFrame({"reward": [1.0, 3.0, 3.0, 2.0]})
    for column in script.COLUMNS:
        table[column] = [10.0, 20.0, 30.0, 40.0]
    mean, std = script.best_of_n_random(table, "reward", 3)
    picks = []
    for draws in itertools.product(range(4), repeat=3):
        best = max(table.reward[d] for d in draws)
        picks.append(next(table.iloc[d, 1] for d in draws if table.reward[d] == best))  # first drawn among ties
    assert mean.iloc[0] == pytest.approx(np.mean(picks))
    assert std.iloc[0] == pytest.approx(np.std(picks))


def test_experiment_lists_existing_methods_and_the_paper_budget():
    from pathlib import Path

    from hydra import compose, initialize_config_dir

    root = Path(__file__).resolve().parents[1]
    methods, seeds, budget, task = _table_script().experiment()
    assert task == {"dataset": "cifar10", "hp": 12}
    assert {"random", "rea", "local_search"} <= set(methods) and len(seeds) >= 100 and budget == {"evals": 100}
    methods, seeds, budget, task = _table_script().experiment(root / "conf" / "experiment" / "nb201_search_time.yaml")
    assert task == {"dataset": "cifar10", "hp": 12, "cost": "train_time"} and budget == {"sim_time": 12000}
    assert {"random", "rea"} <= set(methods) and len(seeds) >= 100
    assert all((root / "conf" / "method" / f"{m}.yaml").exists() for m in methods)
    with initialize_config_dir(config_dir=str(root / "conf"), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["+experiment=nb201_search"])
    assert cfg.task._target_ == "hpobench.tasks.nb201.NB201" and cfg.task.hp == 12 and cfg.budget.evals == 100


def test_the_table_script_writes_the_tracked_doc_only_when_asked():
    import subprocess

    script = _table_script()
    root = script.ROOT
    default = script.destination(script.parse([]))
    assert script.destination(script.parse(["--write"])) == root / "docs" / "nb201-search.md"
    assert default.parent == root / "results"
    ignored = subprocess.run(["git", "check-ignore", "-q", str(default)], cwd=root, capture_output=True)
    if ignored.returncode == 128:
        pytest.skip("not a git checkout")
    assert ignored.returncode == 0  # untracked and ignored: writing it leaves the checkout clean


def test_the_converter_help_shows_its_usage_and_arguments():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "hpobench.tasks.nb201_convert", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: python -m hpobench.tasks.nb201_convert")
    for line in ("source", "out", "--trust"):
        assert f"\n  {line}" in proc.stdout
    assert not proc.stdout.rstrip().endswith(":")  # no sentence left introducing lines that are not there
