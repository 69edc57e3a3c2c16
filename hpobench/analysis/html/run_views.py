"""The data of one run's page, compact and columnar: the browser draws the views from it.

Per run the page holds the trials' losses, fidelities, parents, simulated
start and end, worker and configuration (numbers to a few digits), the
parameters' kinds and scales (``space.infer``), the PED-ANOVA importance and,
for runs whose children change their parent's configuration (PBT's
exploit-and-explore), the surviving lineages of ``hpobench.analysis.lineage``.
It is compressed into the page and decompressed only when the run is picked.
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from typing import Any

import numpy as np

from hpobench.analysis.html.importance import ped_anova
from hpobench.analysis.html.space import infer, recorded
from hpobench.analysis.lineage import surviving_lineages
from hpobench.trial import Record


def _num(value: Any, digits: int = 4) -> float | None:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value if isinstance(value, int) else float(f"{value:.{digits}g}")


def payload(records: list[Record], labels: dict[str, Any], optimum: float | None,
            space: object = None) -> dict[str, Any]:
    """What the run page needs of one run, as JSON-ready data; ``space``: run.json's, when it has one."""
    names = sorted({k for r in records for k in r.config})
    columns = {k: [r.config.get(k) for r in records] for k in names}
    params = recorded(space, names) or infer(columns)
    losses = np.array([r.loss if r.status == "ok" and r.loss is not None else np.nan for r in records], dtype=float)
    config = {}
    for p in params:
        if p.kind == "categorical":
            config[p.name] = [int(i) for i in p.encode(columns[p.name])]  # indices of p.choices (-1: missing)
        else:
            config[p.name] = [_num(v) for v in columns[p.name]]
    fidelities = [r.fidelity for r in records]
    data = {
        **labels, "optimum": optimum, "n": len(records), "params": [p.to_dict() for p in params],
        "trial_id": [r.trial_id for r in records], "loss": [_num(v, 6) for v in losses],
        "fidelity": [_num(f) for f in fidelities] if any(f is not None for f in fidelities) else None,
        "parent": [r.parent for r in records], "link": _links(records),
        "sim_start": [_num(r.sim_start) for r in records],
        "sim_end": [_num(r.sim_end) for r in records], "worker": [r.worker for r in records],
        "config": config, "importance": ped_anova(params, columns, losses), "lineages": _lineages(records),
    }
    return data


def _links(records: list[Record]) -> list[int | None]:
    """Per trial, the position of the trial it came from: its parent, or else (a promotion that restarts,
    as Hyperband's on tasks without checkpoints) the last trial with the same configuration at a lower
    fidelity that ended before it started; None for a new configuration."""
    position = {r.trial_id: i for i, r in enumerate(records)}
    last_seen: dict[str, list[int]] = {}
    links: list[int | None] = []
    for i, r in enumerate(records):
        key = json.dumps(r.config, sort_keys=True, default=str)
        if r.parent is not None:
            links.append(position.get(r.parent))
        else:
            earlier = [j for j in last_seen.get(key, []) if records[j].sim_end <= r.sim_start
                       and r.fidelity is not None and records[j].fidelity is not None
                       and records[j].fidelity < r.fidelity]
            links.append(max(earlier, key=lambda j: (records[j].fidelity, j)) if earlier else None)
        last_seen.setdefault(key, []).append(i)
    return links


def _lineages(records: list[Record]) -> list[list[int]] | None:
    """Surviving lineages (as positions in ``records``) when children change their parent's configuration."""
    by_id = {r.trial_id: r for r in records}
    explores = any(r.parent is not None and r.parent in by_id and r.config != by_id[r.parent].config
                   for r in records)
    if not explores or any(r.fidelity is None for r in records):
        return None
    position = {r.trial_id: i for i, r in enumerate(records)}
    return [[position[r.trial_id] for r in chain] for chain in surviving_lineages(records)]


def pack(data: dict[str, Any]) -> str:
    """JSON, zlib-compressed, base64: what the page's DecompressionStream("deflate") reads back."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return base64.b64encode(zlib.compress(text.encode(), 9)).decode("ascii")
