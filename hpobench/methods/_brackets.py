"""Bracket and rung arithmetic shared by successive halving, Hyperband, BOHB and ASHA.

Hyperband (Li et al., "Hyperband: A Novel Bandit-Based Approach to
Hyperparameter Optimization", JMLR 2018, Algorithm 1) with maximum fidelity
``R``, minimum fidelity ``r`` and reduction factor ``eta``:

* ``s_max = floor(log_eta(R / r))``; brackets ``s = s_max, ..., 0``;
* bracket ``s`` starts ``n = ceil((s_max + 1) / (s + 1) * eta^s)``
  configurations at fidelity ``R eta^-s``;
* rung ``i = 0..s`` holds ``n_i = floor(n eta^-i)`` configurations at
  fidelity ``r_i = R eta^(i - s)``, the best ``n_(i+1)`` going on to rung i+1.

The paper counts fidelity in units of the minimum (r = 1); here ``R / r`` takes
that place, so bracket ``s_max``'s lowest fidelity ``R eta^-s_max`` lies in
``[r, r eta)``, as in HpBandSter. Integer fidelities are rounded to the
nearest whole number (halves up), which keeps the rungs apart because
consecutive rungs differ by a factor eta > 1 and are at least 1.

ASHA (Li et al., MLSys 2020) uses the rungs of the most exploratory bracket.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hpobench.errors import UserError
from hpobench.fidelity import Fidelity

# Tolerance for floors and ceilings of quantities that are whole numbers in
# exact arithmetic but not in floating point (e.g. 5/3 * 9 = 15.000000000000002).
_EPS = 1e-9


@dataclass(frozen=True)
class Bracket:
    """One successive-halving bracket of Hyperband.

    Attributes:
        s: the bracket's index; it has ``s + 1`` rungs.
        n: configurations per rung, ``n[0]`` sampled fresh, ``n[i+1]`` promoted.
        r: fidelity per rung, increasing, ``r[-1]`` the maximum.
    """

    s: int
    n: tuple[int, ...]
    r: tuple[float, ...]


@dataclass(frozen=True)
class FidelityRange:
    """The fidelities a method works between, after settings and checks."""

    min: float
    max: float
    eta: float
    integer: bool

    @property
    def s_max(self) -> int:
        """``floor(log_eta(max / min))``: the index of the most exploratory bracket."""
        return max_bracket(self.min, self.max, self.eta)


def max_bracket(r_min: float, r_max: float, eta: float) -> int:
    """``floor(log_eta(r_max / r_min))``, robust to rounding (log_3(81) must be 4)."""
    return math.floor(math.log(r_max / r_min) / math.log(eta) + _EPS)


def rung_fidelities(s: int, fid: FidelityRange) -> tuple[float, ...]:
    """Fidelities ``max * eta^(i - s)`` for ``i = 0..s``, rounded when integer."""
    values = []
    for i in range(s + 1):
        r = fid.max * fid.eta ** (i - s)
        if fid.integer:
            r = math.floor(r + 0.5)
        values.append(min(max(r, fid.min), fid.max))
    values[-1] = fid.max  # exact, whatever the powers of eta round to
    return tuple(values)


def bracket(s: int, fid: FidelityRange) -> Bracket:
    """Hyperband's bracket ``s`` (Li et al. 2018, Algorithm 1)."""
    s_max = fid.s_max
    if not 0 <= s <= s_max:
        raise ValueError(f"bracket s={s} is outside 0..{s_max}")
    n = math.ceil((s_max + 1) / (s + 1) * fid.eta**s - _EPS)
    sizes = tuple(math.floor(n * fid.eta ** (-i) + _EPS) for i in range(s + 1))
    return Bracket(s, sizes, rung_fidelities(s, fid))


def hyperband_schedule(fid: FidelityRange) -> list[Bracket]:
    """All of Hyperband's brackets, most exploratory first: ``s = s_max, ..., 0``."""
    return [bracket(s, fid) for s in range(fid.s_max, -1, -1)]


def resolve(fidelity: Fidelity | None, eta: float, min_fidelity: float | None, max_fidelity: float | None,
            method: str) -> FidelityRange | None:
    """Check the method's settings against the task's fidelity.

    Returns None when the task has no fidelity: the runner then refuses the
    task with its own message, since these methods require one.
    """
    if isinstance(eta, bool) or not isinstance(eta, (int, float)) or not eta > 1:
        raise UserError(f"{method}: eta must be a number above 1, got {eta!r}; the papers' default is 3.")
    if fidelity is None:
        return None
    low = fidelity.min if min_fidelity is None else min_fidelity
    high = fidelity.max if max_fidelity is None else max_fidelity
    if not fidelity.min <= low < high <= fidelity.max:
        raise UserError(f"{method}: min_fidelity={low} and max_fidelity={high} must satisfy "
                        f"{fidelity.min} <= min < max <= {fidelity.max} ({fidelity.name}); fix method.min_fidelity "
                        "or method.max_fidelity.")
    if fidelity.integer:
        if low != int(low) or high != int(high):
            raise UserError(f"{method}: the task's {fidelity.name} takes whole numbers, but min_fidelity={low} "
                            f"and max_fidelity={high}; give whole numbers.")
        low, high = int(low), int(high)
    return FidelityRange(low, high, eta, fidelity.integer)
