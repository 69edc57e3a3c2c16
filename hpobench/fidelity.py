"""The fidelity axis of a problem: part of its description, like the search space.

Tasks declare one and methods read it; both import it from here, so that
neither package depends on the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from hpobench.errors import UserError


@dataclass(frozen=True)
class Fidelity:
    """The resource axis of a multi-fidelity task, e.g. epochs.

    Attributes:
        name: what the fidelity counts ("epoch", "z", "trees").
        min: the smallest fidelity that may be asked for.
        max: the full fidelity; a trial without fidelity is evaluated here.
        integer: whether only whole values make sense (epochs do).
    """

    name: str
    min: float
    max: float
    integer: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.min < self.max:
            raise UserError(f"Fidelity {self.name!r} needs 0 < min < max, got min={self.min} and max={self.max}.")

    def check(self, value: float) -> str | None:
        """Return why ``value`` is not a valid fidelity, or None when it is."""
        if not self.min <= value <= self.max:
            return f"fidelity {value} is outside [{self.min}, {self.max}]"
        if self.integer and value != int(value):
            return f"fidelity {value} is not a whole number of {self.name}s"
        return None
