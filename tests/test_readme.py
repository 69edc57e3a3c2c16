"""The README as a newcomer meets it: its tables render as tables, its numbers match the configs, and its
commands run as written, in order, on a fresh copy of the repository.

The commands are the ``bash`` and ``python`` code blocks, read with a Markdown parser (markdown-it-py, as
GitHub renders CommonMark with tables). Each runs in a copy of the repository's files (the tracked ones and the
untracked ones git does not ignore), with HOME in a temporary folder, so nothing outside it is written.
What is not run, and why, is listed in ``SETUP`` and ``NOT_RUN`` below.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py is in the test extra")

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

# Parts of a `&&` chain that set up an environment (make and enter a venv, pip install: the test runs in the
# environment it was started from, offline), and the test suite's own command.
SETUP = (re.compile(r"^python3? -m venv "), re.compile(r"^\. \S+/bin/activate$"), re.compile(r"^pip install "),
         re.compile(r"^python -m pytest"))
# Commands not run: substring -> why.
NOT_RUN = {
    "task=cifar": "trains a ResNet-9 on CIFAR-10, downloaded first: a GPU task of minutes",
    "hydra/launcher=submitit_slurm": "needs a SLURM cluster",
}
TIMEOUT = 300  # seconds per command; each takes a few seconds to a minute


def _tokens():
    return markdown_it.MarkdownIt("commonmark").enable("table").parse(README.read_text())


def blocks() -> list[tuple[str, str]]:
    """(language, text) of every fenced code block, in order."""
    return [(t.info.strip(), t.content) for t in _tokens() if t.type == "fence"]


def commands() -> list[tuple[str, str]]:
    """(language, command) to run, in README order: bash blocks split into commands (a line ending in a
    backslash goes on), setup steps dropped from `&&` chains; python blocks whole."""
    out = []
    for language, text in blocks():
        if language == "python":
            out.append(("python", text))
        if language != "bash":
            continue
        for command in re.sub(r"\\\n\s*", " ", text).splitlines():
            command = command.strip()
            if not command or command.startswith("#"):
                continue
            kept = [part.strip() for part in command.split("&&") if not any(p.match(part.strip()) for p in SETUP)]
            if kept:
                out.append(("bash", " && ".join(kept)))
    return out


def test_every_table_row_is_in_a_table():
    tables = [t.map for t in _tokens() if t.type == "table_open"]
    fences = [t.map for t in _tokens() if t.type == "fence"]
    lines = README.read_text().splitlines()
    rows = [i for i, line in enumerate(lines) if line.startswith("|")
            and not any(start <= i < end for start, end in fences)]
    outside = [lines[i][:60] for i in rows if not any(start <= i < end for start, end in tables)]
    assert rows and not outside, f"rows that render as a paragraph, not in a table: {outside}"


def test_the_default_budgets_named_are_those_of_the_configs():
    text = " ".join(README.read_text().split())
    sentence = text.split("the task's `default_budget` (in its `conf/task/` file) applies: ", 1)[1].split(". ")[0]
    in_evals, in_fidelity = sentence.split("in full-fidelity evaluations' worth, ")
    said = {}
    for kind, part in (("evals", in_evals), ("fidelity", in_fidelity)):
        for names, amount in re.findall(r"((?:`\w+`,? ?)+): ([\d]+(?: × dim)?)", part):
            for name in re.findall(r"`(\w+)`", names):
                said[name] = (kind, amount)
    configs = {}
    for path in sorted((ROOT / "conf" / "task").glob("*.yaml")):
        ((kind, amount),) = yaml.safe_load(path.read_text())["default_budget"].items()
        configs[path.stem] = (kind, "20 × dim" if str(amount) == "${hpobench_times:20,${task.dim}}" else str(amount))
    assert said == configs


def test_the_nb201_protocol_counts_its_methods_and_runs():
    sweep = yaml.safe_load((ROOT / "conf" / "experiment" / "nb201_search.yaml").read_text())["hydra"]["sweeper"]
    methods = sweep["params"]["method"].split(",")
    seeds = range(*map(int, re.fullmatch(r"range\((\d+),(\d+)\)", sweep["params"]["seed"]).groups()))
    text = " ".join(README.read_text().split())
    assert f"for {len(seeds)} seeds each ({len(methods) * len(seeds)} runs)" in text
    names = {"random": "random search", "rea": "regularised evolution", "local_search": "local search",
             "tpe": "TPE", "gp": "GP"}
    protocol = text.split("`python -m hpobench -m +experiment=nb201_search` runs ", 1)[1].split(" for ")[0]
    assert sorted(names[m] for m in methods) == sorted(re.split(r", | and ", protocol))


def fresh_copy(target: Path) -> Path:
    """The repository's files as a fresh clone has them (tracked, plus untracked files git does not ignore)."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: cannot tell a fresh clone's files")
    for name in sorted(filter(None, listed.stdout.decode().split("\0"))):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def test_every_command_runs_as_written_in_order(tmp_path):
    clone, home = fresh_copy(tmp_path / "clone"), tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "XDG_", "HPOBENCH_"))}
    env.update(HOME=str(home), PYTHONPATH=str(clone), MPLBACKEND="Agg",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    ran, failed = [], []
    for language, command in commands():
        if any(marker in command for marker in NOT_RUN):
            continue
        argv = ["bash", "-c", command] if language == "bash" else [sys.executable, "-c", command]
        tic = time.perf_counter()
        done = subprocess.run(argv, cwd=clone, env=env, capture_output=True, text=True, timeout=TIMEOUT)
        ran.append(command)
        print(f"{time.perf_counter() - tic:6.1f} s  {command[:100]!r}")  # shown with pytest -s
        if done.returncode != 0:
            failed.append(f"{command}\n  exit {done.returncode}: {(done.stderr or done.stdout)[-1500:]}")
    assert not failed, "README commands that fail as written:\n" + "\n".join(failed)
    assert len(ran) >= 15
    assert (clone / "results" / "analysis" / "demo" / "report.md").is_file()  # the demo study, analysed
    assert (clone / "figures" / "demo" / "report.md").is_file()  # --out figures/ writes figures/<study>/
    assert (home / "hpo-results" / "pilot").is_dir()
    assert not (home / ".cache" / "hpobench").exists()  # nothing cached by the commands that run offline
