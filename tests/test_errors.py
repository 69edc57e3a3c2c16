"""Errors say what really happened: an import that fails, a setting that does not fit, a bug in a constructor."""

from __future__ import annotations

import subprocess
import sys
from functools import partial

import pytest
from conftest import cli_env
from plugins_for_tests.buggy_method import BuggyMethod, NeedsASetting

from hpobench import Budget, UserError, run
from hpobench.methods.random_search import RandomSearch
from hpobench.tasks.synthetic import Branin


@pytest.fixture
def conf(tmp_path):
    """A user's config folder with a task whose module fails to import, one whose module is not on the path,
    and a method with a buggy constructor."""
    conf = tmp_path / "myconf"
    (conf / "task").mkdir(parents=True)
    (conf / "method").mkdir()
    budget = "default_budget:\n  evals: 5\n"
    (conf / "task" / "broken.yaml").write_text(f"_target_: plugins_for_tests.broken_import.BrokenTask\n{budget}")
    (conf / "task" / "elsewhere.yaml").write_text(f"_target_: not_on_the_path.tasks.MyTask\n{budget}")
    (conf / "method" / "buggy.yaml").write_text("_target_: plugins_for_tests.buggy_method.BuggyMethod\n"
                                                 "_partial_: true\n")
    return f"hydra.searchpath=[file://{conf}]"


def cli(tmp_path, *args):
    return subprocess.run([sys.executable, "-m", "hpobench", *args, f"results_dir={tmp_path / 'results'}"],
                          cwd=tmp_path, env=cli_env(), capture_output=True, text=True, timeout=300)


def test_a_task_module_that_fails_to_import_is_named_with_file_line_and_cause(tmp_path, conf):
    done = cli(tmp_path, "task=broken", conf)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "importing plugins_for_tests.broken_import (for task=broken) failed at " in done.stderr
    assert "broken_import.py:3: ModuleNotFoundError: No module named 'a_dependency_that_is_not_installed'" in (
        done.stderr)
    assert "fix the task.* settings" not in done.stderr and "does not fit" not in done.stderr
    assert not (tmp_path / "results").exists()


def test_a_task_module_that_is_not_importable_says_how_to_make_it_so(tmp_path, conf):
    done = cli(tmp_path, "task=elsewhere", conf)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "its module not_on_the_path cannot be imported" in done.stderr and "PYTHONPATH" in done.stderr


def test_a_type_error_from_a_bug_in_a_constructor_is_reported_as_that_bug():
    with pytest.raises(TypeError, match=r"the constructor of plugins_for_tests\.buggy_method\.BuggyMethod raised "
                                        r"TypeError at .*buggy_method\.py:9: can only concatenate str") as caught:
        run(BuggyMethod, Branin(), seed=0, budget=Budget(evals=3))
    assert not isinstance(caught.value, UserError) and isinstance(caught.value.__cause__, TypeError)


def test_a_bug_in_a_method_on_the_command_line_is_not_blamed_on_its_settings(tmp_path, conf):
    done = cli(tmp_path, "method=buggy", conf)
    assert done.returncode == 1
    assert "raised TypeError at" in done.stderr and "buggy_method.py:9" in done.stderr
    assert "fix the method.* settings" not in done.stderr


def test_settings_that_do_not_fit_the_signature_are_named_with_the_valid_ones():
    with pytest.raises(UserError, match=r"unexpected keyword argument 'scal'.*method\.scal is not one of its "
                                        r"settings \(scale\); fix the method\.\* settings"):
        run(partial(BuggyMethod, scal=3.0), Branin(), seed=0, budget=Budget(evals=3))
    with pytest.raises(UserError, match=r"NeedsASetting is missing the setting method\.scale \(its settings: "
                                        r"scale, offset\)"):
        run(NeedsASetting, Branin(), seed=0, budget=Budget(evals=3))
    assert len(run(partial(NeedsASetting, scale=1.0), Branin(), seed=0, budget=Budget(evals=3)).records) == 3
    with pytest.raises(UserError, match="RandomSearch got an unexpected keyword argument 'resolution'"):
        run(partial(RandomSearch, resolution=3), Branin(), seed=0, budget=Budget(evals=3))
