"""Hand-made run folders for the analysis tests, written in the real result format."""

from __future__ import annotations

import json
from pathlib import Path

VERSIONS = {"python": "3.11.7", "hpobench": "0.1.0", "numpy": "2.0.0"}


def write_run(root: Path, task: str, method: str, seed: int, losses: list[float | None], *,
              study: str = "hand", test_losses: list[float | None] | None = None,
              costs: list[float] | None = None, wall: list[float] | None = None,
              method_time: list[float] | None = None, budget_used: list[float] | None = None,
              fidelities: list[float | None] | None = None,
              optimum: float | None = None, finished: bool = True, versions: dict | None = None,
              task_config: dict | None = None, budget: dict | None = None, workers: int | None = None) -> Path:
    """Write one run folder; a loss of None is a failed trial. Returns the folder."""
    n = len(losses)
    costs = costs or [1.0] * n
    wall = wall or [0.01] * n
    method_time = method_time or [0.001] * n
    budget_used = budget_used or [float(i + 1) for i in range(n)]
    test_losses = test_losses or [None] * n
    fidelities = fidelities or [None] * n
    path = root / study / task / method / f"seed={seed}"
    path.mkdir(parents=True)
    clock, lines = 0.0, []
    for i, loss in enumerate(losses):
        lines.append(json.dumps({
            "trial_id": i, "config": {"x": i / 10}, "fidelity": fidelities[i], "parent": None, "continued": False,
            "status": "ok" if loss is not None else "failed", "loss": loss, "test_loss": test_losses[i],
            "cost": costs[i], "error": None if loss is not None else "ValueError: boom",
            "budget_used": budget_used[i], "sim_start": clock, "sim_end": clock + costs[i], "worker": 0,
            "wall_time": wall[i], "optimizer_time": method_time[i], "info": {},
        }))
        clock += costs[i]
    (path / "trials.jsonl").write_text("".join(line + "\n" for line in lines))
    info = {"study": study, "task": task, "method": method, "seed": seed,
            "config": {"task": task_config or {"_target_": "not.importable.Task"}, "seed": seed,
                       **({"budget": budget} if budget is not None else {}),
                       **({"workers": workers} if workers is not None else {})},
            "start": "2026-01-01T00:00:00+00:00", "status": "finished" if finished else "running",
            "environment": {"versions": versions or VERSIONS, "git_commit": "abc"}}
    if optimum is not None:
        info["optimum"] = optimum
    if finished:
        info.update(end="2026-01-01T00:01:00+00:00", stop_reason="budget.evals", n_trials=n)
        (path / "done").touch()
    (path / "run.json").write_text(json.dumps(info))
    return path
