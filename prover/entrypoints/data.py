"""``prove data``: make problem sets.

    prove data problems FILE.v ... --split NAME --out problems.jsonl

cuts Coq files into problems, one per lemma the file proves, each with the file
before it as its header (see :mod:`coq_env.problem_files`); run them with
``prove --benchmark problems.jsonl --split NAME``. Lemmas that cannot be
problems are listed with their reason on stderr. Exit status 0; 1 when a file
could not be read as Coq sentences (the problems of the others are written); 2
for bad options or an output file that cannot be written.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    """The ``prove data`` argument parser."""
    parser = argparse.ArgumentParser(prog="prove data", description="Make problem sets.")
    commands = parser.add_subparsers(dest="command", required=True)
    problems = commands.add_parser("problems", help="one problem per lemma a Coq file proves, the file before it as its header",
                                   description="Cut Coq files into problems: each Theorem/Lemma/... the file proves, "
                                   "with everything before it in the file as its header.")
    problems.add_argument("files", nargs="+", help="Coq source files (.v)")
    problems.add_argument("--split", default="files", help="the split the problems belong to (default: %(default)s)")
    problems.add_argument("--out", required=True, help="the problems file to write (JSONL; replaced if it exists)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``prove data``."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    from coq_env.problem_files import problems_from_files  # the Coq backend, only when asked for

    problems, skipped = problems_from_files(args.files)
    try:
        Path(args.out).write_text("".join(json.dumps(p.record(args.split)) + "\n" for p in problems), encoding="utf-8")
    except OSError as error:
        print(f"error: cannot write {args.out}: {error}", file=sys.stderr)
        return 2
    for lemma in skipped:
        print(f"skipped {lemma.file}:{lemma.line} {lemma.name}: {lemma.reason}", file=sys.stderr)
    reasons = Counter(lemma.reason.split(":")[0].split(" (")[0] for lemma in skipped)
    summary = "; ".join(f"{count} {reason}" for reason, count in reasons.most_common())
    print(f"wrote {len(problems)} problems of split {args.split!r} from {len(args.files)} files to {args.out}"
          + (f"; skipped {len(skipped)} lemmas ({summary})" if skipped else ""), file=sys.stderr)
    return 1 if any(lemma.line == 0 for lemma in skipped) else 0
