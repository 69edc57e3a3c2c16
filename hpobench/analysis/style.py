"""One look for every figure: method styles, sizes for a two-column paper, saving.

Each method keeps one colour, marker and line style in every figure of every
analysis, fixed by its name alone (``method_style``), so a reader can follow
it from the curves to the ranks and the cost view, and from one study to the
next. Known methods (``KNOWN_METHODS``) take the styles in a fixed order,
grouped so that the methods of one usual comparison differ in colour; any
other name takes a style from a hash of its name. A variant label
(``gp,n_init=5``, ``gp-3edae5f``, ``tpe@2``) keeps its base method's colour and
gets its own marker and line style. Colours are the Okabe-Ito palette (safe
for colour blindness); markers and line styles keep the methods apart in
greyscale print. Figures are drawn with the Agg
renderer without pyplot, so no display is needed and the caller's
matplotlib backend is left alone.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatterSciNotation, LogLocator, NullFormatter

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
LEGEND_ROW = 0.17  # inches: one more row of legend entries

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


# The known methods, in the order they take styles. ``random``, the baseline of nearly every comparison, has
# blue to itself; method i of the rest gets one of the other seven colours (i mod 7), marker i + 1 mod 10 and
# line style i // 7, so no two known methods look alike. Each group of seven is a usual comparison whose methods
# differ in colour: black-box methods (solid), multi-fidelity ones (dashed), then the reference optimisers.
BASELINE = "random"
KNOWN_METHODS = (
    BASELINE,
    "grid", "tpe", "gp", "rea", "local_search", "hebo", "pbt",
    "hyperband", "bohb", "asha", "dehb", "smac_hb", "smac_mf", "syne_tune_asha",
    "syne_tune_bohb", "optuna_tpe", "optuna_gp", "optuna_cmaes", "smac_bb", "smac_hpo", "nevergrad",
    "skopt_gp", "ax", "syne_tune_bore", "sh", "optuna_tpe_univariate", "optuna_qmc", "optuna_random",
    "skopt_rf", "hyperopt_tpe", "syne_tune_tpe", "nevergrad_ngopt",
)
_VARIANT = re.compile(r"[,@:-]")  # what follows a method's config name in a variant label


def _known_style(index: int) -> tuple[str, str, str]:
    """The style of the index-th known method after the baseline (which has ``COLOURS[0]``, ``MARKERS[0]``, solid)."""
    others = len(COLOURS) - 1
    line = LINESTYLES[index // others % len(LINESTYLES)]
    return COLOURS[1 + index % others], MARKERS[(index + 1) % len(MARKERS)], line


_KNOWN = {BASELINE: (COLOURS[0], MARKERS[0], LINESTYLES[0]),
          **{name: _known_style(i) for i, name in enumerate(KNOWN_METHODS[1:])}}
# every (colour, marker, line style) that no known method has, for the other names; the baseline's colour stays its own
_FREE = tuple(combo for combo in ((c, m, ls) for ls in LINESTYLES for c in COLOURS[1:] for m in MARKERS)
              if combo not in set(_KNOWN.values()))


def _digest(text: str) -> int:
    """A number from the name that is the same in every process (``hash()`` is salted per process)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def base_name(label: str) -> str:
    """The method a label names: ``gp`` for ``gp,n_init=5``, ``gp-3edae5f`` or ``gp@2``; else the label."""
    return _VARIANT.split(label, maxsplit=1)[0] or label


def _style(name: str) -> tuple[str, str, str]:
    if name in _KNOWN:
        return _KNOWN[name]
    base = base_name(name)
    if base == name:  # an unknown method: a style no known method has
        return _FREE[_digest(name) % len(_FREE)]
    colour = _style(base)[0]  # a variant: its base's colour, with a marker and line style no known method has
    taken = {(m, ls) for c, m, ls in (*_KNOWN.values(), _style(base)) if c == colour}
    others = [(m, ls) for ls in LINESTYLES for m in MARKERS if (m, ls) not in taken]
    return (colour, *others[_digest(name) % len(others)])


def method_style(name: str) -> tuple[str, str]:
    """The colour (``#rrggbb``) and matplotlib marker of a method, the same in every figure and process.

    Depends on the name alone, never on the other methods of a study. The
    HTML report and any other view of results use it to match the figures.
    """
    colour, marker, _ = _style(name)
    return colour, marker


def method_styles(methods: list[str]) -> dict[str, MethodStyle]:
    """The style of every method, each fixed by its own name (see ``method_style``)."""
    return {name: MethodStyle(*_style(name)) for name in sorted(methods)}


def legend(fig: Figure, styles: dict[str, MethodStyle], methods: list[str]) -> None:
    """The methods' legend above the panels, in as many columns as the figure's width holds."""
    handles = [fig.axes[0].plot([], [], label=m, **styles[m].line())[0] for m in methods]
    entry = 0.4 + 0.05 * max(len(m) for m in methods)  # inches: the line sample, and about 0.05 per character
    per_row = max(1, int(fig.get_figwidth() / entry))
    rows = -(-len(methods) // per_row)
    fig.set_figheight(fig.get_figheight() + LEGEND_ROW * (rows - 1))  # the panels keep their height
    fig.legend(handles=handles, loc="outside upper center", ncols=min(len(methods), per_row), frameon=False)


# inches per labelled tick of a log axis: an x label ("10^-3") needs its width, a y label its height
TICK_SPACING = {"x": 0.3, "y": 0.2}


def panel_size(ax: Axes) -> tuple[float, float]:
    """A panel's width and height in inches, as placed before the layout shrinks it for labels."""
    box = ax.get_position()
    return box.width * ax.figure.get_figwidth(), box.height * ax.figure.get_figheight()


def log_ticks(axis: Axis) -> None:
    """Label a log axis at powers of ten, every k-th where the panel is short, or at 1, 2 and 5 times them
    when fewer than two powers fit.

    Matplotlib's default labels minor ticks on short ranges, which crowds a
    small panel with overlapping "3 x 10^-1"-style labels, and labels every
    decade of a long range, which crowds a narrow panel.
    """
    low, high = sorted(axis.get_view_interval())
    narrow = low > 0 and math.floor(math.log10(high)) - math.ceil(math.log10(low)) < 1
    width, height = panel_size(axis.axes)
    length = width if axis.axis_name == "x" else height
    numticks = max(3, int(0.8 * length / TICK_SPACING[axis.axis_name]))  # 0.8: the layout takes some for labels
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0) if narrow else (1.0,), numticks=numticks))
    axis.set_major_formatter(LogFormatterSciNotation(labelOnlyBase=False, minor_thresholds=(np.inf, np.inf)))
    axis.set_minor_formatter(NullFormatter())


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
