"""Suite summaries: runtime ECDFs, normalised regret, IQM with stratified bootstrap, performance profiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _analysis_runs import write_run
from scipy import stats

from hpobench.analysis import analyse
from hpobench.analysis import suite as s


def traces(rows):
    """Minimal traces: rows of (task, method, seed, incumbents by evaluation)."""
    frames = []
    for run, (task, method, seed, values) in enumerate(rows):
        frames.append(pd.DataFrame({"study": "x", "task": task, "method": method, "seed": seed, "run": run,
                                    "evals": np.arange(1, len(values) + 1), "incumbent": values}))
    return pd.concat(frames, ignore_index=True)


def test_coco_targets_are_51_log_spaced_from_1e2_to_1e_8():
    assert len(s.COCO_TARGETS) == 51 and s.COCO_TARGETS[0] == 100 and s.COCO_TARGETS[-1] == pytest.approx(1e-8)
    assert np.allclose(np.diff(np.log10(s.COCO_TARGETS)), -0.2)


def test_runtimes_count_evaluations_to_each_target():
    tr = traces([("bbob,function=1", "a", 0, [1000.0, 5.0, 5.0, 0.5]), ("bbob,function=1", "b", 0, [1e3] * 4)])
    rt = s.runtimes(tr, {"bbob,function=1": 0.0}).set_index(["method", "target"])["runtime"]
    assert rt[("a", 100.0)] == 2 and rt[("a", s.COCO_TARGETS[5])] == 2  # 10^1 reached at evaluation 2
    assert rt[("a", s.COCO_TARGETS[10])] == 4  # 10^0 at evaluation 4
    assert np.isinf(rt[("a", s.COCO_TARGETS[15])]) and np.isinf(rt["b"]).all()


def test_targets_of_other_tasks_span_their_own_regrets():
    tr = traces([("nb201", "a", 0, [12.0, 3.0, 0.3]), ("nb201", "a", 1, [6.0, 6.0, 0.0])])
    levels = s.targets("nb201", tr.assign(regret=tr["incumbent"]))
    assert levels[0] == 12.0 and levels[-1] == pytest.approx(0.3) and len(levels) == 51


def test_normalised_regret_is_0_at_the_best_and_1_at_random_median_and_clipped():
    rows = [("t", "random", k, [v]) for k, v in enumerate([4.0, 6.0, 8.0])] + [
        ("t", "a", 0, [1.0]), ("t", "a", 1, [3.5]), ("t", "a", 2, [20.0]), ("t", "a", 3, [0.5])]
    scores = s.normalised_regret(traces(rows), {"t": 1.0}).set_index(["method", "seed"])["score"]
    assert scores[("random", 1)] == 1.0 and scores[("a", 0)] == 0.0 and scores[("a", 1)] == pytest.approx(0.5)
    assert scores[("a", 2)] == 1.0 and scores[("a", 3)] == 0.0  # clipped at both ends
    assert s.normalised_regret(traces(rows[3:]), {"t": 1.0}) is None  # no random search: no normalisation


def test_iqm_is_the_trimmed_mean_and_the_bootstrap_is_stratified_by_task():
    scores = pd.DataFrame({"task": ["p"] * 4 + ["q"] * 4, "method": "a", "seed": list(range(8)),
                           "score": [0.0] * 4 + [1.0] * 4})
    row = s.iqm(scores).iloc[0]
    assert row.iqm == pytest.approx(0.5)
    # Each task is resampled on its own, so the pooled scores never change: a stratified interval is a point.
    # Resampling the pooled 8 runs instead would often draw more of one task and widen it.
    assert (row.low, row.high) == pytest.approx((0.5, 0.5))
    noisy = scores.assign(score=np.random.default_rng(0).random(8))
    row = s.iqm(noisy).iloc[0]
    assert row.iqm == pytest.approx(stats.trim_mean(noisy["score"], 0.25)) and row.low < row.iqm < row.high


def test_profile_is_the_fraction_of_runs_at_or_below_tau():
    assert s.profile(np.array([0.0, 0.2, 0.2, 1.0]), np.array([0.0, 0.2, 0.5, 1.0])).tolist() == [0.25, 0.75, 0.75, 1]


def test_families_split_bbob_by_coco_group():
    assert s.family("bbob,dim=2,function=3,instance=1") == "bbob separable"
    assert s.family("bbob,dim=5,function=24,instance=1") == "bbob multimodal, weak str."
    assert s.family("fcnet,dataset=naval_propulsion") == "fcnet"


def test_a_study_of_many_tasks_gets_the_suite_figures(tmp_path):
    rng = np.random.default_rng(1)
    for task in [f"bbob,function={f}" for f in (1, 6, 11, 16, 21)]:
        for method, scale in (("random", 1.0), ("tpe", 0.5)):
            for seed in range(3):
                losses = np.minimum.accumulate(scale * 100 * rng.random(10) ** 3).tolist()
                write_run(tmp_path, task, method, seed, losses, optimum=0.0)
    report = analyse(tmp_path, tmp_path / "out")
    out = tmp_path / "out" / "hand"
    for name in ("suite-ecdf", "suite-normalised-regret", "suite-iqm", "suite-profile"):
        assert out / f"{name}.png" in report.files and (out / f"{name}.png").stat().st_size > 1000
    text = (out / "report.md").read_text()
    assert "## Suite summaries" in text and "| tpe |" in (out / "suite.md").read_text()
