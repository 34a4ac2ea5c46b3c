"""``prove repl FILE:LINE``: prove one goal interactively, with suggestions and search at hand.

    prove repl Lib.v:12                          # the goal at the start of line 12 (see prove suggest)
    prove repl --statement "Theorem t : forall n : nat, n + 0 = n." --budget 50

The session shows the goals and reads a line at a time: a tactic runs in the prover (its
error is shown and the state stays as it was); ``?`` tries the generator's tactics and
lists them as ``prove suggest`` does, numbered, and ``!N`` or ``N`` runs suggestion N;
``undo`` drops the last step (the file's steps before the line too); ``search [BUDGET]``
runs the best-first search from the current state; ``goals`` and ``proof`` print the goals
and the proof so far; ``quit`` or end of input leaves. When no goal is left the proof is
re-checked in a fresh process (unless ``--no-check``) and printed, from ``Proof.`` to
``Qed.``, ready to paste in place of the lemma's proof; the session ends.

The line editor is the standard library's :mod:`cmd` with :mod:`readline` (history, editing
and completion of the commands at the prompt): it needs nothing beyond Python, where
prompt_toolkit would be one more dependency to install everywhere the tests run.

Exit status: 0 the proof was finished, 1 the session ended before (or the prover
crashed), 2 bad options, a line in no proof or a missing prover, 130 interrupted.
"""

from __future__ import annotations

import argparse
import cmd
import re
import sys
from dataclasses import replace
from typing import IO

from rich.console import Console
from rich.markup import escape

from prover.entrypoints.goal_args import GOAL_AT, Target, add_goal_arguments, opened_goal, run_reporting
from prover.entrypoints.goal_view import goals_text, suggestion_table
from prover.entrypoints.options import add_generator_arguments, add_search_arguments, search_config_from_args
from prover.env import Progress, Proved, ProverError, Verdict
from prover.generators.base import TacticGenerator
from prover.proof_session import ProofSession
from prover.search import SearchConfig
from prover.suggest import Tried, failure

try:
    import readline  # noqa: F401  (imported for its side effect: input() edits lines and keeps history)
except ImportError:  # a Python built without it: the session still works, without line editing
    pass

#: The search limits of ``search`` in a session: smaller than a benchmark run's, the user is waiting.
REPL_SEARCH = SearchConfig(budget=32, samples=16, time_limit=60.0)
_NUMBER = re.compile(r"!?(\d+)")


