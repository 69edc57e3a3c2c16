"""Kill each adapter with SIGKILL halfway through a run, start it again, and compare with an uninterrupted run.

    python scripts/check_kill_resume.py [--methods optuna_tpe,nevergrad] [--evals 30] [--evals-for smac_bb=20,ax=12]

For each method: ``python -m hpobench method=<m> task=branin seed=0 budget.evals=<n>`` (task=mfh3 for the
methods that need fidelities, which Branin does not have) uninterrupted into
one folder; the same command into another folder, killed with SIGKILL once its trials.jsonl holds half the
trials, then started again (it resumes by replaying the records); then the two trials.jsonl are compared
without their wall-clock fields. Prints a markdown table and exits 1 when any method differs (or finished
before it could be killed). The default methods are every adapter (conf/method/ targets in
hpobench/methods/peers/) whose library is installed, and every method running in its own environment whose
environment is already cached (none is built here).
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hydra.utils import instantiate
from omegaconf import OmegaConf

from hpobench import testing
from hpobench.methods import venvs
from hpobench.storage import deterministic_part

ROOT = Path(__file__).resolve().parents[1]
METHODS = ROOT / "conf" / "method"
FIDELITY_TASK = "mfh3"
RESUMED = re.compile(r"resumed after (\d+) recorded trials")


def method_config(name: str):
    return OmegaConf.load(METHODS / f"{name}.yaml")


def runnable(name: str) -> bool:
    """Whether ``name`` is an adapter that runs here without installing or building anything."""
    config = method_config(name)
    target = str(config.get("_target_", ""))
    if config.get("requirements"):  # its own environment: only when already cached
        return venvs.python_of(venvs.cache_root() / "envs" / venvs.env_key(list(config.requirements))).exists()
    return target.startswith("hpobench.methods.peers.") and importlib.util.find_spec(target.split(".")[3]) is not None


def default_methods() -> list[str]:
    return sorted(p.stem for p in METHODS.glob("*.yaml") if runnable(p.stem))


@functools.cache
def task_for(name: str) -> str:
    """Branin, or for a method that needs fidelities (Branin has none) the multi-fidelity Hartmann-3."""
    config = method_config(name)
    if config.get("requirements") is not None:  # in its own environment: its YAML says what it requires
        needs = set(config.get("requires") or ())
    else:
        needs = testing.requirements_of(instantiate(config))
    return FIDELITY_TASK if "fidelity" in needs else "branin"


def command(name: str, evals: int, folder: Path) -> list[str]:
    return [sys.executable, "-m", "hpobench", f"method={name}", f"task={task_for(name)}", "seed=0",
            f"budget.evals={evals}", f"hydra.run.dir={folder}", "progress=false"]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def run_to_end(cmd: list[str], timeout: float) -> str:
    done = subprocess.run(cmd, env=environment(), capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def lines_in(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def killed_at(cmd: list[str], trials: Path, at: int, timeout: float) -> int | None:
    """Start ``cmd``, SIGKILL it once ``trials`` holds ``at`` lines; the whole lines left, or None if it ended first."""
    proc = subprocess.Popen(cmd, env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while lines_in(trials) < at and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    finished = proc.poll() is not None
    os.kill(proc.pid, signal.SIGKILL) if not finished else None
    proc.wait()
    return None if finished else lines_in(trials)


def trials_of(path: Path) -> list[dict]:
    return [deterministic_part(json.loads(line)) for line in path.read_text().splitlines()]


def check(name: str, evals: int, root: Path, timeout: float) -> dict:
    """Run ``name`` whole, then killed and resumed, under ``root``; one row of the table."""
    start = time.monotonic()
    whole, killed = root / name / "whole", root / name / "killed"
    run_to_end(command(name, evals, whole), timeout)
    cmd = command(name, evals, killed)
    before = killed_at(cmd, killed / "trials.jsonl", evals // 2, timeout)
    out = run_to_end(cmd, timeout) if before is not None else ""
    found = RESUMED.search(out)
    info = json.loads((whole / "run.json").read_text())["method_info"]
    same = before is not None and trials_of(whole / "trials.jsonl") == trials_of(killed / "trials.jsonl")
    return {"method": name, "task": task_for(name),
            "version": f"{info.get('library', '?')} {info.get('library_version', '?')}",
            "evals": evals, "before": "ended before the kill" if before is None else before,
            "replayed": int(found.group(1)) if found else 0, "identical": same,
            "seconds": time.monotonic() - start}


def table(rows: list[dict]) -> str:
    lines = ["| method | task | library version | evals | trials before kill | replayed | identical | seconds |",
             "|---|---|---|---:|---:|---:|---|---:|"]
    lines += [f"| {r['method']} | {r['task']} | {r['version']} | {r['evals']} | {r['before']} | {r['replayed']} | "
              f"{'yes' if r['identical'] else 'no'} | {r['seconds']:.1f} |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", help="comma-separated conf/method names (default: every runnable adapter)")
    parser.add_argument("--evals", type=int, default=30, help="budget.evals of each run (default 30)")
    parser.add_argument("--evals-for", default="", help="per-method evals, e.g. smac_bb=20,ax=12")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed to each command")
    args = parser.parse_args(argv)
    names = args.methods.split(",") if args.methods else default_methods()
    unknown = [n for n in names if not (METHODS / f"{n}.yaml").exists()]
    if unknown:
        parser.error(f"no conf/method/{unknown[0]}.yaml; choose among {', '.join(default_methods())}")
    evals_for = {k: int(v) for k, v in (item.split("=") for item in args.evals_for.split(",") if item)}
    rows = []
    with tempfile.TemporaryDirectory(prefix="kill-resume-") as tmp:
        for name in names:
            try:
                rows.append(check(name, evals_for.get(name, args.evals), Path(tmp), args.timeout))
            except RuntimeError as error:  # the command itself failed: say so in the table and go on
                print(error, file=sys.stderr)
                rows.append({"method": name, "task": task_for(name), "version": "?",
                             "evals": evals_for.get(name, args.evals), "before": "command failed", "replayed": 0,
                             "identical": False, "seconds": 0.0})
            print(f"{name}: {'identical' if rows[-1]['identical'] else 'DIFFERS'}", file=sys.stderr, flush=True)
    print(table(rows))
    return 0 if all(r["identical"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
