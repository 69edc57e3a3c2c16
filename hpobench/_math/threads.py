"""Run small dense linear algebra on one BLAS thread.

GP fits and acquisition optimisation make thousands of calls on matrices of
a few hundred rows, where a multi-threaded BLAS spends more time waking and
synchronising threads than computing; on a busy machine it can be ten times
slower. Optuna's GPSampler limits threads for the same reason.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

_controller = None


@contextlib.contextmanager
def single_blas_thread() -> Iterator[None]:
    """Limit BLAS to one thread inside the block (a no-op without threadpoolctl)."""
    global _controller
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # optional: only a speed-up
        yield
        return
    if _controller is None:
        _controller = ThreadpoolController()  # inspecting the loaded libraries is slow: do it once
    with _controller.limit(limits=1, user_api="blas"):
        yield
