"""Paper-style analysis of a results folder: curves, ranks, critical differences, tables, cost.

Use ``python -m hpobench.analysis <results folder>`` or, from Python::

    from hpobench.analysis import analyse
    report = analyse("results/demo", out="figures")
    print(report.figures)
"""

from typing import Any

__all__ = ["Options", "Report", "analyse"]


def __getattr__(name: str) -> Any:
    # Imported on first use: every `python -m hpobench` run loads the multirun
    # callback from this package, and scipy and matplotlib would add seconds to it.
    if name in __all__:
        from hpobench.analysis import report

        return getattr(report, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
