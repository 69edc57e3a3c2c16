"""The hyperparameter schedules that PBT discovered, from a run's trials.jsonl alone.

    python -m hpobench.analysis.lineage results/default/digits/pbt/seed=0 [--out figures/]

Every PBT step is a trial whose ``parent`` is the checkpoint it continued, so
following parents back from the members alive at the end gives each surviving
lineage: the settings its weights were trained with, segment by segment.
"""

from __future__ import annotations

import argparse
import numbers
import sys
from pathlib import Path

import numpy as np

from hpobench.analysis.style import COLOURS, figure, log_ticks, save, styled
from hpobench.cli import check_writable, end_quietly_on_closed_output, run_command
from hpobench.errors import UserError
from hpobench.storage import RunFolder
from hpobench.trial import Record


def surviving_lineages(records: list[Record]) -> list[list[Record]]:
    """Chains of trials, root first, ending at the trials that reached the highest
    fidelity and that no later trial continued; one chain per surviving member."""
    by_id = {r.trial_id: r for r in records}
    continued = {r.parent for r in records if r.parent is not None}
    top = max(r.fidelity for r in records)
    chains = []
    for leaf in sorted((r for r in records if r.fidelity == top and r.trial_id not in continued),
                       key=lambda r: r.trial_id):
        chain = [leaf]
        while chain[-1].parent is not None:
            chain.append(by_id[chain[-1].parent])
        chains.append(chain[::-1])
    return chains


@styled
def plot_schedules(records: list[Record], out: Path) -> list[Path]:
    """One panel per numeric hyperparameter (its value against fidelity, one
    line per surviving lineage) and one of the population's loss over time."""
    chains = surviving_lineages(records)
    params = [k for k, v in records[0].config.items() if isinstance(v, numbers.Real) and not isinstance(v, bool)]
    fig, axes = figure(len(params) + 1)
    for ax, name in zip(axes, params):
        for i, chain in enumerate(chains):
            edges = [0.0] + [float(r.fidelity) for r in chain]
            ax.stairs([r.config[name] for r in chain], edges, color=COLOURS[i % len(COLOURS)], baseline=None)
        values = np.array([r.config[name] for r in records], dtype=float)
        if values.min() > 0 and values.max() / values.min() > 20:  # spans decades: a log-scaled setting
            ax.set_yscale("log")
            log_ticks(ax.yaxis)
        ax.set_xlabel("fidelity")
        ax.set_ylabel(name)
    loss_ax = axes[-1]
    ok = [r for r in records if r.status == "ok"]
    end = np.array([r.sim_end for r in ok])
    loss = np.array([r.loss for r in ok])
    loss_ax.scatter(end, loss, s=6, color=COLOURS[7], label="every step")
    order = np.argsort(end, kind="stable")
    loss_ax.step(end[order], np.minimum.accumulate(loss[order]), where="post", color=COLOURS[0], label="best so far")
    loss_ax.set_xlabel("simulated time (s)")
    loss_ax.set_ylabel("loss")
    loss_ax.legend(frameon=False)
    fig.suptitle(f"{len(chains)} surviving lineages")
    return save(fig, out / "pbt-schedules")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hpobench.analysis.lineage", description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="the folder of one PBT run (it holds trials.jsonl)")
    parser.add_argument("--out", type=Path, default=None, help="where to write the figure (default: the run folder)")
    args = parser.parse_args(argv)
    return run_command("hpobench.analysis.lineage", lambda: _plot(args.run, args.out or args.run))


def _plot(run: Path, out: Path) -> int:
    records = RunFolder(run).read_trials()
    if not records:
        raise UserError(f"{run} holds no trials; give the folder of a PBT run.")
    if any(r.fidelity is None for r in records) or all(r.parent is None for r in records):
        raise UserError(f"{run} is not a PBT run (its trials have no fidelity or continue no parent); "
                        f"give the folder of a PBT run.")
    check_writable(out, "give a writable folder with --out")
    for path in plot_schedules(records, out):
        print(path)
    return 0


if __name__ == "__main__":
    end_quietly_on_closed_output()
    sys.exit(main())