class ProofShell(cmd.Cmd):
    """The read-eval loop over one :class:`ProofSession`; every line that is no command is a tactic."""

    prompt = "prove> "
    #: Commands: a line that is exactly one of these (``search`` with an optional number) is no tactic.
    commands = ("goals", "proof", "undo", "suggest", "search", "help", "quit", "exit")

    def __init__(self, session: ProofSession, target: Target, generator: TacticGenerator, config: SearchConfig,
                 console: Console, check: bool = True, stdin: IO[str] | None = None) -> None:
        super().__init__(stdin=stdin, stdout=console.file)
        if stdin is not None:
            self.use_rawinput = False
        self.session, self.target, self.generator, self.config = session, target, generator, config
        self.console, self.check = console, check
        self.suggestions: list[Tried] = []
        self.done = False  #: the proof was finished

    # -- dispatch ------------------------------------------------------------------

    def onecmd(self, line: str) -> bool:
        """Run one line: a command, ``?``, ``!N``/``N``, or else a tactic; True ends the session."""
        text = line.strip()
        if text == "EOF":
            self.console.print()
            return True
        if not text:
            return False
        if text == "?":
            return self.do_suggest("")
        if number := _NUMBER.fullmatch(text):
            return self._run_suggestion(int(number.group(1)))
        word, _, rest = text.partition(" ")
        if word in self.commands and (not rest.strip() or word in ("search", "help")):
            return bool(getattr(self, f"do_{word}")(rest.strip()))
        return self._run(text)

    def completenames(self, text: str, *ignored: object) -> list[str]:
        """Complete the commands at the start of a line."""
        return [name for name in self.commands if name.startswith(text)]

    # -- commands ------------------------------------------------------------------

    def do_goals(self, arg: str) -> bool:
        """goals: print the goals again."""
        self.show_goals()
        return False

    def do_proof(self, arg: str) -> bool:
        """proof: print the proof so far."""
        self.console.print(escape(self.script()), highlight=False)
        return False

    def do_undo(self, arg: str) -> bool:
        """undo: go back one step (the steps of the file before the line too)."""
        if not self.session.undo():
            self.say("nothing to undo: this is the statement's goal")
            return False
        self.suggestions = []
        self.show_goals()
        return False

    def do_suggest(self, arg: str) -> bool:
        """? or suggest: try the generator's tactics here and list them, numbered; !N or N runs number N."""
        self.suggestions = self.session.suggest(self.generator, self.config.samples)
        self.console.print(suggestion_table(self.suggestions, f"{len(self.suggestions)} tactics"))
        return False

    def do_search(self, arg: str) -> bool:
        """search [BUDGET]: best-first search from here (the --budget of the session, or BUDGET expansions)."""
        if arg and not arg.isdigit():
            self.say(f"search takes a number of expansions, not {arg!r}")
            return False
        config = replace(self.config, budget=int(arg)) if arg else self.config
        self.say(f"searching: {config.budget} expansions, {config.time_limit:g} s at most ...")
        result = self.session.search(self.generator, config)
        if not result.verified:
            detail = f"; {result.rejected} proofs found were refused by the re-check" if result.rejected else ""
            self.say(f"no proof found ({result.stop_reason.value} after {result.expansions} expansions{detail})")
            return False
        self.say(f"found in {result.wall_time:.1f} s: {' '.join(result.proof)}")
        return self.finish(result.verdict)

    def do_help(self, arg: str) -> bool:
        """help: list the commands."""
        lines = [getattr(self, f"do_{name}").__doc__ for name in self.commands if name not in ("help", "exit")]
        self.console.print("\n".join(["any other line is a tactic, run from the current goal", *lines,
                                      "!N or N: run suggestion N of the last list"]), highlight=False)
        return False

    def do_quit(self, arg: str) -> bool:
        """quit, exit or end of input (Ctrl-D): end the session; the proof so far is printed."""
        return True

    do_exit = do_quit

    # -- steps ---------------------------------------------------------------------

    def _run_suggestion(self, number: int) -> bool:
        if not 1 <= number <= len(self.suggestions):
            self.say(f"no suggestion {number}: type ? for the list" if not self.suggestions else
                     f"no suggestion {number}: the list has {len(self.suggestions)}")
            return False
        tactic = self.suggestions[number - 1].tactic
        self.say(f"> {tactic}")
        return self._run(tactic)

    def _run(self, tactic: str) -> bool:
        result = self.session.run(tactic)
        if not isinstance(result, (Progress, Proved)):
            self.console.print(f"[red]{escape(failure(result))}[/]", highlight=False, soft_wrap=True)
            self.say("(the goals are as they were)")
            return False
        self.suggestions = []
        if self.session.finished:
            return self.finish()
        self.show_goals()
        return False

    def finish(self, verdict: Verdict | None = None) -> bool:
        """The proof is complete: re-check it (unless ``verdict`` is the re-check already made, or ``--no-check``),
        print it, end."""
        self.show_goals()
        if verdict is None and self.check:
            verdict = self.session.verify()
        if verdict is not None:
            self.say("re-checked in a fresh process: " + (verdict.reason if verdict.ok else f"REFUSED: {verdict.reason}"))
        self.console.print(escape(self.script()), highlight=False)
        self.done = verdict is None or verdict.ok  # a proof the re-check refused is no finished proof
        return True

    # -- output --------------------------------------------------------------------

    def script(self) -> str:
        """The proof so far, as its user pastes it after the statement (Coq: closed by ``Admitted.`` until finished)."""
        return self.target.sites.proof_script(self.session.tactics, self.target.site.opener, self.session.finished)

    def show_goals(self) -> None:
        """Print the current goals."""
        self.console.print(escape(goals_text(self.session.current, self.session.finished)), highlight=False)

    def say(self, message: str) -> None:
        """Print one line of the session's own."""
        self.console.print(escape(message), highlight=False, soft_wrap=True)


def build_parser() -> argparse.ArgumentParser:
    """The ``prove repl`` argument parser; every option has a default and a help line."""
    parser = argparse.ArgumentParser(
        prog="prove repl",
        description="Prove the goal at a line of a file (or a statement) interactively: type tactics, ? for "
        "suggestions (!N runs number N), undo, search, goals, proof, quit. The finished proof is printed, "
        "from Proof. to Qed., ready to paste.",
        epilog=GOAL_AT,
    )
    add_goal_arguments(parser)
    add_search_arguments(parser, REPL_SEARCH, samples_help="tactics ? tries, and tactics per expansion of search")
    add_generator_arguments(parser)
    parser.add_argument("--no-check", action="store_true", help="do not re-check the finished proof in a fresh process (a few seconds) before printing it")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``prove repl``."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    console = Console()
    return run_reporting(lambda: run_session(args, console), Console(stderr=True))


def run_session(args: argparse.Namespace, console: Console, stdin: IO[str] | None = None) -> int:
    """Open the goal of ``args`` and run the shell on it (reading ``stdin`` when given, else the terminal);
    the exit status: 0 the proof was finished (and, unless ``--no-check``, the fresh-process re-check
    accepted it), 1 not."""
    with opened_goal(args) as (target, session, generator):
        shell = ProofShell(session, target, generator, search_config_from_args(args), console, not args.no_check, stdin)
        replayed = len(target.site.steps)
        before = f" ({replayed} step{'' if replayed == 1 else 's'} of the proof before it replayed)" if replayed else ""
        console.print(f"[bold]{escape(target.site.label)}[/]{escape(before)}: type a tactic, ? for suggestions, help "
                      "for the commands", highlight=False, soft_wrap=True)
        try:
            if session.finished:
                shell.finish()
            else:
                shell.show_goals()
                shell.cmdloop()
        except (KeyboardInterrupt, ProverError) as stop:
            why = "interrupted" if isinstance(stop, KeyboardInterrupt) else "the prover failed"
            console.print(f"\n{why}; the proof so far:", highlight=False)
            shell.do_proof("")
            raise
        if not shell.done:
            console.print("unfinished; the proof so far:", highlight=False)
            shell.do_proof("")
    return 0 if shell.done else 1
