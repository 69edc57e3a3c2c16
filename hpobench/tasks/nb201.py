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

Cost model (the shipped table has no training times): every evaluation costs
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

With ``path`` pointing at a table made by ``hpobench.tasks.nb201_convert``
from the official benchmark files, the task becomes multi-fidelity: fidelity
``epoch`` of the chosen schedule, cost = the recorded cumulative training
time plus that epoch's validation time, and a trial may continue from a
parent's checkpoint (epochs of one schedule are one training run).
"""

from __future__ import annotations

import re

import pandas as pd

from hpobench.errors import UserError
from hpobench.tasks.tabular import TabularTask, read_table

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
# Edge names edge_<i>_<j>: from node i to node j, in the order of the official string.
EDGES = ("edge_0_1", "edge_0_2", "edge_1_2", "edge_0_3", "edge_1_3", "edge_2_3")
DATASETS = {"cifar10": "c10", "cifar100": "c100", "imagenet16-120": "in16"}
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


class NB201(TabularTask):
    """NAS-Bench-201 on one dataset, searched on one training schedule.

    Args:
        dataset: ``cifar10``, ``cifar100`` or ``imagenet16-120``.
        hp: the schedule whose validation accuracy the search sees: 12 (the
            paper's protocol) or 200 epochs.
        cost_per_epoch: simulated seconds per training epoch (shipped table).
        path: a table from ``nb201_convert`` for the multi-fidelity task;
            None for the shipped final accuracies.
    """

    def __init__(self, dataset: str = "cifar10", hp: int = 12, cost_per_epoch: float = 10.0, path: str | None = None):
        self.dataset = dataset
        self.hp = hp
        self.cost_per_epoch = cost_per_epoch
        short = DATASETS.get(str(dataset).lower())
        if short is None:
            raise UserError(f"Unknown NAS-Bench-201 dataset {dataset!r}; use one of {list(DATASETS)}.")
        if hp not in SCHEDULES:
            raise UserError(f"task.hp must be 12 or 200 (the NAS-Bench-201 schedules), got {hp!r}.")
        params = {edge: list(OPS) for edge in EDGES}
        if path is None:
            super().__init__(SHIPPED, metric=f"{short}_val{hp}", maximize=True, upper=100.0,
                             test_metric=f"{short}_test200", cost=float(cost_per_epoch) * hp, params=params,
                             info=["nb201_index", "arch_str", *_ACCURACY_COLUMNS])  # all but the edges
        else:
            super().__init__(path, metric=f"{short}_val", maximize=True, upper=100.0,
                             test_metric=f"{short}_test200", fidelity="epoch", cost=f"{short}_time",
                             params=params, checkpoint=True, filters={"hp": hp})

    def describe(self, record: dict) -> str | None:
        return (f"architecture {edges_to_arch(record['config'])}, {self.dataset} test accuracy "
                f"{100 - record['test_loss']:.2f} % (200 epochs)")

    def load_frame(self) -> pd.DataFrame:
        frame = read_table(self.path)
        edges = frame["arch_str"].str.extract(ARCH_PATTERN)  # one vectorised pass, not 15,625 splits
        if edges.isna().any(axis=None):
            raise UserError(f"{self.path} holds arch_str values that are not NAS-Bench-201 cell strings.")
        edges.columns = list(EDGES)
        return pd.concat([edges.astype(object), frame], axis=1)
