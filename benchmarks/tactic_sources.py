"""The tactic sources compared: one table from results files of runs on the same problems.

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
import json
import re
from collections import Counter
from pathlib import Path


def load(path: str) -> list[dict]:
    """The records of a results file, the last one of each problem (a retried error replaces the error)."""
    records = (json.loads(line) for line in Path(path).read_text("utf-8").splitlines() if line.strip())
    return list({(r["split"], r["name"]): r for r in records}.values())


def own_name_used(record: dict) -> bool:
    """Whether a verified proof names the lemma it proves (its copy in an installed library is reachable)."""
    short = record["name"].rsplit(".", 1)[-1]
    return any(re.search(rf"(?<![\w.']){re.escape(short)}(?![\w'])", tactic) for tactic in record.get("proof") or [])


def row(label: str, records: list[dict], baseline: set[str] | None) -> list[str]:
    """One table row."""
    verified = {r["name"] for r in records if r.get("verified")}
    unproved = [r for r in records if not r.get("verified") and not r.get("skipped") and not r.get("error")]
    ends = Counter(r.get("stop_reason") or "?" for r in unproved)
    errors = sum(bool(r.get("error")) for r in records)
    mean = sum(r.get("expansions", 0) for r in records) / max(1, len(records))
    mean_unproved = sum(r.get("expansions", 0) for r in unproved) / max(1, len(unproved))
    cells = [label, str(len(records)), f"{len(verified)} ({len(verified) / max(1, len(records)):.1%})",
             f"{errors}" + (" (undercounts)" if errors else ""), f"{mean:.1f}", f"{mean_unproved:.1f}",
             ", ".join(f"{k} {v}" for k, v in ends.most_common()), f"{sum(r.get('wall_time', 0) for r in records) / 60:.0f}",
             str(sum(own_name_used(r) for r in records if r.get("verified")))]  # fmt: skip
    if baseline is not None:
        missing = {name for name in baseline if name in {r["name"] for r in records}} - verified
        shown = ", ".join(sorted(missing)[:3]) + (", ..." if len(missing) > 3 else "")
        cells.append(f"yes, +{len(verified - baseline)}" if not missing
                     else f"no: +{len(verified - baseline)}, -{len(missing)} ({shown})")
    return cells


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
    baseline = {r["name"] for r in runs[args.baseline] if r.get("verified")} if args.baseline else None
    header = ["source", "problems", "verified", "errors", "mean expansions", "mean expansions (unproved)",
              "unproved ended", "wall (min, summed)", "proofs naming their own lemma"]  # fmt: skip
    if baseline is not None:
        header.append(f"superset of {args.baseline}")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, records in runs.items():
        print("| " + " | ".join(row(label, records, baseline)) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
