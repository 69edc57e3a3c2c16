"""The method contract as checks that any package can run on its own method.

::

    from hpobench.testing import check_method
    from my_optimizer import MyOptimiser

    def test_my_optimiser_keeps_the_hpobench_contract():
        check_method(MyOptimiser)                      # or functools.partial(MyOptimiser, setting=...)

``check_method`` runs every check below and fails with an ``AssertionError``
saying which part of the contract broke; each check can also be run on its
own. A check that does not apply (a multi-fidelity method on a task without
fidelity) is left out. The method is given as the runner gets it: a callable
``make_method(space=, fidelity=, rng=)``, a class or a ``functools.partial``;
for the fresh-process check it must be picklable (a class or partial from an
importable module is).

The checks use two small tasks shipped here: ``MixedTask`` (every parameter
kind, a fidelity, continuation from checkpoints) and ``TinyTask`` (four
configurations in all, so that exhaustive methods run out).
"""

from __future__ import annotations

import json
import os
import pickle
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from hpobench.budget import Budget
from hpobench.fidelity import Fidelity
from hpobench.methods.base import Method
from hpobench.runner import Recording, method_rng, run
from hpobench.space import Categorical, Float, Int, Space
from hpobench.storage import RunFolder, deterministic_part
from hpobench.tasks.base import Task
from hpobench.trial import Result, Trial

MakeMethod = Callable[..., Method]


class MixedTask(Task):
    """Every parameter kind, a fidelity, and continuation from checkpoints.

    loss = (x - 0.3)^2 + (log10 lr + 2)^2 / 10 + (n - 7)^2 / 100 + [kind != "b"] + 1 / fidelity;
    cost = fidelity seconds (only the extra fidelity when continuing).
    """

    optimum = 0.01
    fidelity = Fidelity("epoch", 1, 100)

    def __init__(self, checkpoint: bool = True):
        self.supports = frozenset({"checkpoint"}) if checkpoint else frozenset()

    @cached_property
    def space(self) -> Space:
        return Space({"x": Float(0.0, 1.0), "lr": Float(1e-4, 1.0, log=True), "n": Int(1, 64, log=True),
                      "kind": Categorical(["a", "b", "c"]), "depth": Int(1, 4)})

    def evaluate(self, trial: Trial, seed: int) -> Result:
        c = trial.config
        fid = trial.fidelity or 100
        loss = (c["x"] - 0.3) ** 2 + (np.log10(c["lr"]) + 2) ** 2 / 10 + (c["n"] - 7) ** 2 / 100
        loss += float(c["kind"] != "b") + 1 / fid
        return Result(float(loss), float(fid), test_loss=float(loss) + 0.5, info={"seed": seed})


class TinyTask(Task):
    """Four configurations in all, so exhaustive methods run out."""

    space = Space({"a": Int(0, 1), "b": Categorical(["x", "y"])})

    def evaluate(self, trial: Trial, seed: int) -> Result:
        return Result(trial.config["a"] + (trial.config["b"] == "y"), 1.0)


def built(make_method: MakeMethod) -> Method:
    """The method built for ``MixedTask``, which has everything a method may need."""
    task = MixedTask()
    return make_method(space=task.space, fidelity=task.fidelity, rng=method_rng(0))


def requirements_of(make_method: MakeMethod) -> frozenset[str]:
    """What the method needs from a task."""
    return built(make_method).requires


def check_asks_stay_in_the_space_and_fidelity_range(make_method: MakeMethod, workers: int = 1,
                                                    evals: int = 40) -> None:
    task = MixedTask()
    out = run(make_method, task, seed=0, budget=Budget(evals=evals), workers=workers)
    assert out.records, "the method asked for nothing"
    for record in out.records:  # the runner refuses invalid trials too; this states the contract plainly
        assert task.space.check(record["config"]) is None, task.space.check(record["config"])
        assert task.fidelity.min <= record["fidelity"] <= task.fidelity.max, record


def check_leaves_global_random_state_alone(make_method: MakeMethod, evals: int = 30) -> None:
    np_state, py_state = np.random.get_state(), random.getstate()
    run(make_method, MixedTask(), seed=0, budget=Budget(evals=evals), workers=2)
    after = np.random.get_state()
    assert random.getstate() == py_state, "the method changed Python's global random state"
    assert np_state[0] == after[0] and np.array_equal(np_state[1], after[1]) and np_state[2:] == after[2:], \
        "the method changed numpy's global random state"


