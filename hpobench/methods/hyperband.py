"""Hyperband."""

from __future__ import annotations

from hpobench.methods._brackets import Bracket, hyperband_schedule
from hpobench.methods.successive_halving import SuccessiveHalving


class Hyperband(SuccessiveHalving):
    """Hyperband (Li, Jamieson, DeSalvo, Rostamizadeh & Talwalkar, JMLR 2018).

    Successive halving over the paper's exact bracket schedule, cycled until
    the budget is spent: brackets ``s = s_max, ..., 0`` with
    ``s_max = floor(log_eta(max / min))``, bracket ``s`` starting
    ``ceil((s_max + 1) / (s + 1) * eta^s)`` configurations at fidelity
    ``max eta^-s`` and keeping the best ``floor(n_i / eta)`` at each rung
    (see ``_brackets``). For max/min = 81 and eta = 3 that is the paper's
    Table 1: n = 81, 34, 15, 8, 5 at r = 1, 3, 9, 27, 81. (HpBandSter starts
    ``floor((s_max + 1) / (s + 1)) eta^s`` instead, e.g. 27 rather than 34;
    this follows the paper.)

    Configurations are sampled uniformly. Promotions continue from their
    parent trial; failed trials rank last and are not promoted. With several
    workers, a bracket waiting for results lets the next bracket start
    (HpBandSter's choice; ``wait=True`` idles instead) — see
    ``SuccessiveHalving`` for the reasons.

    Args:
        space, fidelity, rng: supplied by the runner.
        eta: reduction factor, 3 by default (the paper's choice).
        min_fidelity, max_fidelity: the fidelity range; the task's by default.
        max_brackets: stop after this many brackets; None runs until the
            budget is spent.
        wait: wait at rung boundaries instead of starting the next bracket.
    """

    def schedule(self) -> list[Bracket]:
        return hyperband_schedule(self.range)
