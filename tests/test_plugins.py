"""Your own optimiser from your own package: examples/my-optimizer installed, found and checked.

The example is installed with ``pip --target`` into a temporary folder (no
dependencies, no build isolation, nothing downloaded) that only the
subprocesses here put on their path, so the shared environment is untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, cli_env

EXAMPLE = ROOT / "examples" / "my-optimizer"


def install(source, tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
                           "--quiet", "--target", str(site), str(source)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path_factory.getbasetemp())
    assert done.returncode == 0, done.stdout + done.stderr
    return site


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    return install(EXAMPLE, tmp_path_factory)


def env_with(site=None):
    env = cli_env()
    if site is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(site), env["PYTHONPATH"]])
    return env


def hpobench(tmp_path, env, *args):
    return subprocess.run([sys.executable, "-m", "hpobench", *args, f"results_dir={tmp_path / 'results'}"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_an_installed_package_s_method_runs_by_its_name(installed, tmp_path):
    done = hpobench(tmp_path, env_with(installed), "method=my_opt", "task=branin", "budget.evals=25", "workers=2")
    assert done.returncode == 0, done.stderr
    assert "my_opt on branin, seed 0: stopped: budget.evals" in done.stdout
    info = json.loads(next((tmp_path / "results").rglob("run.json")).read_text())
    assert info["config"]["method"]["_target_"] == "my_optimizer.one_plus_one.OnePlusOneES"
    assert info["n_trials"] == 25


def test_without_the_package_the_name_is_unknown(tmp_path):
    done = hpobench(tmp_path, env_with(), "method=my_opt", "task=branin", "budget.evals=5")
    assert done.returncode != 0 and "my_opt" in done.stderr


def test_the_example_passes_its_own_conformance_test(installed, tmp_path):
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(EXAMPLE),
                           str(EXAMPLE / "tests")], cwd=tmp_path, env=env_with(installed), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_an_import_error_in_an_installed_package_s_method_is_named_with_its_module_and_line(tmp_path_factory):
    broken = tmp_path_factory.mktemp("broken") / "my-optimizer"
    shutil.copytree(EXAMPLE, broken, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    module = broken / "my_optimizer" / "one_plus_one.py"
    module.write_text(module.read_text().replace("import numpy as np\n", "import numpy as np\nimport a_missing_dep\n"))
    line = module.read_text().splitlines().index("import a_missing_dep") + 1
    tmp = tmp_path_factory.mktemp("run")
    done = hpobench(tmp, env_with(install(broken, tmp_path_factory)), "method=my_opt", "task=branin",
                    "budget.evals=5")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"one_plus_one.py:{line}: ModuleNotFoundError: No module named 'a_missing_dep'" in done.stderr
    assert "fix the method.* settings" not in done.stderr and not (tmp / "results").exists()
