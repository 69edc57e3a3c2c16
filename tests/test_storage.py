"""Result files and the loaders."""

import dataclasses
import json

from hpobench import Budget, list_runs, load_results, run
from hpobench.methods.random_search import RandomSearch
from hpobench.runner import Recording
from hpobench.storage import RunFolder
from hpobench.tasks.synthetic import Branin


def make_run(root, method="random", seed=0, evals=4):
    folder = RunFolder(root / "st" / "branin" / method / f"seed={seed}")
    labels = {"study": "st", "task": "branin", "method": method}
    return run(RandomSearch, Branin(), seed=seed, budget=Budget(evals=evals), folder=Recording(folder, labels))


def test_load_results_is_one_tidy_frame_with_config_columns(tmp_path):
    make_run(tmp_path, seed=0, evals=4)
    make_run(tmp_path, seed=1, evals=3)
    frame = load_results(tmp_path)
    assert len(frame) == 7
    assert list(frame.columns[:5]) == ["study", "task", "method", "seed", "run_status"]
    assert {"config.x1", "config.x2", "loss", "sim_end", "optimizer_time"} <= set(frame.columns)
    assert frame.groupby("seed").size().to_dict() == {0: 4, 1: 3}
    first = json.loads((tmp_path / "st/branin/random/seed=0/trials.jsonl").read_text().splitlines()[0])
    assert frame.loc[0, "config.x1"] == first["config"]["x1"] and frame.loc[0, "loss"] == first["loss"]


def test_list_runs_shows_unfinished_runs_and_runs_without_trials(tmp_path):
    make_run(tmp_path, seed=0)
    cut = make_run(tmp_path, seed=1)
    folder = RunFolder(tmp_path / "st/branin/random/seed=1")
    info = folder.read_info()
    folder.write_info(dataclasses.replace(info, status="running"))
    folder.trials_path.write_text("")
    runs = list_runs(tmp_path).set_index("seed")
    assert runs.loc[0, "status"] == "finished" and runs.loc[1, "status"] == "running"
    assert len(cut.records) == 4 and len(load_results(tmp_path)) == 4


def test_a_cut_off_last_line_is_ignored_and_repaired(tmp_path):
    make_run(tmp_path)
    folder = RunFolder(tmp_path / "st/branin/random/seed=0")
    text = folder.trials_path.read_text()
    folder.trials_path.write_text(text + '{"trial_id": 4, "conf')
    assert len(folder.read_trials()) == 4
    assert folder.trials_path.read_text().endswith('"conf')
    folder.read_trials(repair=True)
    assert folder.trials_path.read_text() == text


def test_a_trial_line_is_exactly_what_json_dumps_writes(tmp_path):
    from hpobench.storage import record_line

    records = make_run(tmp_path, evals=3).records
    lines = (tmp_path / "st/branin/random/seed=0/trials.jsonl").read_text().splitlines(keepends=True)
    assert lines == [json.dumps(r.to_dict()) + "\n" for r in records]
    odd = {"a": float("nan"), "b": [1, "é", None, True], "c": {"d": -0.0, "e": 1e300}}
    assert record_line(odd) == json.dumps(odd) + "\n"
