"""Filling a file's holes: a proof searched for each unproved lemma, in the context of the file before it.

A *hole* is a lemma the file leaves unproved (Coq: closed by ``Admitted``). Holes are
filled in file order, and hole *k* is searched with the file before it as it will be
written: the holes before it that this run filled carry their proofs, the others are
still unproved, so the backend's re-check refuses a proof that leans on an unproved
lemma; a lemma after the hole is not in its header, so no proof can use it. A proof
counts only when the backend's re-check accepts it, and it replaces exactly the hole's
span: every other byte of the file stays as it was.

Then the whole output is checked as its user will check it (the backend's compiler in a
fresh process, the file alone) together with the assumptions of every filled lemma. A
filled hole that breaks the file, or whose lemma still rests on an unproved one, is put
back as it was (the last one before the first error, or each one the audit names) and
the file checked again, until it passes: what is written always compiles when the input
did.
"""

from __future__ import annotations

import abc
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Sequence

from prover.env import Problem, ProofEnv, ProverError
from prover.generators.base import TacticGenerator
from prover.search import SearchConfig, search


@dataclass(frozen=True)
class Hole:
    """An unproved lemma of a file: where it is, and the span a found proof replaces.

    Offsets index the file's text (``str`` positions). ``text[statement_start:]`` begins with
    the statement; everything before it is the lemma's header. Backends may subclass it to
    keep what they need to write a proof back.
    """

    name: str  #: the lemma's full name (file stem, modules, name)
    lemma: str  #: its name as the file spells it
    line: int  #: the statement's line (1-based)
    kind: str  #: how the file leaves it unproved, for the table (Coq: ``Admitted``, ``admit``, ``2 admits``)
    statement: str
    statement_start: int
    start: int  #: ``text[start:end]`` is what a found proof replaces
    end: int
    unsupported: str = ""  #: why this hole cannot be filled yet ("" when it can)


class FillStatus(str, Enum):
    """What became of one hole (a ``str``: the JSON summary holds the value)."""

    FILLED = "filled"  #: a proof was found, re-checked, and written back
    NOT_FOUND = "not found"  #: the search ended without a proof the re-check accepted
    UNSUPPORTED = "not supported yet"  #: a kind of hole this command cannot fill; left as it was
    REVERTED = "reverted"  #: a proof was found, but the whole file did not check with it: put back
    ERROR = "error"  #: the prover could not load the hole (its header or statement)


@dataclass
class HoleOutcome:
    """One hole's result: its status, the proof written back, the time spent and why not filled."""

    hole: Hole
    status: FillStatus
    proof: list[str] = field(default_factory=list)
    replacement: str = ""  #: the text written in place of the hole's span
    seconds: float = 0.0
    detail: str = ""  #: why it is not filled (the search's stop reason, a refusal, an error)

    def record(self) -> dict[str, Any]:
        """The outcome as JSON-ready data."""
        hole = self.hole
        return {"lemma": hole.name, "line": hole.line, "hole": hole.kind, "status": self.status.value,
                "proof": self.proof, "seconds": round(self.seconds, 2), "detail": self.detail}


@dataclass(frozen=True)
class FileCheck:
    """A whole file checked by the backend's compiler in a fresh process, with assumption audits."""

    error: tuple[int, str] | None  #: the first error's line (1-based; 0 when unknown) and message; None if it compiled
    refusals: tuple[str, ...] = ()  #: for each lemma audited, why it does not count ("" when it does)


class FileBackend(abc.ABC):
    """What filling a file needs from a backend beyond its :class:`~prover.env.ProofEnv`."""

    #: Constructor options of the backend's env for a search in the file's own context
    #: (Coq: no prelude, so that every proof found also holds in the file as written).
    env_options: dict[str, Any] = {}

    @abc.abstractmethod
    def find_holes(self, text: str, stem: str) -> list[Hole]:
        """The holes of ``text`` in file order, named after the file's ``stem``; unsupported ones included."""

    @abc.abstractmethod
    def proof_text(self, text: str, hole: Hole, proof: list[str]) -> str:
        """What replaces ``text[hole.start:hole.end]`` to prove the lemma with ``proof`` (tactics in order)."""

    @abc.abstractmethod
    def check_file(self, text: str, lemmas: Sequence[tuple[int, Hole]] = ()) -> FileCheck:
        """Check ``text`` as a whole file, and audit the assumptions of each ``(statement offset, hole)`` lemma."""


