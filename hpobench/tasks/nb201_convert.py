"""Convert the official NAS-Bench-201 / NATS-Bench (topology) files into a table.

Users who have the official benchmark files get per-epoch learning curves
and training times, hence a multi-fidelity NAS-Bench-201:

    python -m hpobench.tasks.nb201_convert NATS-tss-v1_0-3ffb9-simple nb201_curves.parquet
    python -m hpobench task=nb201 task.path=nb201_curves.parquet method=random budget.fidelity=100

Accepted inputs (structure as read by the official APIs, D-X-Y/NAS-Bench-201
``nas_201_api`` and D-X-Y/NATS-Bench ``nats_bench``):

* a NAS-Bench-201 ``.pth`` file (``torch.save`` of a dict with
  ``meta_archs`` and ``arch2infos``; each architecture holds ``less``
  (12-epoch schedule) and ``full`` (200-epoch) results);
* a NATS-Bench topology ``.pickle.pbz2`` file (bz2-compressed pickle of the
  same dict, with results under ``"12"`` and ``"200"``);
* a NATS-Bench ``-simple`` directory: ``meta.pickle.pbz2`` with
  ``meta_archs`` and one ``<index>.pickle.pbz2`` per architecture holding
  ``{"12": ..., "200": ...}``.

Each result is an ``ArchResults`` state dict: ``all_results`` maps
``(dataset, seed)`` to a ``ResultsCount`` state dict with ``epochs``,
``train_times`` ({epoch: seconds}), ``eval_acc1es`` and ``eval_times``
({"<set>@<epoch>": value}). Values are averaged over seeds.

Output: one row per (architecture, schedule ``hp``, ``epoch`` 1..hp) with
``nb201_index``, ``arch_str``, and for each dataset prefix (c10, c100, in16):
``<d>_val`` and ``<d>_test`` (accuracy % after that epoch), ``<d>_time``
(seconds of training up to that epoch plus that epoch's validation pass: the
cost of seeing ``<d>_val``) and ``<d>_test200`` (final test accuracy of the
200-epoch schedule, the number papers report). CIFAR-10 follows the paper:
validation on the "cifar10-valid" split (trained on half the training set),
test from the "cifar10" run (trained on all of it) where present.

These files are pickles: open only files from a source you trust.
"""

from __future__ import annotations

import bz2
import math
import pickle
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hpobench.errors import UserError

SCHEDULE_KEYS = {"less": 12, "full": 200, "12": 12, "200": 200, "01": 1, "90": 90}
# prefix -> (dataset trained for validation, its validation set, dataset for test, its test set)
SOURCES = {
    "c10": ("cifar10-valid", "x-valid", ("cifar10", "ori-test"), ("cifar10-valid", "ori-test")),
    "c100": ("cifar100", "x-valid", ("cifar100", "x-test")),
    "in16": ("ImageNet16-120", "x-valid", ("ImageNet16-120", "x-test")),
}


def load_benchmark(source: str | Path) -> tuple[list[str], Iterator[tuple[int, dict[int, dict]]]]:
    """The architecture strings and an iterator of (index, {hp: ArchResults state})."""
    source = Path(source)
    if source.is_dir():
        meta = _unpickle(source / "meta.pickle.pbz2")
        return list(meta["meta_archs"]), _from_directory(source, len(meta["meta_archs"]))
    if not source.is_file():
        raise UserError(f"{source} does not exist; give a NAS-Bench-201 .pth, a NATS-Bench .pickle.pbz2 file "
                        f"or a NATS-Bench -simple directory.")
    if source.suffix == ".pth":
        import torch  # only needed for this format

        data = torch.load(source, map_location="cpu", weights_only=False)
    else:
        data = _unpickle(source)
    infos = data["arch2infos"]
    return list(data["meta_archs"]), ((int(i), _by_schedule(infos[i])) for i in sorted(infos))


def convert(source: str | Path) -> pd.DataFrame:
    """The long table of ``source`` (see the module docstring).

    Built column-wise from one numpy array per (architecture, schedule),
    because the full benchmark has 15,625 x (12 + 200) rows.
    """
    archs, results = load_benchmark(source)
    columns: dict[str, list[np.ndarray]] = defaultdict(list)
    for index, by_hp in results:
        final = {prefix: _final_test(by_hp.get(200), prefix) for prefix in SOURCES}
        for hp, archres in sorted(by_hp.items()):
            for name, values in _curves(index, archs[index], hp, archres, final).items():
                columns[name].append(values)
    if not columns:
        raise UserError(f"{source} holds no architecture results; check that it is a NAS-Bench-201 file.")
    return pd.DataFrame({name: np.concatenate(parts) for name, parts in columns.items()})


