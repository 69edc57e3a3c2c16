"""Table formatting and method styles: what every figure and table shares."""

import pandas as pd

from hpobench.analysis import tables
from hpobench.analysis.style import KNOWN_METHODS, method_styles


def test_every_method_keeps_one_distinct_style_whatever_the_order():
    names = list(KNOWN_METHODS[:10])
    styles = method_styles(names)
    assert method_styles(list(reversed(names))) == styles
    assert len({(s.colour, s.marker, s.linestyle) for s in styles.values()}) == 10
    assert len({s.marker for s in styles.values()}) == 10  # apart in greyscale too


def test_latex_escapes_names_and_marks_best_and_significant():
    final = pd.DataFrame({"task": ["my_task"] * 4, "method": ["grid_shuffled", "grid_shuffled", "b", "b"],
                          "seed": [0, 1, 0, 1], "value": [1.0, 1.0, 2.0, 4.0], "metric": ["loss"] * 4})
    table = tables.final_table(final, band="iqr")
    assert table.header == ["task", "metric", "b", "grid_shuffled"]
    assert table.rows[0][2:] == ["3 [2.5, 3.5] (2)", "1 [1, 1] (2)"]
    assert table.bold[0] == [False, False, False, True]
    assert table.marked[0] == [False, False, False, False]  # two seeds cannot be significant
    latex = tables.to_latex(table)
    assert r"my\_task & loss & 3 [2.5, 3.5] (2) & \textbf{1 [1, 1] (2)} \\" in latex
    assert r"grid\_shuffled" in latex
    markdown = tables.to_markdown(table)
    assert "| my_task | loss | 3 [2.5, 3.5] (2) | **1 [1, 1] (2)** |" in markdown


def test_range_band_shows_the_worst_seed():
    final = pd.DataFrame({"task": ["t"] * 3, "method": ["a"] * 3, "seed": [0, 1, 2],
                          "value": [0.1, 0.3, 2.0], "metric": ["regret"] * 3})
    table = tables.final_table(final, band="range")
    assert table.rows[0][2] == "0.3 [0.1, 2] (3)"
    assert "median [best, worst seed]" in table.caption
