"""The tactic sources compared: one table from results files of runs on the same problems.

(The table is :func:`prover.comparison.runs_table`; ``prove report`` writes it among others.)

Each ``LABEL=RESULTS.jsonl`` is one run (``prove --out``), and a sweep folder (``prove sweep
--out DIR``) one run per cell, labelled by its variant and grid values; the table gives, per run, the
problems, verified proofs, errors, mean expansions over all problems and over the unproved
ones, how the unproved searches ended, and the summed wall time. ``--baseline LABEL`` adds
whether each run verified every problem the baseline verified (a strict superset) and how
many more, on the problems the run has (a run still going is compared on what it has done). A
run with errors is flagged: its figures undercount.

    python benchmarks/tactic_sources.py portfolio=p.jsonl goals=g.jsonl --baseline portfolio
    python benchmarks/tactic_sources.py sweeps/sources-minif2f --split valid --baseline portfolio
"""

from __future__ import annotations

import argparse

from prover.comparison import load, own_name_used, row, runs_table
from prover.report import collect_runs

__all__ = ["load", "own_name_used", "row", "main"]


def main(argv: list[str] | None = None) -> int:
    """Print the table (markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="LABEL=RESULTS.jsonl or RESULTS.jsonl, one per run, or a sweep folder "
                        "(one run per cell)")
    parser.add_argument("--baseline", default=None, help="the LABEL the others are compared with (default: none)")
    parser.add_argument("--split", default=None, help="only the problems of this split (miniF2F: test, valid) "
                        "(default: every problem of each run)")
    args = parser.parse_args(argv)
    try:
        runs = collect_runs(args.runs)
    except (OSError, ValueError) as error:
        parser.error(str(error))
    if args.split is not None:
        runs = {label: [r for r in records if r.get("split") == args.split] for label, records in runs.items()}
        runs = {label: records for label, records in runs.items() if records}
        if not runs:
            parser.error(f"no run has problems of split {args.split!r}")
    if args.baseline is not None and args.baseline not in runs:
        parser.error(f"--baseline {args.baseline} is none of the labels: {', '.join(runs)}")
    print(runs_table(runs, args.baseline), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
