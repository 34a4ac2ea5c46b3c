"""``prove report PATH... --out DIR``: markdown tables and PNG plots comparing runs.

    prove report sweep/ --out report/                       # every cell of a sweep
    prove report portfolio=p.jsonl goals=g.jsonl --out r/   # results files, labelled

A PATH is a results file (``LABEL=FILE`` names it), a sweep folder (``prove sweep --out``; one
run per cell) or a folder holding a ``results.jsonl``. ``DIR/index.md`` links the pages.
"""

from __future__ import annotations

import argparse
import sys

from rich.console import Console
from rich.markup import escape

from prover.report import collect_runs, write_report


def build_report_parser() -> argparse.ArgumentParser:
    """The ``prove report`` argument parser."""
    parser = argparse.ArgumentParser(prog="prove report", description="Markdown tables and PNG plots comparing runs "
                                     "(results files or sweep folders). See docs/ablations.md.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="a results file ([LABEL=]FILE), a sweep folder, or a folder with a results.jsonl")
    parser.add_argument("--out", default="report", help="the report's folder; index.md links its pages (default: %(default)s)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``prove report``: 0 written, 2 a bad path or file, or matplotlib missing."""
    args = build_report_parser().parse_args(sys.argv[1:] if argv is None else argv)
    console = Console(stderr=True)
    try:
        written = write_report(collect_runs(args.paths), args.out)
    except (ValueError, OSError, ImportError, KeyError) as error:  # KeyError: a record without name or split
        console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        return 2
    console.print(f"report: {written[0]} ({len(written) - 1} pages and plots)", highlight=False)
    return 0
