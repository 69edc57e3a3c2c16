"""PBT against its ablations and plain search on the PBT paper's toy problem.

    python scripts/bench_pbt_toy.py [--seeds 10]

Two settings, 10 seeds each, every method given the same compute (the same
number of gradient steps in all):
* the paper's: two members starting at h = (1, 0) and (0, 1), ready every 4
  steps, Gaussian perturbation of h (std 0.1), no resampling; "grid" is the
  paper's baseline of training those two settings without exploit or explore;
* a generic one: eight members drawn at random, the method's defaults
  (truncation 20 %, perturb by 0.8 / 1.2, resample with probability 0.25);
  random search trains eight random settings to the end.
Prints mean ± standard deviation of the best Q = -loss reached (the optimum is 1.2).
"""

from __future__ import annotations

import argparse
from functools import partial

import numpy as np

from hpobench import Budget, run
from hpobench.methods.pbt import PBT
from hpobench.methods.random_search import RandomSearch
from hpobench.tasks.pbt_toy import PBTToy

PAPER_START = [{"h0": 1.0, "h1": 0.0}, {"h0": 0.0, "h1": 1.0}]


def settings() -> dict[str, tuple[int, dict]]:
    paper = dict(population_size=2, ready=4, initial=PAPER_START, perturbation="gaussian", resample_probability=0.0)
    generic = dict(population_size=8, ready=4)
    return {"paper's toy (2 members, fixed start)": (2, paper), "8 random members, defaults": (8, generic)}


def best_q(make_method, task: PBTToy, seed: int, full_trainings: int) -> float:
    return -run(make_method, task, seed=seed, budget=Budget(fidelity=full_trainings)).best["loss"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--steps", type=int, default=40)
    args = parser.parse_args()
    task = PBTToy(steps=args.steps)
    print(f"PBT toy, {args.steps} steps of size {task.step_size}; best Q (optimum 1.2), mean ± std over "
          f"{args.seeds} seeds.\n")
    print("| setting | PBT | explore only | exploit only | grid (start points, no PBT) | random search |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (members, kwargs) in settings().items():
        variants = {"pbt": {}, "explore": {"exploit": False}, "exploit": {"explore": False},
                    "grid": {"exploit": False, "explore": False}}
        cells = []
        for extra in variants.values():
            # PBT ends by itself once every member has trained all steps: no budget needed beyond that
            qs = [best_q(partial(PBT, **kwargs, **extra), task, s, 10 * members) for s in range(args.seeds)]
            cells.append(f"{np.mean(qs):.3f} ± {np.std(qs):.3f}")
        qs = [best_q(RandomSearch, task, s, members) for s in range(args.seeds)]
        cells.append(f"{np.mean(qs):.3f} ± {np.std(qs):.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
