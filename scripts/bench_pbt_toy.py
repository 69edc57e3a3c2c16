"""PBT against its ablations and plain search on the PBT paper's toy problem.

    python scripts/bench_pbt_toy.py [--seeds 10] [--steps 40,100,200]

For each number of gradient steps, two settings, every method given the same
compute (the same number of gradient steps in all):
* the paper's: two members (one worker each) starting at h = (1, 0) and
  (0, 1), stepped in synchronous generations as the paper's two workers are,
  ready every 4 steps, Gaussian perturbation of h (std 0.1), no resampling;
  "grid" is the paper's baseline of training those two settings without
  exploit or explore; random search trains two random settings to the end;
* a generic one: eight members drawn at random on eight workers, the method's
  defaults (asynchronous, truncation 20 %, perturb by 0.8 / 1.2, resample
  with probability 0.25); random search trains eight random settings.
Prints the mean ± standard deviation of the best Q = -loss reached (the
optimum is 1.2) and, for each baseline, in how many seeds PBT reached a
higher Q than it (ties count half).
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
ABLATIONS = {"explore only": {"exploit": False}, "exploit only": {"explore": False},
             "grid": {"exploit": False, "explore": False}}


def settings() -> dict[str, tuple[int, dict]]:
    paper = dict(population_size=2, ready=4, initial=PAPER_START, perturbation="gaussian", resample_probability=0.0,
                 synchronous=True)
    generic = dict(population_size=8, ready=4)
    return {"paper's toy (2 members, fixed start)": (2, paper), "8 random members, defaults": (8, generic)}


def best_q(make_method, task: PBTToy, seed: int, full_trainings: int, workers: int) -> float:
    return -run(make_method, task, seed=seed, budget=Budget(fidelity=full_trainings), workers=workers).best["loss"]


def wins(mine: list[float], other: list[float]) -> float:
    """Seeds in which ``mine`` is higher, ties counting half."""
    return sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in zip(mine, other))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--steps", default="40,100,200", help="comma-separated numbers of gradient steps")
    args = parser.parse_args()
    seeds = range(args.seeds)
    columns = ["PBT", *ABLATIONS, "random search"]
    print(f"PBT toy, step size {PBTToy().step_size}; best Q (optimum 1.2), mean ± std over {args.seeds} seeds, "
          f"and in brackets the seeds (of {args.seeds}) in which PBT is ahead.\n")
    print("| steps | setting | " + " | ".join(columns) + " |")
    print("|---:|---|" + "---:|" * len(columns))
    for steps in (int(s) for s in args.steps.split(",")):
        task = PBTToy(steps=steps)
        for name, (members, kwargs) in settings().items():
            # PBT ends by itself once every member has trained all steps: a budget of 10 trainings each is ample
            runs = {"PBT": [best_q(partial(PBT, **kwargs), task, s, 10 * members, members) for s in seeds]}
            for label, extra in ABLATIONS.items():
                runs[label] = [best_q(partial(PBT, **kwargs, **extra), task, s, 10 * members, members) for s in seeds]
            runs["random search"] = [best_q(RandomSearch, task, s, members, members) for s in seeds]
            cells = [f"{np.mean(runs['PBT']):.3f} ± {np.std(runs['PBT']):.3f}"]
            cells += [f"{np.mean(runs[c]):.3f} ± {np.std(runs[c]):.3f} ({wins(runs['PBT'], runs[c]):g})"
                      for c in columns[1:]]
            print(f"| {steps} | {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
