"""Where and with what a run was made: versions, git commit, host, device."""

from __future__ import annotations

import functools
import hashlib
import platform
import socket
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

PACKAGES = ("hpobench", "numpy", "scipy", "pandas", "hydra-core", "torch")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def versions() -> dict[str, str | None]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def git_commit() -> str | None:
    """The harness's commit, with ``+dirty`` when its tracked files were changed."""
    repo = Path(__file__).resolve().parents[1]
    try:  # one git process for both (each one costs a run's start-up a few milliseconds)
        lines = subprocess.run(["git", "status", "--porcelain=v2", "--branch", "--untracked-files=no"], cwd=repo,
                               capture_output=True, text=True, timeout=5, check=True).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return None
    commit = next((line.split()[2] for line in lines if line.startswith("# branch.oid ")), "(initial)")
    if commit == "(initial)":  # a repository without commits
        return None
    dirty = any(not line.startswith("#") for line in lines)  # a changed tracked file: "1 ", "2 " or "u " lines
    return commit + ("+dirty" if dirty else "")


def data_hashes(files: list[Path]) -> dict[str, str]:
    """``sha256:<hex>`` of each file's content, by absolute path (the same file is hashed once per process
    while its size and modification time stay the same)."""
    return {str(Path(f).resolve()): _sha256(str(Path(f).resolve()), *_stamp(Path(f))) for f in files}


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


@functools.lru_cache(maxsize=64)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"


def environment() -> dict[str, object]:
    return {"versions": versions(), "git_commit": git_commit(), "host": socket.gethostname(),
            "platform": platform.platform(), "argv": sys.argv}
