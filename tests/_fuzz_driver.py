"""Run many command lines of hpobench's entry points in one process (for tests/test_fuzz_cli.py).

    python tests/_fuzz_driver.py CASES.json SANDBOX RESULT.json

Each case is ``[module, argv]``. It runs as ``python -m module *argv`` would,
in-process (one interpreter start for all cases), from ``SANDBOX/cwd``, and
the result records its exit status, its stderr and stdout, whether an
exception escaped, and every file it created, changed or removed in SANDBOX.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import runpy
import sys
import traceback
from pathlib import Path


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file() or (p.is_dir() and not any(p.iterdir()))}


def run_case(module: str, argv: list[str]) -> tuple[int | None, str, str, str | None]:
    """Run the module as ``python -m`` does (its ``__main__`` block included), with stdout and stderr caught."""
    out, err = io.StringIO(), io.StringIO()
    code, escaped = None, None
    sys.argv = [module, *argv]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        except BaseException:  # recorded: an escaping exception is what the fuzz looks for
            escaped = traceback.format_exc()
    return code, out.getvalue(), err.getvalue(), escaped


def main() -> None:
    cases, sandbox, result = json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]), Path(sys.argv[3])
    os.chdir(sandbox / "cwd")
    os.environ.pop("HYDRA_FULL_ERROR", None)
    results = []
    for module, argv in cases:
        before = snapshot(sandbox)
        code, out, err, escaped = run_case(module, argv)
        after = snapshot(sandbox)
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        results.append({"module": module, "argv": argv, "code": code, "stdout": out[-2000:], "stderr": err[-2000:],
                        "escaped": escaped, "changed": changed})
    result.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
