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

These files are pickles, and unpickling an arbitrary pickle runs whatever
code it names. So they are read with an allow-list: plain containers and
numbers, ``collections.OrderedDict`` and numpy scalars and arrays, the types
the official files hold (``torch.load(weights_only=True)`` with the same
allow-list for ``.pth``). A file naming anything else is refused; ``--trust``
reads it with plain ``pickle``, which is only safe for a file from a source
you trust.
"""

from __future__ import annotations

import argparse
import bz2
import importlib
import math
import os
import pickle
import re
import sys
import warnings
import zlib
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hpobench.cli import end_quietly_on_closed_output
from hpobench.errors import UserError

SCHEDULE_KEYS = {"less": 12, "full": 200, "12": 12, "200": 200, "01": 1, "90": 90}
# prefix -> (dataset trained for validation, its validation set, dataset for test, its test set)
SOURCES = {
    "c10": ("cifar10-valid", "x-valid", ("cifar10", "ori-test"), ("cifar10-valid", "ori-test")),
    "c100": ("cifar100", "x-valid", ("cifar100", "x-test")),
    "in16": ("ImageNet16-120", "x-valid", ("ImageNet16-120", "x-test")),
}


# (module, name) of the only classes the official files hold; numpy moved its core to numpy._core in 2.0
ALLOWED_GLOBALS = frozenset({
    ("collections", "OrderedDict"),
    *((core, name) for core in ("numpy.core.multiarray", "numpy._core.multiarray")
      for name in ("scalar", "_reconstruct")),
    ("numpy", "dtype"), ("numpy", "ndarray"),
})
# what reading a file that is not a benchmark file (random bytes, another pickle) can raise
NOT_A_BENCHMARK = (OSError, EOFError, pickle.UnpicklingError, zlib.error, KeyError, IndexError, TypeError,
                   AttributeError, ValueError, RuntimeError)


class _AllowListUnpickler(pickle.Unpickler):
    """An unpickler that builds only the classes in ``ALLOWED_GLOBALS``, so a crafted file cannot run code."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED_GLOBALS:
            raise _Refused(f"{module}.{name}")
        return super().find_class(module, name)


class _Refused(pickle.UnpicklingError):
    """A pickle names a class outside the allow-list."""


def load_benchmark(source: str | Path, trust: bool = False) -> tuple[list[str], Iterator[tuple[int, dict[int, dict]]]]:
    """The architecture strings and an iterator of (index, {hp: ArchResults state}).

    ``trust`` reads the pickles with plain ``pickle``/``torch.load``, which can run code a file names.
    """
    source = Path(source)
    if source.is_dir():
        meta = _unpickle(source / "meta.pickle.pbz2", trust)
        return list(meta["meta_archs"]), _from_directory(source, len(meta["meta_archs"]), trust)
    if not source.is_file():
        raise UserError(f"{source} does not exist; give a NAS-Bench-201 .pth, a NATS-Bench .pickle.pbz2 file "
                        f"or a NATS-Bench -simple directory.")
    data = _load_pth(source, trust) if source.suffix == ".pth" else _unpickle(source, trust)
    infos = data["arch2infos"]
    return list(data["meta_archs"]), ((int(i), _by_schedule(infos[i])) for i in sorted(infos))


def convert(source: str | Path, trust: bool = False) -> pd.DataFrame:
    """The long table of ``source`` (see the module docstring).

    Built column-wise from one numpy array per (architecture, schedule),
    because the full benchmark has 15,625 x (12 + 200) rows.
    """
    columns: dict[str, list[np.ndarray]] = defaultdict(list)
    try:
        archs, results = load_benchmark(source, trust)
        for index, by_hp in results:
            final = {prefix: _final_test(by_hp.get(200), prefix) for prefix in SOURCES}
            for hp, archres in sorted(by_hp.items()):
                for name, values in _curves(index, archs[index], hp, archres, final).items():
                    columns[name].append(values)
    except _Refused as refused:
        raise UserError(f"{source} holds a {refused} object, which official NAS-Bench-201 files do not; "
                        f"rerun with --trust only if you trust its source, as reading it can run code.") from None
    except NOT_A_BENCHMARK as error:
        raise UserError(f"{source} is not a NAS-Bench-201 or NATS-Bench topology file as downloaded "
                        f"({type(error).__name__}: {error}); give the official .pth, .pickle.pbz2 or -simple "
                        f"directory.") from None
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


