"""LCBench through YAHPO Gym's ONNX surrogate: MLPs on 34 OpenML tasks, 52 epochs.

LCBench (Zimmer, Lindauer & Hutter, "Auto-PyTorch Tabular", TPAMI 2021)
trained funnel-shaped MLPs with 7 hyperparameters on 34 OpenML tasks and
recorded learning curves. YAHPO Gym (Pfisterer et al., AutoML-Conf 2022)
fitted one neural surrogate to those curves; its ONNX file ships in
``hpobench/data/lcbench``. Inputs are built as YAHPO Gym's
``BenchmarkSet._config_to_xs`` builds them: ``x_cat`` is the task id's code
from ``encoding.json``; ``x_cont`` holds the raw values (no log transform
outside the model) in the order of ``CONTINUOUS``. Outputs come in the order
of ``OUTPUTS``.

Losses: ``loss`` = 1 - val_accuracy / 100 (the surrogate gives % accuracy);
``test_loss`` = 1 - test_balanced_accuracy (a fraction; LCBench records no
plain test accuracy). ``info`` holds all six raw outputs.

Cost: the surrogate predicts the cumulative training time up to an epoch,
but a smooth model may dip between neighbouring epochs. The task charges
max(0, running maximum of the predicted time over epochs 1..e), so cost never
falls as epochs rise, and a trial that continues from a parent pays the
difference between its epoch and the parent's (computed on this trial's
configuration).

The surrogate runs on one thread, sequentially, so a configuration always
gets the same numbers.
"""

from __future__ import annotations

import json
from functools import cache, cached_property
from importlib import resources
from pathlib import Path

import numpy as np

from hpobench.errors import UserError
from hpobench.fidelity import Fidelity
from hpobench.space import Float, Int, Param, Space
from hpobench.tasks.base import Task
from hpobench.trial import Result, Trial

CONTINUOUS = ("epoch", "batch_size", "learning_rate", "momentum", "weight_decay", "num_layers", "max_units",
              "max_dropout")
OUTPUTS = ("time", "val_accuracy", "val_cross_entropy", "val_balanced_accuracy", "test_cross_entropy",
           "test_balanced_accuracy")
EPOCHS = 52


def data_dir() -> Path:
    return Path(str(resources.files("hpobench") / "data" / "lcbench"))


@cache
def _session():
    """One single-threaded onnxruntime session for the surrogate (read-only, shared)."""
    import onnxruntime as ort

    path = data_dir() / "model.onnx"
    if not path.is_file():
        raise UserError(f"The LCBench surrogate {path} is missing; reinstall hpobench with its package data.")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


@cache
def _metadata() -> tuple[dict, dict]:
    with open(data_dir() / "config_space.json") as f:
        space = json.load(f)
    with open(data_dir() / "encoding.json") as f:
        encoding = json.load(f)["OpenML_task_id"]
    return space, encoding


def instances() -> list[str]:
    """The 34 OpenML task ids of LCBench, as YAHPO Gym lists them."""
    space, _ = _metadata()
    (task_ids,) = [h["choices"] for h in space["hyperparameters"] if h["name"] == "OpenML_task_id"]
    return list(task_ids)


class LCBench(Task):
    """One LCBench instance (an OpenML task) as a multi-fidelity task over epochs 1-52.

    Args:
        instance: the OpenML task id, e.g. 3945; see ``instances()``.
    """

    supports = frozenset({"checkpoint"})
    optimum = None  # a surrogate has no tabulated optimum

    def __init__(self, instance: int | str = 3945):
        self.instance = instance

    @cached_property
    def code(self) -> int:
        """The task id's integer code, the surrogate's categorical input."""
        valid = instances()
        if str(self.instance) not in valid:
            raise UserError(f"Unknown LCBench instance {self.instance!r}; set task.instance to one of "
                            f"{', '.join(valid)}.")
        return int(_metadata()[1][str(self.instance)])

    @cached_property
    def space(self) -> Space:
        _ = self.code  # refuse an unknown instance before any run starts
        specs = {h["name"]: h for h in _metadata()[0]["hyperparameters"]}
        params: dict[str, Param] = {}
        for name in CONTINUOUS[1:]:  # the surrogate's input order; epoch is the fidelity
            h = specs[name]
            kind = Int if h["type"] == "uniform_int" else Float
            params[name] = kind(h["lower"], h["upper"], h["log"])
        return Space(params)

    @cached_property
    def fidelity(self) -> Fidelity:
        return Fidelity("epoch", 1, EPOCHS, integer=True)

    def predict(self, config: dict, epochs: np.ndarray) -> np.ndarray:
        """Raw surrogate outputs (rows: ``epochs``, columns: ``OUTPUTS``) for one configuration."""
        x_cont = np.array([[e, *(config[name] for name in CONTINUOUS[1:])] for e in epochs], dtype=np.float32)
        x_cat = np.full((len(epochs), 1), self.code, dtype=np.int32)
        return _session().run(None, {"x_cat": x_cat, "x_cont": x_cont})[0].astype(float)

    def evaluate(self, trial: Trial, seed: int) -> Result:
        epoch = int(EPOCHS if trial.fidelity is None else trial.fidelity)
        # Always the whole curve in one batch: onnxruntime's float32 results can differ in the last digits
        # with the batch size, and an epoch's numbers must not depend on which epoch was asked for.
        outputs = self.predict(trial.config, np.arange(1, EPOCHS + 1))
        elapsed = np.maximum.accumulate(np.maximum(outputs[:, 0], 0.0))  # monotone cumulative time
        cost = elapsed[epoch - 1]
        if trial.parent_fidelity is not None:  # continuing: pay only the epochs beyond the parent's
            cost = max(0.0, cost - elapsed[int(trial.parent_fidelity) - 1])
        last = dict(zip(OUTPUTS, outputs[epoch - 1].tolist()))
        return Result(loss=1.0 - last["val_accuracy"] / 100.0, cost=float(cost),
                      test_loss=1.0 - last["test_balanced_accuracy"], info=last)
