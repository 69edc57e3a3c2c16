"""The JSON texts of a trial Record, made in one pass: its line in trials.jsonl and its canonical form.

The line is what ``json.dumps(record.to_dict(), default=...)`` writes; the
canonical form is what the run's fingerprint hashes, ``json.dumps`` of the
record's deterministic part with sorted keys and compact separators. The
runner writes one record per evaluation, where encoding it twice with the
json module (and once more for the fingerprint at the end) cost more than
everything else the runner does. Both texts are made here from the same
value texts: Python's own ``repr`` of floats and ints and json's escaping of
strings, exactly as the json module writes them; anything else (a numpy
number, a nested value in ``info``) is handed to json's C encoder, so the
texts stay byte for byte what json writes (``tests/test_record_text.py``).
"""

from __future__ import annotations

import hashlib
from json.encoder import c_make_encoder, encode_basestring_ascii
from typing import Any

from hpobench.trial import Record

_NOT_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}  # as json writes them


def jsonable(value: Any) -> Any:
    """What json writes for a value it cannot write itself (``default=``): numpy numbers and arrays."""
    import numpy as np  # only for values that are not plain Python ones

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot record a {type(value).__name__} in a trial record")


def _encoder(key_separator: str, item_separator: str, sort_keys: bool):
    # c_make_encoder(markers, default, encoder, indent, key_separator, item_separator, sort_keys, skipkeys, allow_nan);
    # JSONEncoder's own settings, without the cycle check (records hold no cycles).
    if c_make_encoder is None:  # a Python without json's C accelerator
        import json

        coder = json.JSONEncoder(default=jsonable, separators=(item_separator, key_separator), sort_keys=sort_keys)
        return lambda value: coder.encode(value)
    made = c_make_encoder(None, jsonable, encode_basestring_ascii, None, key_separator, item_separator, sort_keys,
                          False, True)
    return lambda value: "".join(made(value, 0))


line_json = _encoder(": ", ", ", False)  # json.dumps(value, default=jsonable)
canonical_json = _encoder(":", ",", True)  # json.dumps(value, default=jsonable, sort_keys=True, separators=(",", ":"))

_float_repr, _int_repr = float.__repr__, int.__repr__


class _Nested(Exception):
    """A container where a scalar was expected: its two JSON forms differ, so json's encoders write it."""


def _scalar(value: Any) -> str:
    """The JSON of a number, string, bool or None, the same in both forms; json's encoder for other scalars."""
    kind = type(value)
    if kind is float:
        text = _float_repr(value)
        return text if text[-1] <= "9" else _NOT_FINITE[text]  # a finite repr ends in a digit
    if kind is int:
        return _int_repr(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, (dict, list, tuple)):
        raise _Nested
    return line_json(value)  # a numpy number, say


class _Layout:
    """How a dict with these keys is written: in its own order for the line, in sorted order for the canonical
    form; format strings made once, since a run's configurations all have the same keys."""

    def __init__(self, keys: tuple[str, ...]):
        coded = [encode_basestring_ascii(k).replace("{", "{{").replace("}", "}}") for k in keys]
        self.line = "{{" + ", ".join(f"{k}: {{{i}}}" for i, k in enumerate(coded)) + "}}"
        order = sorted(range(len(keys)), key=keys.__getitem__)  # json sorts by key
        self.canonical = "{{" + ",".join(f"{coded[i]}:{{{i}}}" for i in order) + "}}"


_LAYOUTS: dict[tuple[str, ...], _Layout] = {}
_MAX_LAYOUTS = 64  # a method that varies the keys (it cannot: the space fixes them) would only fill memory


def _mapping(value: Any) -> tuple[str, str]:
    """The line and canonical JSON of a field that should hold a dict of scalars (``config``, ``info``)."""
    if type(value) is dict:
        if not value:
            return "{}", "{}"
        keys = tuple(value)
        layout = _LAYOUTS.get(keys)
        if layout is None and all(type(k) is str for k in keys):
            layout = _Layout(keys)
            if len(_LAYOUTS) < _MAX_LAYOUTS:
                _LAYOUTS[keys] = layout
        if layout is not None:
            try:
                texts = [f"{v!r}" if type(v) is float and v - v == 0.0 else _scalar(v) for v in value.values()]
            except _Nested:
                pass
            else:
                return layout.line.format(*texts), layout.canonical.format(*texts)
    return line_json(value), canonical_json(value)


