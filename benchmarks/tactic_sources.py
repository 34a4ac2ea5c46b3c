"""The tactic sources compared: one table from results files of runs on the same problems.

(The table is :func:`prover.comparison.runs_table`; ``prove report`` writes it among others.)

Each ``LABEL=RESULTS.jsonl`` is one run (``prove --out``); the table gives, per run, the
problems, verified proofs, errors, mean expansions over all problems and over the unproved
ones, how the unproved searches ended, and the summed wall time. ``--baseline LABEL`` adds
whether each run verified every problem the baseline verified (a strict superset) and how
many more, on the problems the run has (a run still going is compared on what it has done). A
run with errors is flagged: its figures undercount.

    python benchmarks/tactic_sources.py portfolio=p.jsonl goals=g.jsonl --baseline portfolio
"""

from __future__ import annotations

import argparse

from prover.comparison import load, own_name_used, row, runs_table

__all__ = ["load", "own_name_used", "row", "main"]


def main(argv: list[str] | None = None) -> int:
    """Print the table (markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="LABEL=RESULTS.jsonl, one per run")
    parser.add_argument("--baseline", default=None, help="the LABEL the others are compared with (default: none)")
    args = parser.parse_args(argv)
    runs = {}
    for item in args.runs:
        label, _, path = item.partition("=")
        if not path:
            parser.error(f"{item!r} is not LABEL=RESULTS.jsonl")
        runs[label] = load(path)
    if args.baseline is not None and args.baseline not in runs:
        parser.error(f"--baseline {args.baseline} is none of the labels: {', '.join(runs)}")
    print(runs_table(runs, args.baseline), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