def check_same_seed_gives_the_same_trials_in_a_fresh_process(make_method: MakeMethod, evals: int = 30,
                                                             seed: int = 11) -> None:
    with tempfile.TemporaryDirectory(prefix="hpobench-contract-") as folder:
        spec = Path(folder) / "method.pickle"
        spec.write_bytes(pickle.dumps(make_method))
        first, second = (_in_fresh_process(spec, seed, evals) for _ in range(2))
    assert first == second, "two fresh processes with the same seed gave different trials"
    here = run(make_method, MixedTask(), seed=seed, budget=Budget(evals=evals), workers=2)
    assert _plain(here.records) == first, "this process and a fresh one gave different trials for the same seed"


def check_resumes_by_replay_to_the_uninterrupted_trials(make_method: MakeMethod, evals: int = 30,
                                                        workers: int = 2) -> None:
    """A run whose process died halfway (records cut mid-line, no ``done`` marker) resumes to the trials
    of a run that was never interrupted."""
    budget, config = Budget(evals=evals), {"contract": "resume"}
    with tempfile.TemporaryDirectory(prefix="hpobench-contract-") as tmp:
        whole = run(make_method, MixedTask(), seed=3, budget=budget, workers=workers,
                    folder=Recording(RunFolder(Path(tmp) / "whole"), config=config))
        folder = RunFolder(Path(tmp) / "killed")
        run(make_method, MixedTask(), seed=3, budget=budget, workers=workers, folder=Recording(folder, config=config))
        lines = folder.trials_path.read_text().splitlines(keepends=True)
        kept = len(lines) // 2
        folder.trials_path.write_text("".join(lines[:kept]) + lines[kept][: len(lines[kept]) // 2])
        (folder.path / "done").unlink()
        resumed = run(make_method, MixedTask(), seed=3, budget=budget, workers=workers,
                      folder=Recording(folder, config=config))
        assert resumed.replayed == kept, f"replayed {resumed.replayed} recorded trials, expected {kept}"
        assert _plain(folder.read_trials()) == _plain(whole.records), \
            "the resumed run's trials differ from the uninterrupted run's"


def check_ends_cleanly_when_it_has_nothing_more_to_ask(make_method: MakeMethod, evals: int = 25) -> None:
    out = run(make_method, TinyTask(), seed=0, budget=Budget(evals=evals), workers=2)
    assert out.stop_reason in ("method finished", "budget.evals"), out.stop_reason
    assert 1 <= len(out.records) <= evals
    assert {r["status"] for r in out.records} == {"ok"}


def check_method(make_method: MakeMethod) -> None:
    """Run every check of the contract on ``make_method``.

    Left out where they cannot apply: the same-seed and resume checks for a
    method that declares ``deterministic = False`` (its library keeps it from
    being so), and the check on ``TinyTask`` for a method that needs what that
    task lacks (a fidelity, checkpoints).
    """
    method = built(make_method)
    for workers in (1, 3):
        check_asks_stay_in_the_space_and_fidelity_range(make_method, workers=workers)
    check_leaves_global_random_state_alone(make_method)
    if getattr(method, "deterministic", True):
        check_same_seed_gives_the_same_trials_in_a_fresh_process(make_method)
        check_resumes_by_replay_to_the_uninterrupted_trials(make_method)
    if not method.requires - TinyTask().capabilities():
        check_ends_cleanly_when_it_has_nothing_more_to_ask(make_method)


def _plain(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return json.loads(json.dumps([deterministic_part(r) for r in records]))


_FRESH = """
import json, pickle, sys
from hpobench import Budget, run
from hpobench.testing import MixedTask, _plain
make_method = pickle.loads(open(sys.argv[1], "rb").read())
out = run(make_method, MixedTask(), seed=int(sys.argv[2]), budget=Budget(evals=int(sys.argv[3])), workers=2)
print(json.dumps(_plain(out.records)))
"""


def _in_fresh_process(spec: Path, seed: int, evals: int) -> list[dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # this process's imports
    done = subprocess.run([sys.executable, "-c", _FRESH, str(spec), str(seed), str(evals)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"the method failed in a fresh process:\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.splitlines()[-1])
