"""Virtual environments for methods whose dependencies clash with ours, made on first use and cached.

An environment is named by a hash of its requirements and of the Python
that makes it, under ``~/.cache/hpobench/envs/`` (``$HPOBENCH_CACHE`` or
``$XDG_CACHE_HOME/hpobench`` when set). It is built in a temporary folder
beside its final place and renamed there once ``pip`` has finished, so a
killed build never leaves a half-made environment that a later run would
trust; a lock file keeps two runs from building the same one at once (the
second waits and then uses the first one's). Only ``bin/python`` of an
environment is ever run, so its having been built under another name does
not matter (console scripts inside it would still name the temporary folder).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from hpobench.errors import UserError

PIP_TIMEOUT_S = 3600  # a stuck index stops the build rather than the run hanging for ever


def cache_root() -> Path:
    if os.environ.get("HPOBENCH_CACHE"):
        return Path(os.environ["HPOBENCH_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "hpobench"


def env_key(requirements: Sequence[str]) -> str:
    """The environment's name: what is installed and which Python runs it."""
    python = f"{sys.implementation.name}-{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
    text = json.dumps({"requirements": list(requirements), "python": python}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def python_of(env: Path) -> Path:
    return env / "bin" / "python"


def ensure_env(requirements: Sequence[str], *, label: str = "this method") -> Path:
    """The environment holding ``requirements``, made now if it is not cached yet.

    Raises:
        UserError: when pip cannot install a requirement; the message names it.
    """
    requirements = [str(r).strip() for r in requirements]
    root = cache_root() / "envs"
    env = root / env_key(requirements)
    if python_of(env).exists():
        return env
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"Cannot make {root} for {label}'s environment ({error.strerror or error}); "
                        f"set HPOBENCH_CACHE= to a writable folder.") from error
    with open(root / f"{env.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also when the process is killed
        if not python_of(env).exists():  # another run may have built it while this one waited
            _build(env, requirements, label)
    return env


def _build(env: Path, requirements: list[str], label: str) -> None:
    for stale in env.parent.glob(f".{env.name}.*"):  # left by a killed build; we hold the lock
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{env.name}.", dir=env.parent))
    try:
        _run([sys.executable, "-m", "venv", *([] if requirements else ["--without-pip"]), str(tmp)], label,
             "make a virtual environment")
        if requirements:
            (tmp / "hpobench-requirements.txt").write_text("\n".join(requirements) + "\n")
            log = _run([str(python_of(tmp)), "-m", "pip", "install", "--no-input", "--disable-pip-version-check",
                        *requirements], label, None)
            if log is not None:
                raise UserError(_pip_failure(requirements, log, label, env))
        (tmp / "hpobench-env.json").write_text(json.dumps({"requirements": requirements,
                                                            "python": sys.version}, indent=1) + "\n")
        os.rename(tmp, env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run(cmd: list[str], label: str, what: str | None) -> str | None:
    """Run ``cmd``; on failure return its output (``what`` None) or raise naming ``what``."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=PIP_TIMEOUT_S,
                              env={**os.environ, "PIP_REQUIRE_VIRTUALENV": "0"})
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UserError(f"Could not {what or 'install the requirements'} for {label} ({error}).") from error
    if done.returncode == 0:
        return None
    if what is None:
        return done.stdout + done.stderr
    last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["no output"]
    raise UserError(f"Could not {what} for {label} ({last[0]}); check that this Python has its venv module "
                    f"(apt-get install python3-venv).")


def _pip_failure(requirements: list[str], log: str, label: str, env: Path) -> str:
    """One sentence naming the requirement pip could not install, with pip's own reason."""
    saved = env.parent / f"{env.name}.failed.log"
    saved.write_text(log)
    errors = [line.strip() for line in log.splitlines() if line.strip().startswith("ERROR:")]
    reason = errors[-1].removeprefix("ERROR:").strip() if errors else "see the log"
    named = _named_requirement(requirements, log)
    which = f"the requirement {named!r}" if named else f"one of the requirements {requirements}"
    return (f"Could not make the environment for {label}: pip could not install {which} ({reason}; pip's output "
            f"is in {saved}); fix method.requirements, or check that pip reaches the package index.")


def _project(requirement: str) -> str:
    """The project a requirement names, normalised as pip does (``DEHB>=0.1`` -> ``dehb``)."""
    text = requirement.strip()
    if text.endswith(".whl"):  # a wheel file: its name starts with the project's
        text = Path(text).name.split("-")[0]
    name = re.split(r"[\s<>=!~;\[@(]", text, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _named_requirement(requirements: list[str], log: str) -> str | None:
    """The listed requirement that pip's error lines name, if one does (a failing dependency of
    a listed one is named by pip itself, in the reason)."""
    text = re.sub(r"[-_.]+", "-", "\n".join(line for line in log.splitlines()
                                            if "error" in line.lower() or "found for" in line)).lower()
    for requirement in requirements:
        if re.search(rf"(?<![a-z0-9-]){re.escape(_project(requirement))}(?![a-z0-9])", text):
            return requirement
    return None
