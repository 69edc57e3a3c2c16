"""Tiny CIFAR-format folders and archives for tests: the real layout, few images."""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np

from hpobench.tasks.cifar_data import FOLDER, TEST_BATCH, TRAIN_BATCHES


def write_batch(path: Path, rng: np.random.Generator, n: int) -> None:
    """One batch file in CIFAR-10's pickle layout, with class-dependent colours so a net can learn something."""
    labels = rng.integers(0, 10, n)
    data = rng.integers(0, 256, (n, 3, 32, 32)).astype(np.float64)
    each, channel = np.arange(n), labels % 3
    data[each, channel] = 0.5 * data[each, channel] + 12 * labels[:, None, None]  # a learnable signal
    batch = {b"batch_label": path.name.encode(), b"labels": labels.tolist(),
             b"data": data.clip(0, 255).astype(np.uint8).reshape(n, 3072),
             b"filenames": [f"{i}.png".encode() for i in range(n)]}
    path.write_bytes(pickle.dumps(batch, protocol=2))


def make_cifar_folder(root: Path, per_batch: int = 12, test: int = 20, seed: int = 0) -> Path:
    """``root/cifar-10-batches-py`` with five tiny training batches and a test batch; returns root."""
    rng = np.random.default_rng(seed)
    folder = root / FOLDER
    folder.mkdir(parents=True)
    for name in TRAIN_BATCHES:
        write_batch(folder / name, rng, per_batch)
    write_batch(folder / TEST_BATCH, rng, test)
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": [b"c%d" % i for i in range(10)]}))
    return root


def make_cifar_archive(path: Path, scratch: Path, corrupt: bool = False) -> Path:
    """A .tar.gz of a tiny CIFAR folder, like the official archive; ``corrupt`` cuts it short."""
    make_cifar_folder(scratch)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(scratch / FOLDER, arcname=FOLDER)
    data = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data[: len(data) // 2] if corrupt else data)
    return path
