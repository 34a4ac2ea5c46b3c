"""``prove suggest FILE:LINE``: the tactics a generator proposes for the goal at a line, each tried in the prover.

    prove suggest Lib.v:12                       # the goal at the start of line 12, 16 portfolio tactics
    prove suggest Lib.v:12 -k 8 --generator goals+portfolio
    prove suggest --statement "Theorem t : forall n : nat, n + 0 = n."

It prints the goal, then a table of the tactics: each one's score, and what running it
did (proves it, the goals it leaves, no change, or the prover's error), those that finish
the proof first, then by score (see :mod:`prover.suggest`). ``--json`` prints the same on
stdout as one JSON object. What "the goal at FILE:LINE" is: :data:`GOAL_AT`.

Exit status: 0 done (also at a line where no goal is left), 1 the prover crashed, 2 bad
options, a line in no proof, a proof before the line that does not replay, or a missing
prover, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.markup import escape

from prover.entrypoints.goal_args import GOAL_AT, add_goal_arguments, opened_goal, run_reporting
from prover.entrypoints.goal_view import goals_text, suggestion_table
from prover.entrypoints.options import add_generator_arguments, add_samples_argument, add_step_arguments


def build_parser() -> argparse.ArgumentParser:
    """The ``prove suggest`` argument parser; every option has a default and a help line."""
    parser = argparse.ArgumentParser(
        prog="prove suggest",
        description="Show the goal at a line of a file (or of a statement), and the tactics the generator "
        "proposes for it, each tried in the prover: the goals it leaves or its error, those that finish the "
        "proof first, then by score.",
        epilog=GOAL_AT,
    )
    add_goal_arguments(parser)
    tactics = parser.add_argument_group("tactics")
    add_samples_argument(tactics, samples_help="tactics to ask the generator for and try")
    add_step_arguments(tactics)
    add_generator_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the goal and each tactic tried as JSON on stdout as well")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``prove suggest``."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    return run_reporting(lambda: _suggest(args, Console()), Console(stderr=True))


def _suggest(args: argparse.Namespace, console: Console) -> int:
    with opened_goal(args) as (target, session, generator):
        label = target.site.label
        console.print(f"[bold]{escape(label)}[/]", highlight=False, soft_wrap=True)
        console.print(escape(goals_text(session.current, session.finished)), highlight=False, soft_wrap=True)
        if session.finished or not session.current.goals:
            tried = []
        else:
            tried = session.suggest(generator, args.samples)
            console.print(suggestion_table(tried, f"{len(tried)} tactics for {label}"))
        if args.json:
            print(json.dumps({"at": label, "goals": session.current.render(), "proved": session.finished,
                              "tactics": [t.record() for t in tried]}))
    return 0
