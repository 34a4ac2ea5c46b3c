"""The goal at a line of an Isabelle theory (``prove suggest FILE:LINE``, ``prove repl FILE:LINE``), and a proof to paste.

The goal at line ``LINE`` is the proof state at the start of that line, in an apply-style proof:

* the lemma is the last ``lemma``/``theorem``/``corollary``/``proposition`` whose statement
  ends before ``LINE`` starts; ``LINE`` is inside its proof when the proof does not end
  before ``LINE`` either (or has no end: a proof being written);
* the goal is the statement, then every command of the proof that ends before ``LINE``
  (``apply``, ``using``, ``unfolding``, ``including``, ``supply``); queries (``thm``,
  ``print_state``, ``sledgehammer``, ...) change nothing and are left out.

The lemma is loaded with the theory before its statement as its header, as ``prove fill``
loads a hole. Not supported (refused with the line): a structured Isar proof before
``LINE`` (``proof``, ``have``, ...), ``sorry`` there, and lemmas stated in a locale or
inside a ``begin ... end`` block.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from isabelle_env import theory as thy
from isabelle_env.theory_text import read_theory
from prover.env import Problem
from prover.proof_site import NoGoalThere, ProofSite, ReplayStep, SiteBackend

#: Proof commands that only show something: the goal is the same without them.
QUERIES = frozenset({"thm", "term", "value", "print_state", "find_theorems", "sledgehammer", "nitpick",
                     "quickcheck", "try", "try0", "txt"})


def proof_site(text: str, line: int, file: str) -> ProofSite:
    """The goal at ``line`` of the theory ``text`` (see the module docstring), its lemma named after ``file``'s stem.

    Raises :class:`~prover.proof_site.NoGoalThere` when ``line`` is inside no apply-style proof
    or the proof before it cannot be replayed.
    """
    count = text.count("\n") + 1
    if not 1 <= line <= count:
        raise NoGoalThere(f"{file} has {count} lines: there is no line {line}")
    point = 0 if line == 1 else [i for i, char in enumerate(text) if char == "\n"][line - 2] + 1

    def line_of(offset: int) -> int:
        return text.count("\n", 0, offset) + 1

    before = [lemma for lemma in read_theory(text).lemmas if lemma.statement_end <= point]
    if not before:
        raise NoGoalThere(f"line {line} is not inside a proof: no lemma's statement ends before it")
    lemma = before[-1]
    name = lemma.name or lemma.keyword
    if lemma.ended and lemma.proof_end <= point:
        raise NoGoalThere(f"line {line} is not inside a proof: the proof of {name} (line {line_of(lemma.start)}) "
                          f"ends on line {line_of(lemma.proof_end)}")
    if lemma.target or lemma.depth > 1:
        raise NoGoalThere(f"line {line} is in the proof of {name}, inside a locale or a block: not supported yet")
    steps = []
    for command in lemma.commands:
        if command.end > point:
            break
        if command.word in QUERIES:
            continue
        code = text[command.start:command.end]
        why = (f"`{command.word}` is not an apply-style step" if command.word not in thy.OPENING
               else thy.step_problem(code) or ("it ends the proof" if thy.is_terminal(code) else None))
        if why:
            raise NoGoalThere(f"line {line_of(command.start)}: {why}: the proof before line {line} cannot be "
                              "replayed yet")
        steps.append(ReplayStep(code, line_of(command.end)))
    problem = Problem(f"{Path(file).stem}.{name}", "site", text[:lemma.start], text[lemma.start:lemma.statement_end])
    return ProofSite(problem, tuple(steps), "", f"{file}:{line}, in {name}")


def proof_script(proof: Sequence[str], opener: str = "", finished: bool = True) -> str:
    """The proof's steps one a line, indented, with ``done`` after a last ``apply`` (``sorry`` when not ``finished``).

    ``opener`` is unused: an apply-style proof has no opening command.
    """
    steps = thy.finished(list(proof)) if finished else [*(step.strip() for step in proof), "sorry"]
    return "\n".join(f"  {step}" for step in steps)


class IsabelleSites(SiteBackend):
    """:class:`~prover.proof_site.SiteBackend` for Isabelle ``.thy`` theories (apply-style proofs)."""

    def proof_site(self, text: str, line: int, file: str) -> ProofSite:
        """See :func:`proof_site`."""
        return proof_site(text, line, file)

    def proof_script(self, proof: Sequence[str], opener: str = "", finished: bool = True) -> str:
        """See :func:`proof_script`."""
        return proof_script(proof, opener, finished)
