"""The Method contract, checked for every config in conf/method/."""

from pathlib import Path

import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from hpobench.budget import Budget
from hpobench.runner import run
from tests._mixed import MixedTask

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "conf" / "method").glob("*.yaml"))


def _make(path: Path):
    return instantiate(OmegaConf.to_container(OmegaConf.load(path), resolve=True))


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_asks_are_valid_and_deterministic_with_asynchronous_workers(path):
    task = MixedTask()
    runs = [run(_make(path), task, seed=7, budget=Budget(evals=16), workers=3) for _ in range(2)]
    records = [sorted(o.records, key=lambda r: r["trial_id"]) for o in runs]
    assert len(records[0]) == 16
    assert all(task.space.check(r["config"]) is None and r["fidelity"] is None for r in records[0])
    assert [r["config"] for r in records[0]] == [r["config"] for r in records[1]]


def test_the_model_based_methods_have_configs():
    assert {"tpe", "gp"} <= {p.stem for p in CONFIGS}


def test_same_seed_gives_the_same_trials_in_a_fresh_process():
    import subprocess
    import sys

    code = ("from hpobench.budget import Budget; from hpobench.runner import run; "
            "from hpobench.methods.tpe import TPE; from hpobench.methods.gp import GPBO; "
            "from tests._mixed import MixedTask; "
            "print([[r['config'] for r in run(m, MixedTask(), seed=11, budget=Budget(evals=14), workers=2).records] "
            "for m in (TPE, GPBO)])")
    root = Path(__file__).resolve().parents[1]
    outputs = [subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                              env={"PYTHONPATH": str(root), "PYTHONHASHSEED": str(k)}).stdout for k in (1, 2)]
    assert outputs[0] == outputs[1] and "lr" in outputs[0]
