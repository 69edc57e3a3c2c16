"""PBT against random search on real training (task=digits), at equal total epochs.

    python scripts/bench_pbt_digits.py [--seeds 5] [--out docs/figures]

PBT with a population of 8 (the method's defaults: a step of one epoch,
truncation 20 %, perturb by 0.8 / 1.2 or resample with probability 0.25)
against random search training 8 configurations for the full 10 epochs:
the same 80 epochs in all. The model's width is fixed (``tune_model=false``)
so that PBT's explore changes only optimiser settings, for both methods.
Prints the best validation accuracy each reached (mean ± std over seeds) and
draws PBT's schedules for the first seed.
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

import numpy as np

from hpobench import Budget, run
from hpobench.analysis.lineage import plot_schedules
from hpobench.methods.pbt import PBT
from hpobench.methods.random_search import RandomSearch
from hpobench.tasks.digits import Digits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("docs/figures"))
    args = parser.parse_args()
    task = Digits(tune_model=False, threads=1, device="cpu")
    population = 8
    rows = {"PBT, population 8": [], "random search, 8 full trainings": []}
    for seed in range(args.seeds):
        pbt = run(partial(PBT, population_size=population), task, seed=seed, budget=Budget(evals=10_000))
        rand = run(RandomSearch, task, seed=seed, budget=Budget(fidelity=population))
        rows["PBT, population 8"].append(100 * (1 - pbt.best["loss"]))
        rows["random search, 8 full trainings"].append(100 * (1 - rand.best["loss"]))
        epochs = pbt.records[-1]["budget_used"] * task.fidelity.max
        print(f"seed {seed}: PBT {rows['PBT, population 8'][-1]:.2f} % ({epochs:.0f} epochs), "
              f"random {rows['random search, 8 full trainings'][-1]:.2f} %", flush=True)
        if seed == 0:
            print("figure:", *plot_schedules(pbt.records, args.out))
    print(f"\ndigits, best validation accuracy (%), mean ± std over {args.seeds} seeds:\n")
    print("| method | validation accuracy (%) |")
    print("|---|---:|")
    for name, accs in rows.items():
        print(f"| {name} | {np.mean(accs):.2f} ± {np.std(accs):.2f} |")


if __name__ == "__main__":
    main()