def _curves(index: int, arch: str, hp: int, archres: dict, final: dict[str, float]) -> dict[str, np.ndarray]:
    """The rows of one architecture under one schedule, as columns of length ``hp``."""
    runs = archres["all_results"]
    epochs = range(hp)
    out = {"nb201_index": np.full(hp, index), "arch_str": np.full(hp, arch, dtype=object), "hp": np.full(hp, hp),
           "epoch": np.arange(1, hp + 1)}
    for prefix, (train_set, valid_name, *tests) in SOURCES.items():
        out[f"{prefix}_val"] = _mean_curve(runs, train_set, lambda r, v=valid_name: _accuracies(r, v, epochs), hp)
        out[f"{prefix}_test"] = _first_curve(runs, tests, epochs)
        out[f"{prefix}_time"] = _mean_curve(runs, train_set, lambda r, v=valid_name: _times(r, v, epochs), hp)
        out[f"{prefix}_test200"] = np.full(hp, final[prefix])
    return out


def _final_test(archres: dict | None, prefix: str) -> float:
    """Test accuracy after the last epoch of the 200-epoch schedule."""
    if archres is None:
        return math.nan
    return float(_first_curve(archres["all_results"], SOURCES[prefix][2:], range(199, 200))[0])


def _first_curve(runs: dict, sets: tuple[tuple[str, str], ...], epochs: range) -> np.ndarray:
    """The mean over seeds from the first (dataset, set) that has values."""
    for dataset, name in sets:
        curve = _mean_curve(runs, dataset, lambda r, n=name: _accuracies(r, n, epochs), len(epochs))
        if not np.isnan(curve).all():
            return curve
    return np.full(len(epochs), math.nan)


def _mean_curve(runs: dict, dataset: str, get, length: int) -> np.ndarray:
    """Mean over the seeds of ``dataset`` of ``get(run)``; runs lacking the values are left out."""
    curves = []
    for (name, _seed), run in sorted(runs.items(), key=lambda item: str(item[0])):
        if name != dataset:
            continue
        try:
            curves.append(np.asarray(get(run), dtype=float))
        except (KeyError, TypeError):  # this run lacks that set, an epoch or its times
            continue
    return np.mean(curves, axis=0) if curves else np.full(length, math.nan)


def _accuracies(run: dict, set_name: str, epochs: range) -> list[float]:
    return [run["eval_acc1es"][f"{set_name}@{e}"] for e in epochs]


def _times(run: dict, valid_name: str, epochs: range) -> np.ndarray:
    """Seconds of training up to each epoch plus that epoch's validation pass."""
    train = np.cumsum([run["train_times"][e] for e in epochs])
    return train + np.array([run["eval_times"][f"{valid_name}@{e}"] for e in epochs])


def _by_schedule(infos: dict) -> dict[int, dict]:
    return {SCHEDULE_KEYS[str(key)]: value for key, value in infos.items() if str(key) in SCHEDULE_KEYS}


def _from_directory(folder: Path, count: int) -> Iterator[tuple[int, dict[int, dict]]]:
    for index in range(count):
        path = folder / f"{index:06d}.pickle.pbz2"
        if path.is_file():
            yield index, _by_schedule(_unpickle(path))


def _unpickle(path: Path) -> Any:
    if not path.is_file():
        raise UserError(f"{path} does not exist; give the NATS-Bench file or directory as downloaded.")
    with bz2.open(path, "rb") as handle:
        return pickle.load(handle)


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m hpobench.tasks.nb201_convert SOURCE OUT.parquet``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    try:
        table = convert(args[0])
    except UserError as error:
        print(f"nb201_convert: error: {error}", file=sys.stderr)
        sys.exit(2)
    table.to_parquet(args[1], compression="zstd", index=False)
    print(f"wrote {len(table)} rows ({table['nb201_index'].nunique()} architectures) to {args[1]}")


if __name__ == "__main__":
    main()