def _number(value: Any) -> str:
    """``_scalar`` for a field that is nearly always a finite float, without the call when it is one."""
    return f"{value!r}" if type(value) is float and value - value == 0.0 else _scalar(value)


def record_texts(record: Record) -> tuple[str, str]:
    """The record's line in trials.jsonl (with its newline) and its canonical JSON (see the module's docstring)."""
    s = _scalar
    config, info = record.config, record.info
    layout = _LAYOUTS.get(tuple(config)) if type(config) is dict else None
    try:  # _mapping's usual case, inline
        texts = [f"{v!r}" if type(v) is float and v - v == 0.0 else s(v) for v in config.values()] if layout else ()
    except _Nested:
        layout = None
    config, config_c = (layout.line.format(*texts), layout.canonical.format(*texts)) if layout else _mapping(config)
    info, info_c = ("{}", "{}") if type(info) is dict and not info else _mapping(info)
    # the usual types inline (a call per field costs as much as the float's repr): floats whose difference with
    # themselves is 0 are finite, and finite floats are written as their repr
    loss, test_loss, cost = record.loss, record.test_loss, record.cost
    loss = f"{loss!r}" if type(loss) is float and loss - loss == 0.0 else s(loss)
    test_loss = "null" if test_loss is None else _number(test_loss)
    cost = f"{cost!r}" if type(cost) is float and cost - cost == 0.0 else s(cost)
    budget, start, end = record.budget_used, record.sim_start, record.sim_end
    budget = f"{budget!r}" if type(budget) is float and budget - budget == 0.0 else s(budget)
    start = f"{start!r}" if type(start) is float and start - start == 0.0 else s(start)
    end = f"{end!r}" if type(end) is float and end - end == 0.0 else s(end)
    wall, tell = record.wall_time, record.optimizer_time
    wall = f"{wall!r}" if type(wall) is float and wall - wall == 0.0 else s(wall)
    tell = f"{tell!r}" if type(tell) is float and tell - tell == 0.0 else s(tell)
    fidelity, parent, error = record.fidelity, record.parent, record.error
    fidelity = "null" if fidelity is None else s(fidelity)
    parent = "null" if parent is None else s(parent)
    error = "null" if error is None else s(error)
    status = record.status
    status = '"ok"' if status == "ok" and type(status) is str else s(status)
    continued = "true" if record.continued is True else "false" if record.continued is False else s(record.continued)
    trial_id, worker = record.trial_id, record.worker
    trial_id = f"{trial_id!r}" if type(trial_id) is int else s(trial_id)
    worker = f"{worker!r}" if type(worker) is int else s(worker)
    line = (f'{{"trial_id": {trial_id}, "config": {config}, "fidelity": {fidelity}, "parent": {parent}, '
            f'"continued": {continued}, "status": {status}, "loss": {loss}, "test_loss": {test_loss}, '
            f'"cost": {cost}, "error": {error}, "budget_used": {budget}, "sim_start": {start}, "sim_end": {end}, '
            f'"worker": {worker}, "wall_time": {wall}, "optimizer_time": {tell}, "info": {info}}}\n')
    canonical = (f'{{"budget_used":{budget},"config":{config_c},"continued":{continued},"cost":{cost},'
                 f'"error":{error},"fidelity":{fidelity},"info":{info_c},"loss":{loss},"parent":{parent},'
                 f'"sim_end":{end},"sim_start":{start},"status":{status},"test_loss":{test_loss},'
                 f'"trial_id":{trial_id},"worker":{worker}}}')
    return line, canonical


def canonical_text(record: Record) -> str:
    """The record's deterministic part as the fingerprint hashes it."""
    return record_texts(record)[1]


class TrialsDigest:
    """The fingerprint of a list of records, built one record at a time.

    Equal to ``storage.fingerprint(records)``: SHA-256 of the canonical JSON
    of the list, ``[`` + the records' canonical texts joined by ``,`` + ``]``.
    """

    def __init__(self):
        self._hash = hashlib.sha256(b"[")
        self._first = True

    def add(self, canonical: str) -> None:
        self._hash.update(canonical.encode() if self._first else b"," + canonical.encode())
        self._first = False

    def hexdigest(self) -> str:
        done = self._hash.copy()
        done.update(b"]")
        return done.hexdigest()