@dataclass
class FillReport:
    """A filled file: its text, each hole's outcome, and the final whole-file check."""

    text: str
    outcomes: list[HoleOutcome]
    check: FileCheck | None = None  #: None when nothing was filled (the text is the input's)

    @property
    def filled(self) -> list[HoleOutcome]:
        """The outcomes of the holes filled."""
        return [outcome for outcome in self.outcomes if outcome.status is FillStatus.FILLED]


def splice(text: str, edits: Sequence[tuple[Hole, str]]) -> tuple[str, list[int]]:
    """``text`` with each hole's span replaced (``edits`` in file order), and where each edited
    hole's statement starts in the result."""
    pieces: list[str] = []
    starts: list[int] = []
    cursor = shift = 0
    for hole, replacement in edits:
        starts.append(hole.statement_start + shift)
        pieces += [text[cursor : hole.start], replacement]
        shift += len(replacement) - (hole.end - hole.start)
        cursor = hole.end
    pieces.append(text[cursor:])
    return "".join(pieces), starts


def fill_holes(
    text: str,
    holes: Sequence[Hole],
    backend: FileBackend,
    env: ProofEnv,
    generator: TacticGenerator,
    config: SearchConfig = SearchConfig(),
    on_outcome: Callable[[HoleOutcome], None] | None = None,
) -> FillReport:
    """Search a proof for each of ``holes`` of ``text`` in order, then settle the file (see the module docstring).

    ``on_outcome`` hears each hole's outcome as soon as its search ends.
    """
    outcomes: list[HoleOutcome] = []
    for hole in holes:
        outcome = _fill_one(text, hole, outcomes, backend, env, generator, config)
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    if not any(outcome.status is FillStatus.FILLED for outcome in outcomes):
        return FillReport(text, outcomes)
    output, check = settle(text, outcomes, backend)
    return FillReport(output, outcomes, check)


def _fill_one(text: str, hole: Hole, done: list[HoleOutcome], backend: FileBackend, env: ProofEnv,
              generator: TacticGenerator, config: SearchConfig) -> HoleOutcome:
    """Search ``hole`` with the file before it as written so far (the holes ``done`` filled carry their proofs)."""
    if hole.unsupported:
        return HoleOutcome(hole, FillStatus.UNSUPPORTED, detail=hole.unsupported)
    header, _ = splice(text[: hole.statement_start], _edits(done))
    problem = Problem(hole.name, "fill", header, hole.statement)
    started = time.monotonic()
    try:
        result = search(problem, env, generator, config, accept=lambda proof: env.verify(problem, proof))
    except ProverError as error:
        return HoleOutcome(hole, FillStatus.ERROR, seconds=time.monotonic() - started, detail=str(error))
    seconds = time.monotonic() - started
    if result.verified:
        return HoleOutcome(hole, FillStatus.FILLED, result.proof, backend.proof_text(text, hole, result.proof), seconds)
    return HoleOutcome(hole, FillStatus.NOT_FOUND, seconds=seconds, detail=result.failure())


def _edits(outcomes: Sequence[HoleOutcome]) -> list[tuple[Hole, str]]:
    return [(o.hole, o.replacement) for o in outcomes if o.status is FillStatus.FILLED]


def settle(text: str, outcomes: list[HoleOutcome], backend: FileBackend) -> tuple[str, FileCheck]:
    """The output with every filled hole that survives the whole-file check, and that check.

    A filled hole is put back (its outcome becomes ``REVERTED``) when the file fails to
    compile at or after it (the last such hole before the first error) or when its lemma's
    audit refuses it; then the file is checked again.
    """
    while True:
        filled = [o for o in outcomes if o.status is FillStatus.FILLED]
        output, starts = splice(text, _edits(filled))
        check = backend.check_file(output, list(zip(starts, (o.hole for o in filled))))
        if not filled or (check.error is None and not any(check.refusals)):
            return output, check
        if check.error is not None:
            line, message = check.error
            before = [o for o, start in zip(filled, starts) if output.count("\n", 0, start) + 1 <= line]
            culprit = before[-1] if before else filled[-1]
            _revert(culprit, f"the whole file did not compile with this proof (line {line}: {message})")
            continue
        for outcome, refusal in zip(filled, check.refusals):
            if refusal:
                _revert(outcome, f"the whole file's audit refused it: {refusal}")


def _revert(outcome: HoleOutcome, why: str) -> None:
    outcome.status, outcome.replacement, outcome.detail = FillStatus.REVERTED, "", why
