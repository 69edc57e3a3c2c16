"""``python -m hpobench.analysis <results folder> [--out DIR] [--band sem|iqr|range] ...``"""

from __future__ import annotations

import argparse
import sys

from hpobench.analysis.report import CD_BLOCKS, INCUMBENTS, Options, analyse
from hpobench.analysis.stats import BANDS
from hpobench.cli import check_not_shadowed, end_quietly_on_closed_output
from hpobench.errors import UserError


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m hpobench.analysis",
        description="Write incumbent curves, average ranks, critical-difference diagrams, final-performance and "
                    "cost tables (PDF, PNG, markdown, LaTeX) for every study below a results folder.")
    parser.add_argument("root", help="a results folder (e.g. results/) or one study's folder (results/<study>)")
    parser.add_argument("--out", default=None,
                        help="where to write (default: the analysis/ folder beside the study folders, "
                             "so results/ and results/<study> both write to results/analysis/<study>/)")
    parser.add_argument("--band", choices=BANDS, default="sem",
                        help="sem: mean and standard error over seeds; iqr: median and inter-quartile range; "
                             "range: median, best and worst seed")
    parser.add_argument("--points", type=int, default=200, help="grid points per curve (default 200)")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    parser.add_argument("--cd-blocks", choices=CD_BLOCKS, default="auto",
                        help="blocks of the Friedman test: task, task-seed, or auto (tasks when at least five)")
    parser.add_argument("--incumbent", choices=INCUMBENTS, default="any",
                        help="which trials can be the incumbent: any successful one (default), or full: only those "
                             "at the highest fidelity of their task")
    parser.add_argument("--html", action="store_true",
                        help="also write report.html: an interactive, self-contained page per study (plotly)")
    parser.add_argument("--include-unfinished", action="store_true",
                        help="analyse runs without a done marker too (they are listed either way)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        check_not_shadowed()
        options = Options(band=args.band, points=args.points, alpha=args.alpha, cd_blocks=args.cd_blocks,
                          include_unfinished=args.include_unfinished, incumbent=args.incumbent,
                          html=args.html)
        report = analyse(args.root, args.out, options)
    except UserError as error:
        print(f"hpobench.analysis: error: {error}", file=sys.stderr)
        return 2
    print(report.summary())
    return 0


if __name__ == "__main__":
    end_quietly_on_closed_output()
    sys.exit(main())
