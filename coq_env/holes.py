"""The holes of a Coq file (``prove fill``): lemmas it closes with ``Admitted``, and how a found proof is written back.

A hole is a ``Theorem``/``Lemma``/... whose proof ends in ``Admitted.``: either with no
proof at all (``Lemma x : T. Admitted.``) or with a partial one, ``admit.`` tactics
included. A found proof replaces everything from the first sentence after the statement
(``Proof.``, or the ``Admitted.`` itself) to the end of ``Admitted.``, with ``Proof.``, the
proof's sentences and ``Qed.``, laid out like the hole (one line if it was one line,
else one sentence a line under the hole's indentation). So an ``admit.`` inside a proof is
filled by proving the whole lemma again; the partial proof is not kept.

Inside a section, an ``Admitted`` lemma takes every section variable as an argument when
the section closes, but a ``Qed`` one only those its proof uses: the proof is written
under ``Proof using All.`` (unless the hole had its own ``Proof using``) so that the lemma
keeps the type later lemmas see.

Not supported yet (listed, left as they are): ``Program`` statements, lemmas inside a
functor or a module type (the verifier cannot name them from outside), anonymous
``Goal``\\ s. ``Definition ... Admitted.`` is no hole: a definition's body matters, any
proof of its type would not do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from coq_env.assumptions import Assumptions
from coq_env.problem_files import FileLemma, FileSentences, file_sentences
from coq_env.sentences import ESCAPE_TACTICS, tactic_sentences
from coq_env.verify import CoqVerifier
from prover.fill import FileBackend, FileCheck, Hole

_ADMITTED = re.compile(r"\s*Admitted\s*\.\s*$")
#: The sentence that opens a proof: ``Proof.``, ``Proof using ....``, ``Proof with ....``.
OPENER = re.compile(r"\s*Proof(?:\s+(?:using|with)\b[^.]*)?\s*\.\s*$", re.S)
_ESCAPE = re.compile(rf"\b(?:{'|'.join(sorted(ESCAPE_TACTICS))})\b")
_INDENT = re.compile(r"[ \t]*")
_BRACKET = re.compile(r"-+|\++|\*+|\{|\}|(?:\d+|\[[A-Za-z_][\w']*\])\s*:\s*\{")


@dataclass(frozen=True)
class CoqHole(Hole):
    """A Coq hole, with what writing its proof back needs."""

    opener: str = ""  #: the hole's own ``Proof ...`` sentence, if it starts with one
    in_section: bool = False  #: a section is open around the lemma


def find_holes(text: str, stem: str) -> list[CoqHole]:
    """The lemmas ``text`` closes with ``Admitted``, in file order, named ``stem.…``.

    Raises :class:`~coq_env.sentences.SentenceError` for a text that does not split into sentences.
    """
    cut = file_sentences(text, stem)
    holes = []
    for lemma in cut.lemmas:
        end = cut.proof_end(lemma)
        if end is not None and end[1] == "unproved" and _ADMITTED.match(cut.codes[end[0]]):
            holes.append(_hole(cut, lemma, end[0]))
    return holes


def _hole(cut: FileSentences, lemma: FileLemma, last: int) -> CoqHole:
    """The hole of ``lemma``, whose proof's sentences run up to ``Admitted.``, sentence ``last``."""
    statement, first = cut.spans[lemma.index], cut.spans[lemma.index + 1]
    opener = cut.text[first.code : first.end] if OPENER.match(cut.codes[lemma.index + 1]) else ""
    escapes = sum(1 for code in cut.codes[lemma.index + 1 : last] if _ESCAPE.search(code))
    short = lemma.name.rsplit(".", 1)[-1] or "Goal"
    return CoqHole(
        name=lemma.name.rsplit(".", 1)[0] + "." + short, lemma=short, line=lemma.line, kind=_kind(escapes),
        statement=cut.text[statement.code : statement.end], statement_start=statement.code,
        start=first.code, end=cut.spans[last].end, unsupported=_unsupported(lemma), opener=opener,
        in_section=lemma.in_section,
    )  # fmt: skip


def _kind(escapes: int) -> str:
    """The hole's kind for the table: ``Admitted`` with no ``admit`` in the proof, else how many."""
    return "Admitted" if not escapes else "admit" if escapes == 1 else f"{escapes} admits"


def _unsupported(lemma: FileLemma) -> str:
    if lemma.keyword == "Program":
        return "a Program statement: its obligations are no one proof"
    if lemma.keyword == "Goal":
        return "an anonymous Goal: nothing can use its proof"
    if (inside := lemma.inside) is not None:
        return f"inside the {'module type' if inside.kind == 'Module Type' else 'functor'} {inside.name}"
    return ""


def proof_text(text: str, hole: CoqHole, proof: Sequence[str]) -> str:
    """``Proof.``, ``proof`` and ``Qed.``, to replace the hole's span, laid out like it."""
    opener = hole.opener or "Proof."
    if hole.in_section and not re.search(r"\busing\b", opener):
        opener = "Proof using All."
    lines = proof_lines(proof)
    hole_text = text[hole.start : hole.end]
    if "\n" not in hole_text:
        return " ".join([opener, *lines, "Qed."])
    indent = _INDENT.match(text, text.rfind("\n", 0, hole.start) + 1).group()
    newline = "\r\n" if "\r\n" in hole_text else "\n"
    return newline.join([opener, *(f"{indent}  {line}" for line in lines), f"{indent}Qed."])


def proof_lines(proof: Sequence[str]) -> list[str]:
    """The proof's sentences (of its steps, in order), one a line, a bullet or brace on the line of the sentence after it."""
    lines: list[str] = []
    pending = ""
    for sentence in (s for step in proof for s in tactic_sentences(step)):
        if _BRACKET.fullmatch(sentence):
            pending += sentence + " "
        else:
            lines.append(pending + sentence)
            pending = ""
    if pending:
        lines.append(pending.rstrip())
    return lines


class CoqFiles(FileBackend):
    """:class:`~prover.fill.FileBackend` for Coq ``.v`` files: holes, proofs written back, ``coqc`` checks."""

    #: The search runs without the prelude: a proof must hold in the file as written, with its own imports.
    env_options = {"prelude": ""}

    def __init__(self, coqc: str = "coqc", timeout: float = 300.0) -> None:
        self.verifier = CoqVerifier(coqc=coqc, prelude="", timeout=timeout)

    def find_holes(self, text: str, stem: str) -> list[Hole]:
        """See :func:`find_holes`."""
        return list(find_holes(text, stem))

    def proof_text(self, text: str, hole: Hole, proof: list[str]) -> str:
        """See :func:`proof_text`."""
        assert isinstance(hole, CoqHole)
        return proof_text(text, hole, proof)

    def check_file(self, text: str, lemmas: Sequence[tuple[int, Hole]] = ()) -> FileCheck:
        """``coqc`` on ``text`` alone, then ``Print Assumptions`` of each lemma from outside the file."""
        theorems = []
        for offset, hole in lemmas:
            start = len(text[:offset].encode("utf-8"))
            theorems.append((range(start, start + len(hole.statement.encode("utf-8"))), hole.lemma))
        check = self.verifier.check_file(text, theorems)
        return FileCheck(check.error, tuple(_refusal(found) for found in check.assumptions))


def _refusal(found: Assumptions | str) -> str:
    return found if isinstance(found, str) else found.refusal
