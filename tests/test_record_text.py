"""The hand-made JSON of a trial record is byte for byte what the json module writes, for any record."""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import pytest

from hpobench.record_text import TrialsDigest, jsonable, record_texts
from hpobench.storage import deterministic_part, fingerprint
from hpobench.trial import Record


class Seconds(float):
    """A float subclass, which json writes as the float it is."""


def record(**changes) -> Record:
    fields = dict(trial_id=7, config={"x1": 3.2847362837462, "x2": 11.29384729384}, fidelity=None, parent=None,
                  continued=False, status="ok", loss=23.3847562387, test_loss=None, cost=1.0, error=None,
                  budget_used=8.0, sim_start=7.0, sim_end=8.0, worker=0, wall_time=1.2345e-06,
                  optimizer_time=2.3456e-06, info={})
    fields.update(changes)
    return Record(**fields)


ODD = [
    {},
    {"config": {"lr": 1e-300, "depth": 12, "act": "relu", "flag": True, "none": None, "neg": -0.0}},
    {"config": {"b": 1.0, "a": 2.0, "é": 3.0, "{x}": 4.0, "%s": 5.0, 'q"u': 6.0}},  # sorting, escaping, braces
    {"config": {"x1": np.float64(0.1), "x2": np.int64(3), "x3": np.bool_(True), "x4": np.str_("ä")}},
    {"config": {"x1": float("nan"), "x2": float("inf"), "x3": -math.inf}},
    {"config": {"list": [1, 2.5, "a"], "dict": {"z": 1, "a": [None]}}},  # nested: json's encoders write them
    {"config": {1: 2.0}},  # a key json must turn into a string
    {"config": {}},
    {"fidelity": 27, "parent": 3, "continued": True},
    {"fidelity": 0.5, "budget_used": np.float32(0.25)},
    {"status": "failed", "loss": None, "error": 'ValueError: boom "é" \\ \n \u2603 \U0001f600 \x00'},
    {"loss": 5e-324, "test_loss": 1e300, "cost": 0, "sim_start": 0, "sim_end": 10**30},
    {"cost": float("inf"), "sim_end": float("nan"), "wall_time": math.inf, "optimizer_time": -math.inf},
    {"trial_id": np.int64(3), "worker": np.int32(1), "cost": Seconds(2.5), "loss": Seconds(1.5)},
    {"info": {"acc": 0.9, "epochs": [1, 2, 3], "model": {"depth": 3, "name": "x"}, "arr": np.arange(3)}},
    {"info": {"b": 1, "a": np.float64(2.0)}},
    {"status": "ok", "continued": np.bool_(False)},
]


@pytest.mark.parametrize("changes", ODD, ids=range(len(ODD)))
def test_both_texts_are_what_json_writes(changes):
    r = record(**changes)
    for _ in range(2):  # the second time with the layout of the config's keys made the first time
        line, canonical = record_texts(r)
        assert line == json.dumps(r.to_dict(), default=jsonable) + "\n"
        assert canonical == json.dumps(deterministic_part(r), sort_keys=True, default=jsonable, separators=(",", ":"))


def test_the_digest_is_the_fingerprint_of_the_records():
    records = [record(**changes) for changes in ODD if "config" not in changes or changes["config"]]
    digest = TrialsDigest()
    assert digest.hexdigest() == fingerprint([])
    for r in records:
        digest.add(record_texts(r)[1])
    assert digest.hexdigest() == fingerprint(records)
    # the fingerprint of records read back as JSON objects, the old way, is the same
    dicts = [json.loads(record_texts(r)[0]) for r in records]
    old = json.dumps([deterministic_part(d) for d in dicts], sort_keys=True, separators=(",", ":"))
    assert fingerprint(records) == hashlib.sha256(old.encode()).hexdigest() == fingerprint(dicts)
