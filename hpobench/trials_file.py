"""Reading ``trials.jsonl``: what a kill can leave at its end, and what it cannot.

The runner appends one JSON object and its newline per finished trial, so a
process killed mid-write leaves at most one last line cut short: the start
of a JSON object, with or without the newline. That line is the only damage
repaired silently (it is dropped, and the file truncated before appending).
Anything else (a line that is not a JSON object, garbage or NUL bytes after
a record, damage before the last line) did not come from a kill; reading
stops with one sentence naming the file, the line and the ways out: move the
run folder aside, or repair (``repair=true``), which truncates the file to
the last valid trial before the damage and says how many lines it dropped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hpobench.errors import UserError

_NUMBER_TAIL = re.compile(r"[-+.eE0-9]*")  # a number cut off midway: "1.", "2e", "-"
_WORDS = ("true", "false", "null", "NaN", "Infinity", "-Infinity")


@dataclass
class Trials:
    """The rows of a trials file and how much of it to keep.

    Attributes:
        rows: the records, as JSON objects, in file order.
        keep: bytes of the file that hold them (the rest is to be cut off).
        dropped: lines after ``keep`` that do not count (a line cut short by a
            kill, or with ``repair_damage`` everything from the first damaged line).
        newline: the last record is whole but its newline is missing (a kill
            between the two); append one before appending more.
    """

    rows: list[dict[str, Any]]
    keep: int
    dropped: int = 0
    newline: bool = False


def parse(data: bytes, path: Path, repair_damage: bool = False) -> Trials:
    """The trials in ``data`` (the bytes of ``path``).

    Args:
        repair_damage: keep the trials before the first damaged line instead
            of refusing the file (``dropped`` then says how many lines go).
    """
    lines = data.split(b"\n")  # the last item is b"" when the file ends with a newline
    ends_clean = lines[-1] == b""
    body = lines[:-1] if ends_clean else lines
    try:  # the usual case, one parse for the whole file: per-line json.loads costs more than the parsing
        rows = json.loads(b"[" + b",".join(body) + b"]") if body else []
        if all(isinstance(row, dict) for row in rows):
            return Trials(rows, len(data), newline=bool(body) and not ends_clean)
    except (json.JSONDecodeError, UnicodeDecodeError):
        pass
    rows, offset = [], 0
    for number, line in enumerate(body, start=1):
        row = _object(line)
        if row is None:
            last = number == len(body)
            if last and cut_short(line):  # what a kill leaves: the start of a record
                return Trials(rows, offset, 1)
            if repair_damage:
                return Trials(rows, offset, len(body) - number + 1)
            raise UserError(f"{path} is damaged at line {number} of {len(body)} ({_what(line)}), which a "
                            f"killed run cannot leave; move the run folder aside to start it afresh, or rerun "
                            f"with repair=true to keep the {len(rows)} trials before that line and drop "
                            f"{len(body) - number + 1} lines.")
        rows.append(row)
        offset += len(line) + 1
    return Trials(rows, len(data), newline=bool(body) and not ends_clean)


def _object(line: bytes) -> dict[str, Any] | None:
    try:
        row = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return row if isinstance(row, dict) else None


def cut_short(line: bytes) -> bool:
    """Whether ``line`` is the beginning of a JSON object that a kill cut off (rather than garbage)."""
    if not line.startswith(b"{") or b"\0" in line:
        return False
    for trim in range(4):  # a cut may split a multi-byte UTF-8 character
        try:
            text = line[: len(line) - trim].decode("utf-8")
            break
        except UnicodeDecodeError:
            continue
    else:
        return False
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        rest = text[error.pos:]
        return (error.msg.startswith("Unterminated string") or error.pos >= len(text)
                or _NUMBER_TAIL.fullmatch(rest) is not None or any(w.startswith(rest) for w in _WORDS))
    return False  # a whole JSON value is not cut short


def _what(line: bytes) -> str:
    if b"\0" in line:
        return "NUL bytes"
    if not line.strip():
        return "an empty line"
    return "not a JSON object" if not line.lstrip().startswith(b"{") else "garbage after or inside a record"
