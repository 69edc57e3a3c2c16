"""Shared fixtures: the repository root and a subprocess runner for the CLI."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

ROOT = Path(__file__).resolve().parents[1]
NO_ANALYSIS = "~hydra.callbacks.analysis"  # sweeps in tests that are not about the analysis skip it
TESTS = Path(__file__).resolve().parent


# Methods in their own environment whose tests run (building it downloads packages): HPOBENCH_TEST_ENVS=1 for all
# (as .ci/run sets it), or a comma-separated list of names.
_BUILD = os.environ.get("HPOBENCH_TEST_ENVS", "")


def builds_env(name: str) -> bool:
    return _BUILD == "1" or name in _BUILD.split(",")


def env_skipped(name: str) -> bool:
    """Whether conf/method/<name>.yaml runs in its own environment (it lists requirements, installed on first use
    by downloading packages) that HPOBENCH_TEST_ENVS does not name."""
    return bool(OmegaConf.load(ROOT / "conf" / "method" / f"{name}.yaml").get("requirements")) and not builds_env(name)


def is_peer(name: str) -> bool:
    """Whether conf/method/<name>.yaml is an adapter of another library (hpobench/methods/peers/)."""
    target = OmegaConf.load(ROOT / "conf" / "method" / f"{name}.yaml").get("_target_", "")
    return target.startswith("hpobench.methods.peers.")


def peer_library_missing(name: str) -> str | None:
    """For an adapter whose library is not installed, why its tests skip (the adapter's file is named after the
    module it imports: hpobench/methods/peers/optuna.py imports optuna); else None."""
    if not is_peer(name):
        return None
    module = OmegaConf.load(ROOT / "conf" / "method" / f"{name}.yaml")["_target_"].split(".")[3]
    if importlib.util.find_spec(module) is not None:
        return None
    extra = module.replace("_", "-")
    return f"{name} needs {module}, which is not installed (its extra: pip install -e \".[{extra}]\")"


def method_configs(peers: bool = True) -> list:
    """The names in conf/method/; those that run in their own environment (their YAML lists requirements,
    built on first use by downloading packages) are skipped unless HPOBENCH_TEST_ENVS names them or is 1.
    ``peers=False`` leaves out the adapters of other libraries (tests/test_peers.py runs the contract on them,
    with tiny budgets)."""
    names = sorted(p.stem for p in (ROOT / "conf" / "method").glob("*.yaml") if peers or not is_peer(p.stem))
    skip = pytest.mark.skip(reason="runs in its own environment, built by downloading packages; set "
                                   "HPOBENCH_TEST_ENVS=1 (or a list of names) to include it")
    missing = {n: why for n in names if (why := peer_library_missing(n))}
    return [pytest.param(n, marks=skip) if env_skipped(n)
            else pytest.param(n, marks=pytest.mark.skip(reason=missing[n])) if n in missing else n for n in names]


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(TESTS), env.get("PYTHONPATH", "")])
    env.pop("HYDRA_FULL_ERROR", None)
    return env


@pytest.fixture
def hpobench_cli(tmp_path):
    """Run ``python -m hpobench ARGS`` with results under tmp_path; returns CompletedProcess."""

    def call(*args: str, check: bool = True, results: Path | None = None) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "hpobench", *args, f"results_dir={results or tmp_path / 'results'}"]
        done = subprocess.run(cmd, cwd=tmp_path, env=cli_env(), capture_output=True, text=True, timeout=300)
        if check and done.returncode != 0:
            raise AssertionError(f"{cmd} failed:\n{done.stdout}\n{done.stderr}")
        return done

    return call
