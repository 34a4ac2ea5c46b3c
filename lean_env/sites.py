"""The goal at a line of a Lean file (``prove suggest FILE:LINE``, ``prove repl FILE:LINE``), and a proof printed to paste.

The goal at line ``LINE`` is the proof state at the start of that line, inside the tactic
proof (``:= by``) of the last ``theorem``/``lemma`` whose statement ends before ``LINE`` and
whose proof does not end before it. The proof's top-level tactics that end before ``LINE``
are replayed in order (a line indented deeper than the proof's first tactic continues the
tactic above it; comments are left out). The lemma is loaded with the file before it as its
header, as ``prove fill`` loads a hole, so the goal is the file's own.

Not supported (refused with the line): a term-mode proof (no ``by``), an ``example`` (no
name), a ``sorry`` before ``LINE`` (the prover runs no ``sorry``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from lean_env.check import indent_tactic
from lean_env.holes import declarations, masked
from lean_env.sketches import sorry_spans
from prover.env import Problem
from prover.proof_site import NoGoalThere, ProofSite, ReplayStep, SiteBackend

_BY = re.compile(r"\s*by\b")


def proof_site(text: str, line: int, file: str) -> ProofSite:
    """The goal at ``line`` of the Lean source ``text`` (see the module docstring), its lemma named after ``file``'s stem."""
    lines = text.count("\n") + 1
    if not 1 <= line <= lines:
        raise NoGoalThere(f"{file} has {lines} lines: there is no line {line}")
    point = sum(len(row) + 1 for row in text.split("\n")[: line - 1])
    before = [d for d in declarations(text, Path(file).stem) if d.start <= point and not d.unsupported]
    if not before:
        raise NoGoalThere(f"line {line} is not inside a proof: no theorem's statement ends before it")
    lemma = before[-1]
    if lemma.end < point and text[lemma.end:point].strip():
        raise NoGoalThere(f"line {line} is not inside a proof: the proof of {lemma.lemma} (line {lemma.line}) "
                          f"ends on line {text.count(chr(10), 0, lemma.end) + 1}")
    by = _BY.match(text, lemma.start)
    if by is None:
        raise NoGoalThere(f"line {line} is in the proof of {lemma.lemma}, a term-mode proof (no `by`): not supported")
    steps = [step for step in tactic_steps(text, by.end(), lemma.end) if step.line < line]
    for step in steps:
        if sorry_spans(step.tactic):
            raise NoGoalThere(f"line {step.line}: the proof uses sorry before line {line}, which the prover does not run")
    problem = Problem(lemma.name, "site", text[: lemma.statement_start], lemma.statement)
    return ProofSite(problem, tuple(steps), "", f"{file}:{line}, in {lemma.lemma}")


def tactic_steps(text: str, start: int, stop: int) -> list[ReplayStep]:
    """The top-level tactics of ``text[start:stop]`` (a ``by`` block's body), each with the line it ends on."""
    plain = masked(text, strings=False)
    steps: list[ReplayStep] = []
    column: int | None = None
    offset = text.rfind("\n", 0, start) + 1
    for row in plain[offset:stop].split("\n"):
        row_start, offset = offset, offset + len(row) + 1
        first = max(start, row_start)
        body = plain[first : row_start + len(row)]
        if not body.strip():
            continue
        indent = first - row_start + len(body) - len(body.lstrip())
        line = text.count("\n", 0, row_start) + 1
        if column is None or indent <= column:
            column = indent if column is None else column
            steps.append(ReplayStep(body.strip(), line))
        else:
            steps[-1] = ReplayStep(steps[-1].tactic + "\n" + " " * (indent - column) + body.strip(), line)
    return steps


def proof_script(proof: Sequence[str], opener: str = "", finished: bool = True) -> str:
    """``by`` and the tactics one a line, indented; ``sorry`` last when not ``finished``."""
    return "by\n" + "\n".join(indent_tactic(tactic) for tactic in [*proof, *([] if finished else ["sorry"])])


class LeanSites(SiteBackend):
    """:class:`~prover.proof_site.SiteBackend` for Lean ``.lean`` files."""

    def proof_site(self, text: str, line: int, file: str) -> ProofSite:
        """See :func:`proof_site`."""
        return proof_site(text, line, file)

    def proof_script(self, proof: Sequence[str], opener: str = "", finished: bool = True) -> str:
        """See :func:`proof_script`."""
        return proof_script(proof, opener, finished)
