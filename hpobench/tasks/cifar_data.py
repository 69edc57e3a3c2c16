"""CIFAR-10 on disk: find, download, verify, extract and read it, without torchvision.

The official python version (A. Krizhevsky, "Learning Multiple Layers of
Features from Tiny Images", 2009; https://www.cs.toronto.edu/~kriz/cifar.html)
is a tarball holding ``cifar-10-batches-py/`` with five training batches, a
test batch and ``batches.meta``. Each batch is a pickled dict with ``b"data"``
(uint8, N x 3072, the red, green and blue planes of 32x32 images) and
``b"labels"`` (N integers in 0..9).

Pickles can run code when loaded, so batches are read with an unpickler that
only rebuilds numpy arrays and plain containers.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tarfile
import urllib.request
from pathlib import Path

import numpy as np

from hpobench.errors import UserError

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
ARCHIVE = "cifar-10-python.tar.gz"
MD5 = "c58f30108f718f92721af3b95e74349a"
FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"


def default_dir() -> Path:
    """The cache folder used when ``task.data_dir`` is not set: $XDG_CACHE_HOME/hpobench/cifar10."""
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "hpobench" / "cifar10"


def load_cifar10(data_dir: str | os.PathLike | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training images and labels, then test images and labels; images uint8 N x 3 x 32 x 32.

    Reads ``<data_dir>/cifar-10-batches-py`` (or ``data_dir`` itself when it
    is that folder). When it is missing, the official archive in
    ``data_dir`` is used, downloaded there first when it is missing too.
    """
    root = Path(data_dir).expanduser() if data_dir else default_dir()
    folder = root if (root / TEST_BATCH).exists() else root / FOLDER
    if not (folder / TEST_BATCH).exists():
        archive = root / ARCHIVE
        if not archive.exists():
            fetch(archive)
        extract(archive, root)
    train = [read_batch(folder / name) for name in TRAIN_BATCHES]
    x_test, y_test = read_batch(folder / TEST_BATCH)
    return np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train]), x_test, y_test


def fetch(archive: Path) -> None:
    """Download the official archive to ``archive``, or stop with the one-sentence fix."""
    created = [p for p in (archive.parent, *archive.parent.parents) if not p.exists()]  # deepest first
    archive.parent.mkdir(parents=True, exist_ok=True)
    part = archive.with_name(archive.name + ".part")
    try:
        download(URL, part)
    except OSError as error:  # offline, DNS, HTTP errors (URLError is an OSError), disk full
        part.unlink(missing_ok=True)
        for folder in created:  # leave no empty cache folder behind (~/.cache/hpobench/cifar10 and its parents)
            try:
                folder.rmdir()
            except OSError:  # something else put a file there meanwhile
                break
        raise UserError(f"CIFAR-10 is not in {archive.parent} and could not be downloaded ({error}); download "
                        f"{ARCHIVE} from {URL} and put it (or its extracted {FOLDER} folder) in {archive.parent}, "
                        f"or point task.data_dir at a folder that holds it.") from error
    os.replace(part, archive)


def download(url: str, path: Path, timeout: float = 30.0) -> None:
    """Stream ``url`` to ``path``. Tests replace this function, so they never touch the network."""
    with urllib.request.urlopen(url, timeout=timeout) as response, open(path, "wb") as out:
        shutil.copyfileobj(response, out, length=1 << 20)


def md5sum(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def extract(archive: Path, root: Path) -> None:
    """Check the archive's MD5, then unpack its ``cifar-10-batches-py`` folder into ``root``."""
    found = md5sum(archive)
    if found != MD5:
        raise UserError(f"{archive} has MD5 {found}, not the official {MD5}; delete it so that it is downloaded "
                        f"again, or replace it with {ARCHIVE} from {URL}.")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = [m for m in tar.getmembers() if m.isfile() and _inside(m.name)]
            if not members:
                raise tarfile.TarError(f"no files under {FOLDER}/")
            for member in members:  # only regular files inside the expected folder: no links, no ../ paths
                source = tar.extractfile(member)
                target = root / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                with source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out)
    except (tarfile.TarError, EOFError, OSError) as error:
        shutil.rmtree(root / FOLDER, ignore_errors=True)  # never leave half a data set behind
        raise UserError(f"{archive} is corrupt and could not be extracted ({error}); delete it and run again to "
                        f"download it afresh, or replace it with {ARCHIVE} from {URL}.") from error


def _inside(name: str) -> bool:
    parts = Path(name).parts
    return len(parts) == 2 and parts[0] == FOLDER and parts[1] not in ("", ".", "..")


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and plain containers, and refuses anything else."""

    ALLOWED = frozenset({("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
               ("numpy._core.multiarray", "scalar"), ("_codecs", "encode")})  # protocol 2 stores bytes via encode

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images (uint8, N x 3 x 32 x 32) and labels (int64) of one CIFAR-10 batch file."""
    try:
        with open(path, "rb") as f:
            batch = _ArrayUnpickler(f, encoding="bytes").load()
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
        if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
            raise ValueError(f"data of shape {data.shape} with {len(labels)} labels")
        if len(labels) and not (labels.min() >= 0 and labels.max() <= 9):
            raise ValueError("labels outside 0..9")
    except (OSError, EOFError, KeyError, TypeError, ValueError, pickle.UnpicklingError) as error:
        raise UserError(f"{path} is not a readable CIFAR-10 batch ({error}); delete the {path.parent.name} folder "
                        f"so that it is extracted again from {ARCHIVE}.") from error
    return data.reshape(-1, 3, 32, 32), labels
