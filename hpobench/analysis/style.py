"""One look for every figure: method styles, sizes for a two-column paper, saving.

Each method keeps one colour, marker and line style in every figure of an
analysis (assigned in sorted order of the method names), so a reader can
follow it from the curves to the ranks and the cost view. Colours are the
Okabe-Ito palette (safe for colour blindness); markers and line styles keep
the methods apart in greyscale print. Figures are drawn with the Agg
renderer without pyplot, so no display is needed and the caller's
matplotlib backend is left alone.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hpobench.storage import atomic_target

# Saving PDFs subsets fonts with fontTools, which logs every step at INFO; under
# Hydra's logging (INFO to stdout) that would bury the figure paths.
logging.getLogger("fontTools").setLevel(logging.WARNING)

COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#999999")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
LINESTYLES = ("-", "--", ":", "-.")

COLUMN_WIDTH = 3.35  # inches: one column of a two-column paper
TEXT_WIDTH = 7.0  # inches: both columns
PANEL_HEIGHT = 1.9

RC = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "lines.linewidth": 1.2,
    "lines.markersize": 4,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.5,
    "pdf.fonttype": 42,  # TrueType fonts, which paper submission systems accept
    "savefig.dpi": 200,
}


F = TypeVar("F", bound=Callable[..., Any])


def styled(draw: F) -> F:
    """Run a drawing function under the paper style, leaving the caller's matplotlib settings alone."""

    @functools.wraps(draw)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with matplotlib.rc_context(RC):
            return draw(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class MethodStyle:
    """How one method is drawn."""

    colour: str
    marker: str
    linestyle: str

    def line(self) -> dict[str, str]:
        """Keyword arguments for ``Axes.plot``."""
        return {"color": self.colour, "marker": self.marker, "linestyle": self.linestyle}


def method_styles(methods: list[str]) -> dict[str, MethodStyle]:
    """A distinct style for every method, fixed by the sorted method names."""
    return {name: MethodStyle(COLOURS[i % len(COLOURS)], MARKERS[i % len(MARKERS)], LINESTYLES[i % len(LINESTYLES)])
            for i, name in enumerate(sorted(methods))}


def figure(panels: int, width: float | None = None, height: float = PANEL_HEIGHT,
           columns: int = 3) -> tuple[Figure, list[Axes]]:
    """A figure with ``panels`` axes in balanced rows of at most ``columns``.

    One panel fits one paper column; more take the full text width. Call it
    from a function decorated with ``styled``.
    """
    rows = -(-panels // columns)
    columns = -(-panels // rows)  # balance the rows: 4 panels as 2 x 2, not 3 + 1
    width = width or (COLUMN_WIDTH if panels == 1 else TEXT_WIDTH)
    fig = new_figure((width, height * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    flat = list(axes.flat)
    for ax in flat[panels:]:
        ax.set_visible(False)
    return fig, flat[:panels]


def new_figure(size: tuple[float, float], layout: str | None = None) -> Figure:
    """A figure drawn by Agg (PNG) and written to PDF as well, outside pyplot.

    Not using pyplot leaves the caller's backend (a notebook's, say) and
    pyplot's list of open figures alone.
    """
    fig = Figure(figsize=size, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def save(fig: Figure, path: Path) -> list[Path]:
    """Write ``path`` with suffixes .pdf and .png; returns the paths."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written = []
    # constrained layout already fits everything in; "tight" would lay the figure out again
    constrained = fig.get_layout_engine() is not None
    for suffix in (".pdf", ".png"):
        target = path.with_suffix(suffix)
        with atomic_target(target) as tmp:  # a killed analysis leaves no truncated figure under its final name
            fig.savefig(tmp, format=suffix[1:], bbox_inches=None if constrained else "tight")
        written.append(target)
        if constrained:
            fig.set_layout_engine("none")  # laid out for the first file: keep that layout for the second
    return written
