"""Write hpobench/data/examples/lcbench_grid.csv, the example table of ``task=tabular``.

A small grid of learning curves read off the LCBench surrogate (YAHPO Gym,
Apache-2.0; see hpobench/data/lcbench/README.md) for OpenML task 7593:
learning rate x batch size x number of layers (other hyperparameters at
YAHPO's defaults), every epoch 1-52, with the validation accuracy (%), the
test balanced accuracy and the predicted cumulative training time in
seconds (as predicted, so it may dip a little between epochs).

Run from the repository root: ``python scripts/make_tabular_example.py``.

``--runs runs.csv`` writes instead the small table of the README's "Your
own table" (columns ``lr, batch, epoch, val_acc, seconds``; validation
accuracy as a fraction): the shipped grid's 3-layer networks, renamed, so the
README's command runs on a fresh clone without a table of your own.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from hpobench.tasks.lcbench import EPOCHS, LCBench

DEFAULTS = {"momentum": 0.545, "weight_decay": 0.050005, "max_units": 256, "max_dropout": 0.5}


EXAMPLE = Path(__file__).resolve().parents[1] / "hpobench" / "data" / "examples" / "lcbench_grid.csv"
README_COLUMNS = {"learning_rate": "lr", "batch_size": "batch", "epoch": "epoch", "val_accuracy": "val_acc",
                  "time": "seconds"}


def write_runs(path: Path) -> None:
    """The README's example table, from the shipped grid."""
    grid = pd.read_csv(EXAMPLE)
    table = grid[grid["num_layers"] == 3][list(README_COLUMNS)].rename(columns=README_COLUMNS)
    table["val_acc"] = (table["val_acc"] / 100).round(6)
    table.to_csv(path, index=False)
    print(f"wrote {len(table)} rows ({len(table[['lr', 'batch']].drop_duplicates())} configurations) to {path}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, help="write the README's runs.csv example here instead")
    args = parser.parse_args(argv)
    if args.runs:
        write_runs(args.runs)
        return
    task = LCBench(7593)
    rows = []
    for lr in (0.001, 0.01, 0.1):
        for batch in (32, 128, 512):
            for layers in (1, 3, 5):
                config = {**DEFAULTS, "learning_rate": lr, "batch_size": batch, "num_layers": layers}
                out = task.predict(config, np.arange(1, EPOCHS + 1))
                for epoch in range(1, EPOCHS + 1):
                    time, val, *_, test_bal = out[epoch - 1]
                    rows.append({"learning_rate": lr, "batch_size": batch, "num_layers": layers, "epoch": epoch,
                                 "val_accuracy": round(val, 4), "test_balanced_accuracy": round(test_bal, 5),
                                 "time": round(time, 3)})
    path = Path("hpobench/data/examples/lcbench_grid.csv")
    pd.DataFrame(rows).to_csv(path, index=False)
    print(f"wrote {len(rows)} rows to {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
