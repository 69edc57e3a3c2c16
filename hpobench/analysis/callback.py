"""A Hydra callback: analyse the sweep's study folder when a multirun ends.

Registered in ``conf/config.yaml`` under ``hydra.callbacks.analysis``, so
``python -m hpobench -m method=random,grid task=branin seed=0,1,2,3,4`` ends
with the figures written to ``<results_dir>/<study>/analysis/`` and their
paths printed. When ``study`` itself is swept, the sweep folder holds no
runs, and the whole results folder is analysed instead (each study on its
own). Turn it off with ``~hydra.callbacks.analysis`` on the command line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from hpobench.storage import find_runs


class AnalysisCallback(Callback):
    """Runs ``hpobench.analysis.analyse`` on the sweep folder at the end of a multirun.

    Args:
        band: ``"sem"``, ``"iqr"`` or ``"range"``, as ``--band`` of the command line.
        incumbent: ``"any"`` or ``"full"``, as ``--incumbent``.
        out: where to write; None: the ``analysis`` folder beside the study folders.
        html: also write the interactive ``report.html`` of each study.
    """

    def __init__(self, band: str = "sem", incumbent: str = "any", out: str | None = None, html: bool = True):
        self.band = band
        self.incumbent = incumbent
        self.out = out
        self.html = html

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        root = Path(config.hydra.sweep.dir)
        if not find_runs(root):
            # With study= swept, the sweep folder is the default study's, not the runs'; the
            # results folder holds every study the sweep wrote (and others, analysed alike).
            root = Path(config.results_dir)
        if not find_runs(root):
            print(f"hpobench.analysis: no runs in {root}; nothing to analyse", file=sys.stderr)
            return
        from hpobench.analysis.report import Options, analyse  # here: single runs need none of it

        try:
            report = analyse(root, self.out, Options(band=self.band, incumbent=self.incumbent, html=self.html))
        except Exception as error:  # the runs are done and saved; a failed analysis must not hide that
            print(f"hpobench.analysis: the analysis failed ({type(error).__name__}: {error}); the results are "
                  f"safe in {root}; rerun it with: python -m hpobench.analysis {root}", file=sys.stderr)
            return
        print(report.summary())
