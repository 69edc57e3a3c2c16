"""Paper-style analysis of a results folder: curves, ranks, critical differences, tables, cost.

Use ``python -m hpobench.analysis <results folder>`` or, from Python::

    from hpobench.analysis import analyse
    report = analyse("results/demo", out="figures")
    print(report.figures)
"""

from hpobench.analysis.report import Options, Report, analyse

__all__ = ["Options", "Report", "analyse"]
