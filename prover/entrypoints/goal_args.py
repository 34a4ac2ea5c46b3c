"""The goal ``prove suggest`` and ``prove repl`` work on: ``FILE:LINE`` or ``--statement``, read and opened.

Both commands take the same place arguments, build the same env and generator, and
turn the same failures into one ``error:`` line: bad input, a line in no proof, a file
whose proof cannot be replayed or a missing prover exit with status 2; a prover that
crashes, 1; Ctrl-C, 130.
"""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from rich.console import Console
from rich.markup import escape

from prover.entrypoints.options import env_options_from_args, generator_config_from_args
from prover.env import Problem, ProblemSetupError, ProverError, ProverNotInstalledError
from prover.generators.base import TacticGenerator
from prover.generators.factory import build_generator
from prover.proof_session import ProofSession
from prover.proof_site import NoGoalThere, ProofSite, SiteBackend
from prover.registry import DEFAULT_BACKEND, FILE_EXTENSIONS, SITE_BACKENDS, backend_class, make_env, site_backend

#: What "the goal at FILE:LINE" is, for --help (the backend's module says it in full: Coq, coq_env/sites.py).
GOAL_AT = (
    "The goal at FILE:LINE is the proof state at the start of line LINE: in the lemma whose statement ends before "
    "LINE and whose proof does not end before it (Coq: Qed, Defined, Admitted, Abort; or a proof the file does "
    "not close), the state after the statement and every sentence of the proof that ends before LINE (Proof. "
    "opens it; queries such as Check are left out; a sentence that ends on LINE or after is not run). The lemma "
    "is loaded with the file before it as it is, with the file's own imports and no prelude. A line in no proof is "
    "refused with exit status 2. A --statement is set up like a benchmark problem: the backend's prelude, then "
    "--header-file, then the statement."
)


class GoalError(Exception):
    """The command cannot go on; ``status`` is the exit status."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def add_goal_arguments(parser: argparse.ArgumentParser) -> None:
    """The place of the goal: ``FILE:LINE``, or ``--statement`` with ``--header-file``; and ``--backend``."""
    parser.add_argument("at", nargs="?", default=None, metavar="FILE:LINE", help="the goal at line LINE of FILE (see below); or give --statement")
    parser.add_argument("--statement", default=None, help="work on this statement instead (Coq: \"Theorem t : forall n : nat, n + 0 = n.\")")
    parser.add_argument("--header-file", default=None, help="with --statement: a file whose text comes before the statement (imports, definitions) (default: none)")
    parser.add_argument("--backend", default=None, choices=sorted(SITE_BACKENDS), help=f"proof assistant (default: by FILE's extension, {DEFAULT_BACKEND} for --statement)")


@dataclass(frozen=True)
class Target:
    """A goal found: its backend, the site, the backend's site functions, and the options of its env."""

    backend: str
    site: ProofSite
    sites: SiteBackend
    env_options: dict[str, Any] = field(default_factory=dict)


def target_from_args(args: argparse.Namespace) -> Target:
    """The goal the parsed place arguments name; :class:`GoalError` for bad input or a line in no proof."""
    if (args.at is None) == (args.statement is None):
        raise GoalError("give either FILE:LINE or --statement (one of them)")
    if args.header_file is not None and args.statement is None:
        raise GoalError("--header-file goes with --statement (a FILE:LINE goal's header is the file before it)")
    try:
        if args.statement is not None:
            return _statement_target(args)
        return _file_target(args.at, args.backend)
    except NoGoalThere as error:
        raise GoalError(str(error)) from None
    except ValueError as error:  # an unsupported backend, a file that does not split into sentences
        raise GoalError(str(error)) from None


def _statement_target(args: argparse.Namespace) -> Target:
    backend = args.backend or DEFAULT_BACKEND
    statement = args.statement.strip()
    problem = backend_class(backend).statement_problem(statement)
    if problem is not None:
        raise GoalError(f"--statement: {problem}")
    header = _read(Path(args.header_file)) if args.header_file is not None else ""
    site = ProofSite(Problem("statement", "statement", header, statement), label="the statement")
    return Target(backend, site, site_backend(backend))


def _file_target(at: str, backend_option: str | None) -> Target:
    file, sep, line = at.rpartition(":")
    if not sep or not file or not line.isdigit():
        raise GoalError(f"expected FILE:LINE (a line number after the colon), got {at!r}")
    path = Path(file)
    backend = backend_option or FILE_EXTENSIONS.get(path.suffix)
    if backend is None:
        raise GoalError(f"cannot tell the proof assistant of {path} from its extension; give --backend")
    sites = site_backend(backend)
    site = sites.proof_site(_read(path), int(line), file)
    return Target(backend, site, sites, dict(sites.env_options))


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise GoalError(f"cannot read {path}: {error}") from None


@contextmanager
def opened_goal(args: argparse.Namespace) -> Iterator[tuple[Target, ProofSession, TacticGenerator]]:
    """The goal of ``args`` opened in its prover (the file's steps replayed), with the generator;
    both closed at the end. Failures are :class:`GoalError`\\ s (see the module docstring)."""
    target = target_from_args(args)
    try:
        env = make_env(target.backend, **target.env_options, **env_options_from_args(args))
    except (ValueError, ProverNotInstalledError) as error:
        raise GoalError(str(error)) from None
    try:
        try:
            generator = build_generator(generator_config_from_args(args), target.backend)
        except (ValueError, ImportError, OSError) as error:
            raise GoalError(str(error)) from None
        try:
            session = ProofSession(env, target.site, args.max_tactic_chars)
            try:
                session.open()
            except (NoGoalThere, ProblemSetupError) as error:
                raise GoalError(f"{target.site.label}: {error}") from None
            yield target, session, generator
        finally:
            generator.close()
    finally:
        env.close()


def run_reporting(body: Callable[[], int], console: Console) -> int:
    """``body()``'s exit status; a :class:`GoalError`, a prover failure or Ctrl-C as one ``error:`` line and its status."""
    try:
        return body()
    except GoalError as error:
        return _fail(console, str(error), error.status)
    except ProverNotInstalledError as error:
        return _fail(console, str(error), 2)
    except ProverError as error:
        return _fail(console, f"the prover failed: {error}", 1)
    except KeyboardInterrupt:
        console.print("interrupted", highlight=False)
        return 130


def _fail(console: Console, message: str, status: int) -> int:
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return status
