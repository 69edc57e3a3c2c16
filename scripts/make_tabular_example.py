"""Write hpobench/data/examples/lcbench_grid.csv, the example table of ``task=tabular``.

A small grid of learning curves read off the LCBench surrogate (YAHPO Gym,
Apache-2.0; see hpobench/data/lcbench/README.md) for OpenML task 7593:
learning rate x batch size x number of layers (other hyperparameters at
YAHPO's defaults), every epoch 1-52, with the validation accuracy (%), the
test balanced accuracy and the predicted cumulative training time in
seconds (as predicted, so it may dip a little between epochs).

Run from the repository root: ``python scripts/make_tabular_example.py``.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from hpobench.tasks.lcbench import EPOCHS, LCBench

DEFAULTS = {"momentum": 0.545, "weight_decay": 0.050005, "max_units": 256, "max_dropout": 0.5}


def main() -> None:
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
    main()