def _from_directory(folder: Path, count: int, trust: bool) -> Iterator[tuple[int, dict[int, dict]]]:
    for index in range(count):
        path = folder / f"{index:06d}.pickle.pbz2"
        if path.is_file():
            yield index, _by_schedule(_unpickle(path, trust))


def _unpickle(path: Path, trust: bool) -> Any:
    if not path.is_file():
        raise UserError(f"{path} does not exist; give the NATS-Bench file or directory as downloaded.")
    with bz2.open(path, "rb") as handle:
        return pickle.load(handle) if trust else _AllowListUnpickler(handle).load()


def _load_pth(path: Path, trust: bool) -> Any:
    import torch  # only needed for this format

    if trust:
        return torch.load(path, map_location="cpu", weights_only=False)
    try:
        with torch.serialization.safe_globals(_allowed_objects()):
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:  # torch names the refused global in its message
        named = re.search(r"GLOBAL ([\w.]+)|got <class '([\w.]+)'>", str(error))
        if named or "weights_only" in str(error).lower():
            raise _Refused(next(filter(None, named.groups())) if named else "non-allowed") from None
        raise


def _allowed_objects() -> list[Any]:
    """The allowed classes themselves (those this numpy has) and numpy's dtype classes, for torch's allow-list."""
    found = [kind for kind in vars(np.dtypes).values() if isinstance(kind, type) and issubclass(kind, np.dtype)]
    for module, name in sorted(ALLOWED_GLOBALS):
        with warnings.catch_warnings():  # numpy 2 warns on importing numpy.core
            warnings.simplefilter("ignore")
            try:
                found.append(getattr(importlib.import_module(module), name))
            except (ImportError, AttributeError):
                continue
    return found


HELP = """Convert official NAS-Bench-201 / NATS-Bench topology files into a table for task=nb201.

The official files are pickles. They are read with an allow-list of the types
they hold (containers, numbers, OrderedDict, numpy scalars and arrays), so a
crafted file cannot run code; a file naming any other type is refused.
"""


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m hpobench.tasks.nb201_convert SOURCE OUT.parquet [--trust]``."""
    parser = argparse.ArgumentParser(prog="python -m hpobench.tasks.nb201_convert", description=HELP,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help="a NAS-Bench-201 .pth, a NATS-Bench .pickle.pbz2 or a -simple directory")
    parser.add_argument("out", help="the parquet file to write")
    parser.add_argument("--trust", action="store_true",
                        help="DANGEROUS: unpickle without the allow-list, which runs any code the file names; "
                             "only for a file from a source you trust")
    args = parser.parse_args(argv)
    out = Path(args.out)
    try:
        if out.is_dir() or not out.parent.is_dir():
            raise UserError(f"Cannot write {out}: give a file name in an existing folder.")
        table = convert(args.source, trust=args.trust)
        _write_parquet(table, out)
    except UserError as error:
        print(f"nb201_convert: error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {len(table)} rows ({table['nb201_index'].nunique()} architectures) to {out}")
    return 0


def _write_parquet(table: pd.DataFrame, out: Path) -> None:
    """Write to a temporary name and rename, so a failure or kill leaves no half-written table."""
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        table.to_parquet(tmp, compression="zstd", index=False)
        os.replace(tmp, out)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise UserError(f"Cannot write {out} ({error.strerror or error}); choose a writable place.") from None


if __name__ == "__main__":
    end_quietly_on_closed_output()
    sys.exit(main())
