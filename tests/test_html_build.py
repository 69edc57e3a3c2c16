"""report.html without a browser: what the page holds (the browser tests are in test_html_report.py)."""

import base64
import json
import re
import zlib

from _analysis_runs import write_run

from hpobench.analysis import Options, analyse
from hpobench.analysis.html.space import recorded
from hpobench.analysis.plots import REGRET_FLOOR


def _blocks(text: str) -> dict[str, str]:
    return dict(re.findall(r'<script type="application/(?:json|octet-stream)" id="([^"]+)">(.*?)</script>', text,
                           re.S))


def test_report_html_holds_the_study_and_every_run(tmp_path):
    root = tmp_path / "results"
    for seed in (0, 1):
        write_run(root, "t", "a", seed, [3.0, 2.0, 1.0], optimum=1.0)  # reaches the optimum: regret 0
        write_run(root, "t", "b", seed, [3.0, None, 2.5], optimum=1.0)
    write_run(root, "u", "a", 0, [2.0, 1.5], optimum=1.0)
    write_run(root, "u", "b", 0, [2.0], optimum=1.0, finished=False)  # unfinished; u/a/1 and u/b/1 missing
    report = analyse(root, options=Options(html=True))
    page = root / "analysis" / "hand" / "report.html"
    assert page in report.files
    text = page.read_text()
    blocks = _blocks(text)
    study = json.loads(blocks["study-data"])
    assert sorted(study["curves"]) == ["t", "u"]
    assert "fidelity" not in study["curves"]["t"]  # no task with fidelities here
    ys = [y for trace in study["curves"]["t"]["evals"]["data"] for y in trace["y"] if y is not None]
    # regret 0 drawn at the static figures' floor (a tenth of the smallest positive regret), not lost on the log axis
    assert min(ys) == REGRET_FLOOR * min(y for y in ys if y > REGRET_FLOOR * 1.5)
    assert study["curves"]["t"]["evals"]["layout"]["yaxis"]["type"] == "log"
    index = json.loads(blocks["run-index"])
    assert [e["label"] for e in index] == ["t / a / seed 0", "t / a / seed 1", "t / b / seed 0", "t / b / seed 1",
                                          "u / a / seed 0", "u / b / seed 0"]
    run = json.loads(zlib.decompress(base64.b64decode(blocks["run-3"])))
    assert run["n"] == 3 and run["loss"] == [3.0, None, 2.5] and run["params"][0]["name"] == "x"
    assert text.count('class="missing"') == 2 + 1  # two missing runs, and the legend
    assert text.count('class="interrupted"') == 1 + 1
    assert "Unfinished runs" in text and "u/b/seed=1" in text  # the problems of runs.md


def test_html_is_off_unless_asked_for(tmp_path):
    write_run(tmp_path, "t", "a", 0, [2.0, 1.0])
    report = analyse(tmp_path)
    assert not any(p.name == "report.html" for p in report.files)


def test_the_space_comes_from_run_json_when_it_records_one():
    space = [{"name": "lr", "kind": "float", "low": 1e-5, "high": 1.0, "log": True},
             {"name": "act", "kind": "categorical", "choices": ["relu", "tanh"]},
             {"name": "n", "kind": "int", "low": 1, "high": 8, "log": False}]
    params = recorded(space, ["act", "lr", "n"])
    assert [(p.name, p.kind, p.log) for p in params] == [("act", "categorical", False), ("lr", "float", True),
                                                          ("n", "int", False)]
    assert params[0].choices == ("relu", "tanh") and (params[1].low, params[1].high) == (1e-5, 1.0)
    # a run made before run.json held the space, or a space edited into nonsense: the report infers it instead
    assert recorded([], ["lr"]) is None and recorded(None, ["lr"]) is None
    assert recorded(space, ["lr", "other"]) is None
    assert recorded([{"name": "lr", "kind": "float", "low": -1, "high": 1, "log": True}], ["lr"]) is None
    assert recorded([{"name": "lr", "kind": "exec", "low": 0, "high": 1}], ["lr"]) is None
