"""Bad inputs to every command line: one sentence, exit status 2, no traceback, nothing written.

All cases run in one extra interpreter (tests/_fuzz_driver.py), in-process one
after another, so that the test stays quick; each case is checked for what
it left in the sandbox (results, cwd, the inputs themselves).
"""

from __future__ import annotations

import bz2
import gzip
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import TESTS, cli_env

from hpobench import Budget, run
from hpobench.methods.random_search import RandomSearch
from hpobench.runner import Recording
from hpobench.storage import RunFolder
from hpobench.tasks.synthetic import Branin

GOOD_TABLE = "lr,loss\n0.1,0.5\n0.2,0.4\n"


class Payload:
    """Unpickling this would create a file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def make_sandbox(root: Path) -> dict[str, Path]:
    """Inputs for the cases: good ones (a finished run) and bad ones of every kind."""
    rng = np.random.default_rng(14)
    noise = bytes(rng.integers(0, 256, 4096, dtype=np.uint8))
    (root / "cwd").mkdir()
    (root / "empty_dir").mkdir()
    paths = {name: root / name for name in ("cwd", "empty_dir")}

    def put(name: str, data: bytes | str) -> None:
        path = root / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        paths[name] = path

    put("empty.csv", "")
    put("header.csv", "lr,loss\n")
    put("ragged.csv", "lr,loss\n0.1,0.5\n0.2,0.4,9,9\n")
    put("text.csv", "lr,loss\n0.1,good\n0.2,bad\n")
    put("binary.csv", bytes(b | 0x80 for b in noise))
    put("binary.parquet", noise)
    put("corrupt.csv.gz", gzip.compress(GOOD_TABLE.encode())[:-12] + b"\0" * 12)
    put("utf16.csv", GOOD_TABLE.encode("utf-16"))
    put("dup.csv", "lr,loss\n0.1,0.5\n0.1,0.4\n")
    put("good.csv", GOOD_TABLE)
    put("noise.pickle.pbz2", noise)
    put("noise.pth", noise)
    put("noise.bin", noise)
    put("empty.pickle.pbz2", b"")
    put("bz2noise.pickle.pbz2", bz2.compress(noise))
    put("list.pickle.pbz2", bz2.compress(pickle.dumps([1, 2, 3])))
    put("payload.pickle.pbz2", bz2.compress(pickle.dumps({"meta_archs": [], "x": Payload(root / "ran")})))
    put("multirun_noise/multirun.yaml", noise)
    put("multirun_scalar/multirun.yaml", "just a string\n")
    put("multirun_nosweep/multirun.yaml", "a: 1\nb: [1, 2]\n")
    put("simple_noise/meta.pickle.pbz2", noise)
    (root / "in" / "simple_empty").mkdir()
    paths["simple_empty"] = root / "in" / "simple_empty"
    paths["a_file"] = paths["good.csv"]
    finished = RunFolder(root / "results" / "st" / "branin" / "random" / "seed=0")
    run(RandomSearch, Branin(), seed=0, budget=Budget(evals=3),
        folder=Recording(finished, labels={"study": "st", "task": "branin", "method": "random"}))
    paths["run"] = finished.path
    paths["results"] = root / "results"
    for name, damage in (("bad_json", {"run.json": b"{not json"}), ("bad_list", {"run.json": b"[1, 2]"}),
                         ("bad_nul", {"trials.jsonl": b"\0" * 64}), ("bad_garbage", {"trials.jsonl": noise})):
        damaged = root / "damaged" / name / "st" / "branin" / "random" / "seed=0"
        damaged.mkdir(parents=True)
        for file in ("run.json", "trials.jsonl", "done"):
            (damaged / file).write_bytes((finished.path / file).read_bytes())
        for file, data in damage.items():
            with open(damaged / file, "ab" if file == "trials.jsonl" else "wb") as handle:
                handle.write(data)
        paths[name] = root / "damaged" / name
    return paths


def cases(p: dict[str, Path], root: Path) -> list[tuple[str, list[str]]]:
    out = f"results_dir={root / 'new_results'}"
    hp = [["budget.evals=0"], ["budget.evals=-1"], ["budget.sim_time=nan"], ["budget.fidelity=inf"],
          ["budget.wall_time=-0.5"], ["budget.evals=1e400"], ["budget.evals=2.5"], ["budget=7"],
          ["+budget.epochs=3"], ["workers=0"], ["workers=-3"], ["workers=1000000000"], ["workers=true"],
          ["workers=two"], ["seed=-5"], ["seed=1.5"], ["seed=abc"], ["progress=sometimes"],
          ["task=levy", "task.dim=0"], ["task=levy", "task.dim=-1"], ["method=grid", "method.resolution=0"],
          ["method=grid", "method.resolution=1"], ["task=mfh3", "task.min_fidelity=500"],
          ["task=tabular", f"task.path={p['a_file'].parent / 'missing.csv'}"],
          ["task=tabular", f"task.path={p['empty_dir']}"],
          ["task=tabular", f"task.path={p['good.csv']}", "task.metric=nope"],
          ["task=tabular", f"task.path={p['dup.csv']}", "task.metric=loss", "task.fidelity=null",
           "task.params=[lr]", "task.cost=1"]]
    hp += [["task=tabular", f"task.path={p[name]}", "task.metric=loss", "task.fidelity=null", "task.params=null",
            "task.cost=1"]
           for name in ("empty.csv", "header.csv", "ragged.csv", "text.csv", "binary.csv", "binary.parquet",
                        "corrupt.csv.gz", "utf16.csv")]
    hp += [["study=../../escape"], ["study=.."], ["study=/tmp"], [f"study={'s' * 300}"], ["results_dir="],
           ["task.cost=-1"], ["task.cost=nan"], ["method=pbt", "task=pbt_toy", "method.population_size=0"],
           ["method=hyperband", "task=mfh3", "method.max_brackets=0"],
           ["method=hyperband", "task=mfh3", "method.max_brackets=-1"], ["method=tpe", "method.gamma=0"],
           ["method=rea", "method.sample_size=0"]]
    hp = [[out, "progress=false", *argv] for argv in hp]
    analysis = [[str(p["a_file"].parent / "missing")], [str(p["a_file"])], [str(p["empty_dir"])],
                [str(p["results"]), "--points", "1"], [str(p["results"]), "--points", "-5"],
                [str(p["results"]), "--points", "1000000000"], [str(p["results"]), "--points", "abc"],
                [str(p["results"]), "--alpha", "0"], [str(p["results"]), "--alpha", "1"],
                [str(p["results"]), "--alpha", "nan"], [str(p["results"]), "--band", "sd"],
                [str(p["results"]), "--cd-blocks", "x"], [str(p["results"]), "--incumbent", "best"],
                [str(p["results"]), "--out", str(p["a_file"] / "sub")], [str(p["results"]), "--nope"], [],
                *([str(p[name]), "--out", str(root / "cwd" / "out")]
                  for name in ("bad_json", "bad_list", "bad_nul", "bad_garbage"))]
    verify = [[str(p["a_file"].parent / "missing")], [str(p["a_file"])], [str(p["empty_dir"])],
              [str(p["results"]), "--sample", "0"], [str(p["results"]), "--sample", "-1"],
              [str(p["results"]), "--sample", "x"], [str(p["results"]), "--jobs", "x"],
              [str(p["results"]), "--jobs", "0"], [str(p["results"]), "--seed", "x"], [str(p["results"]), "--nope"],
              []]
    status = [[str(p["a_file"].parent / "missing")], [str(p["a_file"])], [str(p["empty_dir"])],
              [str(p["results"] / "st")], [str(p["multirun_noise/multirun.yaml"].parent)],
              [str(p["multirun_scalar/multirun.yaml"].parent)], [str(p["multirun_nosweep/multirun.yaml"].parent)],
              [], [str(p["empty_dir"]), "extra"]]
    lineage = [[str(p["a_file"].parent / "missing")], [str(p["empty_dir"])], [str(p["run"])], [],
               [str(p["run"]), "--nope"],
               *([str(p[name] / "st" / "branin" / "random" / "seed=0")] for name in ("bad_json", "bad_nul"))]
    target = str(root / "cwd" / "out.parquet")
    convert = [[], [str(p["noise.pth"])], [str(p["a_file"].parent / "missing.pth"), target],
               *([str(p[name]), target] for name in ("noise.pickle.pbz2", "noise.pth", "noise.bin", "empty.pickle.pbz2",
                                                       "bz2noise.pickle.pbz2", "list.pickle.pbz2",
                                                       "payload.pickle.pbz2", "simple_noise/meta.pickle.pbz2",
                                                       "simple_empty", "empty_dir")),
               [str(p["noise.pth"]), str(p["empty_dir"])], [str(p["noise.pth"]), str(root / "no" / "such" / "x.pq")],
               [str(p["noise.pth"]), target, "--nope"]]
    return ([("hpobench", a) for a in hp] + [("hpobench.analysis", a) for a in analysis]
            + [("hpobench.verify", a) for a in verify] + [("hpobench.status", a) for a in status]
            + [("hpobench.analysis.lineage", a) for a in lineage]
            + [("hpobench.tasks.nb201_convert", a) for a in convert])


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    paths = make_sandbox(root)
    todo = cases(paths, root)
    (root / "cases.json").write_text(json.dumps(todo))
    subprocess.run([sys.executable, str(TESTS / "_fuzz_driver.py"), str(root / "cases.json"), str(root),
                    str(root / "result.json")], env=cli_env(), check=True, timeout=900)
    return root, todo, json.loads((root / "result.json").read_text())


def test_there_are_many_cases_for_every_entry_point(fuzzed):
    _, todo, _ = fuzzed
    per_module = {m: sum(case[0] == m for case in todo) for m in dict.fromkeys(case[0] for case in todo)}
    assert len(todo) >= 60 and len(per_module) == 6 and min(per_module.values()) >= 5, per_module


def test_every_bad_input_exits_2_with_one_sentence_and_no_traceback(fuzzed):
    _, _, results = fuzzed
    wrong = [(r["module"], r["argv"], r["code"], (r["escaped"] or r["stderr"])[-600:]) for r in results
             if r["code"] != 2 or r["escaped"] or "Traceback" in r["stderr"] + r["stdout"]
             or "error" not in r["stderr"]]
    assert not wrong, "\n".join(map(str, wrong))


def test_no_bad_input_writes_anything(fuzzed):
    root, _, results = fuzzed
    wrote = [(r["module"], r["argv"], r["changed"]) for r in results if r["changed"]]
    assert not wrote, "\n".join(map(str, wrote))
    assert not (root / "new_results").exists() and not (root / "ran").exists()
    assert not (root.parent / "escape").exists()  # study=../../escape from results_dir=<root>/new_results
    assert list((root / "cwd").iterdir()) == []
