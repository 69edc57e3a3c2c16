"""Write tests/fixtures/lcbench_yahpo.json: raw LCBench surrogate outputs for fixed inputs.

yahpo_gym itself cannot be installed offline here, so this script reproduces
what its ``BenchmarkSet.objective_function`` does for the ``lcbench``
scenario, step by step, without importing hpobench.tasks.lcbench:

1. ``x_cat``: ``encoding.json["OpenML_task_id"][str(task_id)]`` as int32,
   shape [n, 1] (yahpo: ``_integer_encode`` over ``cat_names``).
2. ``x_cont``: the raw values in yahpo's ``cont_names`` order for lcbench
   (epoch, batch_size, learning_rate, momentum, weight_decay, num_layers,
   max_units, max_dropout) as float32, shape [n, 8]; no transform.
3. ``session.run`` on ``model.onnx`` feeding the first input name with x_cat
   and the second with x_cont; the outputs are named by yahpo's ``y_names``
   (time, val_accuracy, val_cross_entropy, val_balanced_accuracy,
   test_cross_entropy, test_balanced_accuracy).

Run: ``python scripts/make_lcbench_fixture.py`` (from the repository root).
"""

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort

DATA = Path("hpobench/data/lcbench")
CONT_NAMES = ["epoch", "batch_size", "learning_rate", "momentum", "weight_decay", "num_layers", "max_units",
              "max_dropout"]
Y_NAMES = ["time", "val_accuracy", "val_cross_entropy", "val_balanced_accuracy", "test_cross_entropy",
           "test_balanced_accuracy"]
CONFIGS = [  # YAHPO's config-space defaults, and two corners of the space
    {"batch_size": 91, "learning_rate": 0.0031622777, "momentum": 0.545, "weight_decay": 0.050005,
     "num_layers": 3, "max_units": 256, "max_dropout": 0.5},
    {"batch_size": 16, "learning_rate": 0.1, "momentum": 0.99, "weight_decay": 1e-05, "num_layers": 5,
     "max_units": 1024, "max_dropout": 0.0},
    {"batch_size": 512, "learning_rate": 0.0001, "momentum": 0.1, "weight_decay": 0.1, "num_layers": 1,
     "max_units": 64, "max_dropout": 1.0},
]
INSTANCES = ["3945", "7593", "189909"]


def main() -> None:
    encoding = json.loads((DATA / "encoding.json").read_text())["OpenML_task_id"]
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(DATA / "model.onnx"), sess_options=options, providers=["CPUExecutionProvider"])
    first, second = (i.name for i in session.get_inputs())
    cases = []
    for instance in INSTANCES:
        for config in CONFIGS:
            epochs = range(1, 53)
            x_cont = np.array([[e] + [config[n] for n in CONT_NAMES[1:]] for e in epochs], dtype=np.float32)
            x_cat = np.full((len(x_cont), 1), encoding[instance], dtype=np.int32)
            y = session.run(None, {first: x_cat, second: x_cont})[0]
            cases.append({"instance": instance, "config": config,
                          "outputs": {name: y[:, j].tolist() for j, name in enumerate(Y_NAMES)}})
    out = Path("tests/fixtures/lcbench_yahpo.json")
    out.write_text(json.dumps({"about": __doc__.strip().splitlines()[0], "cases": cases}) + "\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
