"""What every command line of hpobench does the same way.

* A ``UserError`` is printed as ``<prog>: error: <sentence>`` and the
  command exits with status 2, the status argparse gives a bad argument.
* Output piped into a reader that stops early (``| head``) ends the command
  quietly, as Unix tools end: the default SIGPIPE action, instead of a
  ``BrokenPipeError`` traceback. Result files are safe whenever a process
  dies (runs resume, every other file is renamed into place when complete).
"""

from __future__ import annotations

import importlib.machinery
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from hpobench.errors import UserError

BAD_INPUT = 2


def run_command(prog: str, main: Callable[[], int | None]) -> int:
    """``main()``'s exit status; 2 with one line on stderr when it raises a ``UserError``."""
    try:
        check_not_shadowed()
        return main() or 0
    except UserError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return BAD_INPUT


def end_quietly_on_closed_output() -> None:
    """Die of SIGPIPE, silently, when stdout is a pipe that its reader closed (call only from ``__main__``)."""
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def check_writable(folder: Path, how: str) -> None:
    """Refuse an output folder that cannot be written before any work is done; ``how`` names the way out."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise UserError(f"Cannot write to {folder} ({error.strerror or error}); {how}.") from None


def check_not_shadowed() -> None:
    """Refuse to go on when a folder named ``hpobench`` in the working directory would be imported instead of
    this package by the Python processes a command starts (``python -m`` puts the working directory first)."""
    here = Path(__file__).resolve().parent
    spec = importlib.machinery.PathFinder.find_spec("hpobench", [os.getcwd(), *sys.path[1:]])
    found = [Path(p).resolve() for p in (spec.submodule_search_locations or [])] if spec else [here]
    if found != [here]:
        raise UserError(f"The folder {found[0]} is imported as the hpobench package instead of {here}, "
                        f"because it is named hpobench and lies in the working directory; run from another "
                        f"folder (or rename that one).")
