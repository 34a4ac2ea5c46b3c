"""A whole theory checked as its user will check it, with an axiom audit of the lemmas ``prove fill`` filled.

The theory is checked by ``use_theories`` in a session of its own (a fresh Isabelle/ML
process, through :class:`~isabelle_env.session.TheorySession`), under a fresh theory name
(a theory's name must be its file's, and the user's file is not touched); the renaming
keeps every line where it was, so the first error's line is the file's own.

The audit of each filled lemma: its proof says neither ``sorry`` nor ``oops`` (read from
the text), and it does not rest on an unproved lemma. Isabelle marks every theorem proved
through ``sorry``, itself or through the lemmas it uses, with the ``skip_proof`` oracle,
and ``thm_oracles NAME`` prints a theorem's oracles: the checked text holds one
``thm_oracles`` line a lemma, just before the theory's closing ``end``, and a lemma is
refused when its line's messages name ``skip_proof`` or its line has an error.

Tested against recorded server replies: a passing check, a failing one mapped to its first
error's line, an error on an audit line taken as that lemma's refusal, a check past its
timeout. Not tested against a recorded reply, since none exists: what ``thm_oracles``
prints. The audit looks only for the oracle's name, ``skip_proof``, in its output.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from isabelle_env import theory as thy
from isabelle_env.errors import IsabelleTimeoutError
from isabelle_env.results import TheoryResult
from isabelle_env.server import ServerPlan
from isabelle_env.session import SessionConfig, TheorySession
from isabelle_env.theory_text import Theory

#: The oracle Isabelle records for a theorem proved by ``sorry`` (or resting on one that was).
SKIP_PROOF = "skip_proof"


@dataclass(frozen=True)
class AuditedTheory:
    """The theory to check and where its audit lines are (1-based; ``audit[i]`` audits lemma ``i``)."""

    file: thy.TheoryFile
    audit: tuple[int, ...]
    end_line: int  #: the line of the theory's ``end`` in the user's file (errors after the audit map to it)


def audited_theory(text: str, theory: Theory, names: list[str]) -> AuditedTheory:
    """``text`` under a fresh theory name, with a ``thm_oracles`` line for each of ``names`` before its ``end``.

    Raises ``ValueError`` when ``text`` has no ``theory ... imports ... begin`` header.
    """
    name = f"Fill_{uuid.uuid4().hex}"
    renamed = thy.rename_theory(text, name)
    at = theory.end if theory.end >= 0 else len(text)
    end, end_line = at + len(renamed) - len(text), text.count("\n", 0, at) + 1  # the renaming keeps the lines
    if not names:
        return AuditedTheory(thy.TheoryFile(name, renamed, _layout(end_line)), (), end_line)
    line_start = renamed.rfind("\n", 0, end) + 1
    lead = "\n" if renamed[line_start:end].strip() else ""
    first = end_line + (1 if lead else 0)
    audit = lead + "".join(f"thm_oracles {lemma}\n" for lemma in names)
    checked = renamed[:end] + audit + renamed[end:]
    return AuditedTheory(thy.TheoryFile(name, checked, _layout(first + len(names))),
                         tuple(range(first, first + len(names))), end_line)


def _layout(end_line: int) -> thy.Layout:
    return thy.Layout(statement=(0, 0), steps=(), probe=0, end=end_line)


def read_check(result: TheoryResult, theory: AuditedTheory) -> tuple[tuple[int, str] | None, list[str]]:
    """The first error outside the audit (its line the user's file's), and the audit's refusal of each lemma."""
    refusals = ["" for _ in theory.audit]
    error: tuple[int, str] | None = None
    after = theory.audit[-1] if theory.audit else theory.end_line - 1
    for message in result.messages:
        if message.line in theory.audit:
            index = theory.audit.index(message.line)
            if message.is_error and not refusals[index]:
                refusals[index] = f"its audit failed: {message.text}"
            elif SKIP_PROOF in message.text and not refusals[index]:
                refusals[index] = "it rests on a lemma proved with sorry (oracle skip_proof)"
        elif message.is_error and error is None:
            error = (theory.end_line if message.line > after else message.line, message.text)
    if not result.ok and not result.errors:  # not ok for no error of its own: the check did not finish
        error = (0, "Isabelle did not finish checking the theory")
    return error, refusals


def check_theory(plan: ServerPlan, config: SessionConfig, theory: AuditedTheory,
                 timeout: float) -> tuple[tuple[int, str] | None, list[str]]:
    """Check ``theory`` in a session of its own within ``timeout`` seconds; see :func:`read_check`."""
    session = TheorySession(plan, config)
    try:
        result = session.check(theory.file, timeout)
    except IsabelleTimeoutError as exc:
        return (0, str(exc)), ["not audited: the check did not finish" for _ in theory.audit]
    finally:
        session.stop()
    return read_check(result, theory)
