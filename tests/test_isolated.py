"""Methods in their own virtual environment: the worker protocol and the environment cache.

A fake optimiser that needs only the standard library (tests/drivers/) keeps
these fast: its environment is a bare venv, made without pip. One test
installs a wheel it builds itself, from a local folder with the index turned
off; nothing is downloaded.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import TESTS, cli_env

from hpobench import Budget, UserError, run, testing
from hpobench.errors import NotApplicable
from hpobench.methods import venvs
from hpobench.methods.isolated import IsolatedMethod
from hpobench.runner import build_method
from hpobench.storage import RunFolder

DRIVERS = str(TESTS / "drivers")


@pytest.fixture(autouse=True)
def cache(tmp_path_factory, monkeypatch):
    """One environment cache for the whole module (a bare environment is made once)."""
    root = tmp_path_factory.getbasetemp() / "hpobench-cache"
    monkeypatch.setenv("HPOBENCH_CACHE", str(root))
    return root


def fake(**settings):
    return functools.partial(IsolatedMethod, requirements=[], driver="fake_optimiser:FakeOptimiser",
                             paths=[DRIVERS], settings=settings)


def test_a_method_in_its_own_environment_keeps_the_method_contract():
    testing.check_method(fake())


def test_promotions_come_back_as_parents_at_whole_fidelities():
    out = run(fake(), testing.MixedTask(), seed=0, budget=Budget(evals=20), workers=3)
    promoted = [r for r in out.records if r["parent"] is not None]
    assert promoted and all(r["fidelity"] == 100 for r in promoted)
    by_id = {r["trial_id"]: r for r in out.records}
    assert all(by_id[r["parent"]]["config"] == r["config"] and by_id[r["parent"]]["fidelity"] == 1
               for r in promoted)


def test_the_method_says_what_ran_it(cache):
    method = build_method(fake(), testing.MixedTask(), seed=0)
    described = method.describe()
    assert described["driver"] == "fake_optimiser:FakeOptimiser" and described["requirements"] == []
    assert Path(described["environment"]).parent == cache / "envs"
    assert json.loads((method.env / "hpobench-env.json").read_text())["requirements"] == []


def test_the_environment_is_made_once_and_named_by_its_requirements(cache):
    first = venvs.ensure_env([])
    inode = first.stat().st_ino
    assert venvs.ensure_env([]) == first and first.stat().st_ino == inode
    assert first.name == venvs.env_key([]) != venvs.env_key(["dehb==0.1.2"])
    assert not list(first.parent.glob(f".{first.name}.*")), "a temporary build folder was left behind"


def test_a_killed_build_leaves_nothing_that_a_later_run_trusts(cache):
    key = venvs.env_key(["--no-such-option-here"])  # an environment never built in this module
    (cache / "envs").mkdir(parents=True, exist_ok=True)
    half = cache / "envs" / f".{key}.killed"
    (half / "bin").mkdir(parents=True)  # as a build killed before pip finished leaves it
    env = cache / "envs" / key
    assert not env.exists()
    venvs._build(env, [], "the test")
    assert venvs.python_of(env).exists() and not half.exists()


def test_two_runs_building_the_same_environment_at_once_share_one(tmp_path):
    code = "from hpobench.methods.venvs import ensure_env; print(ensure_env([]))"
    env = {**cli_env(), "HPOBENCH_CACHE": str(tmp_path / "cache")}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [o[1] for o in outs]
    assert len({o[0].strip() for o in outs}) == 1


def wheel(folder: Path) -> Path:
    """A wheel of the fake optimiser as package ``fake_opt``, written by hand (no build backend needed)."""
    path = folder / "fake_opt-1.0-py3-none-any.whl"
    source = (TESTS / "drivers" / "fake_optimiser.py").read_text().replace("library = None", 'library = "fake-opt"')
    files = {"fake_opt/__init__.py": source,
             "fake_opt-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: fake-opt\nVersion: 1.0\n",
             "fake_opt-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                             "Tag: py3-none-any\n"}
    record = "fake_opt-1.0.dist-info/RECORD"
    files[record] = "".join(f"{name},,\n" for name in [*files, record])
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """pip with the index off, finding packages only in an empty local folder."""
    (tmp_path / "wheels").mkdir()
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "wheels"))
    monkeypatch.delenv("PIP_CONSTRAINT", raising=False)
    monkeypatch.setenv("PIP_CONSTRAINT", "")
    return tmp_path / "wheels"


def test_an_optimiser_from_its_own_package_runs_in_an_environment_made_from_its_requirements(offline):
    make = functools.partial(IsolatedMethod, requirements=[str(wheel(offline))], driver="fake_opt:FakeOptimiser")
    out = run(make, testing.MixedTask(), seed=1, budget=Budget(evals=12), workers=2)
    assert len(out.records) == 12
    method = build_method(make, testing.MixedTask(), seed=1)
    assert (method.library, method.library_version) == ("fake-opt", "1.0")


def test_a_requirement_that_cannot_be_installed_stops_the_run_naming_it(offline, cache):
    make = functools.partial(IsolatedMethod, requirements=["hpobench-no-such-package==0.0"],
                             driver="nowhere:Nothing")
    with pytest.raises(UserError, match=r"could not install the requirement 'hpobench-no-such-package==0\.0'"):
        build_method(make, testing.MixedTask(), seed=0)
    key = venvs.env_key(["hpobench-no-such-package==0.0"])
    assert not (cache / "envs" / key).exists() and not list((cache / "envs").glob(f".{key}.*"))


def test_a_driver_that_cannot_be_imported_is_named_with_the_error():
    make = functools.partial(IsolatedMethod, requirements=[], driver="no_such_driver:Driver", paths=[DRIVERS])
    with pytest.raises(UserError, match=r"no_such_driver:Driver failed to start .*No module named 'no_such_driver'"):
        build_method(make, testing.MixedTask(), seed=0)


def test_a_bug_in_the_optimiser_is_reported_with_its_file_and_line():
    with pytest.raises(UserError, match=r"fake_optimiser\.py:\d+ .*ZeroDivisionError: the fake optimiser fails"):
        build_method(fake(fail_in="init"), testing.MixedTask(), seed=0)
    with pytest.raises(RuntimeError, match=r"failed in ask at .*fake_optimiser\.py:\d+: ZeroDivisionError"):
        run(fake(fail_in="ask"), testing.MixedTask(), seed=0, budget=Budget(evals=5))


def test_a_driver_that_cannot_run_with_this_task_or_budget_is_not_applicable():
    # hpobench's NotApplicable, which a sweep skips (tests/test_not_applicable.py), with the driver's sentence
    with pytest.raises(NotApplicable, match=r"^the fake optimiser needs what this run lacks; give it something"):
        build_method(fake(not_applicable=True), testing.MixedTask(), seed=0)


def test_a_failing_tell_stops_the_run_at_the_next_ask(tmp_path):
    # a tell's answer is read with the next message's (one wait per trial instead of two): the run stops there,
    # with the trial already recorded, so a resume replays it and fails at the same point
    folder = RunFolder(tmp_path / "run")
    with pytest.raises(RuntimeError, match=r"failed in tell at .*fake_optimiser\.py:\d+: ZeroDivisionError"):
        run(fake(fail_in="tell"), testing.MixedTask(), seed=0, budget=Budget(evals=5), folder=folder)
    assert [r.trial_id for r in folder.read_trials()] == [0]


def test_a_worker_that_dies_is_reported_with_its_last_output():
    method = build_method(fake(), testing.MixedTask(), seed=0)
    method._worker.process.kill()
    method._worker.process.wait()
    with pytest.raises(RuntimeError, match=r"worker for fake_optimiser:FakeOptimiser exited \(status -9\) during ask"):
        method.ask()


def test_a_method_that_runs_out_ends_the_run_and_its_worker_goes_with_it():
    method = build_method(fake(stop_after=3), testing.MixedTask(), seed=0)
    process = method._worker.process
    assert [method.ask() is not None for _ in range(4)] == [True, True, True, False]
    del method
    assert process.wait(timeout=10) == 0


def test_the_cli_runs_a_method_in_its_own_environment(hpobench_cli, tmp_path):
    done = hpobench_cli("method=dehb", "method.requirements=[]", "method.driver=fake_optimiser:FakeOptimiser",
                        f"+method.paths=[{DRIVERS}]", "task=mfh3", "budget.evals=10", "workers=2")
    assert "stopped: budget.evals" in done.stdout
    info = json.loads(next((tmp_path / "results").rglob("run.json")).read_text())
    assert info["status"] == "finished" and info["n_trials"] == 10


@pytest.mark.parametrize(("requirement", "project"), [("DEHB>=0.1", "dehb"), ("ConfigSpace==1.2.2", "configspace"),
                                                      ("my_opt[extra]; python_version>'3'", "my-opt"),
                                                      ("/tmp/w/fake_opt-1.0-py3-none-any.whl", "fake-opt")])
def test_requirements_are_matched_to_pip_s_errors_by_project_name(requirement, project):
    assert venvs._project(requirement) == project
    log = f"ERROR: No matching distribution found for {project.upper()}==9\n"
    assert venvs._named_requirement(["numpy<2", requirement], log) == requirement
