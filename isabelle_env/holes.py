"""The holes of an Isabelle theory (``prove fill``): lemmas it leaves unproved, and how a found proof is written back.

A hole is a ``lemma``/``theorem``/``corollary``/``proposition`` whose proof says ``sorry``
or ends with ``oops``, Isabelle's two escapes (read by :mod:`isabelle_env.theory_text`, so
comments, cartouches and strings cannot fool it). A structured proof with a ``sorry``
inside (``proof ... sorry ... qed``) is a hole of the whole lemma, as Coq's ``admit`` is:
the found proof replaces the whole proof, from its first command to its last.

A found proof is written as :class:`~isabelle_env.IsabelleEnv` checks it: its steps in
order, ``done`` after a last ``apply`` (:func:`isabelle_env.theory.finished`), on one line
when the hole was on one line, else one step a line at the indentation of the hole's first
line (two spaces under the statement when the proof began on the statement's line).

Not supported yet (listed, left as they are): unnamed lemmas (no later proof and no audit
can name them), lemmas stated in a locale (``lemma (in l)``) or inside a ``context``,
``locale``, ``notepad`` ... ``begin ... end`` block (the search's theory states the lemma at
the theory's top level), proofs whose end is not found, and any ``sorry``/``oops`` outside
a lemma (in a ``termination``, ``instance``, ``typedef`` ... proof).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Sequence

from isabelle_env import theory as thy
from isabelle_env.file_check import audited_theory, check_theory
from isabelle_env.server import ServerAddress, ServerPlan, locate
from isabelle_env.session import SessionConfig
from isabelle_env.theory_text import Lemma, read_theory
from prover.fill import FileBackend, FileCheck, Hole

_INDENT = re.compile(r"[ \t]*")


@dataclass(frozen=True)
class IsabelleHole(Hole):
    """An Isabelle hole (nothing more than :class:`~prover.fill.Hole` needs yet: the text holds the rest)."""


def find_holes(text: str, stem: str) -> list[IsabelleHole]:
    """The holes of the theory ``text`` in file order, named ``stem.…``; unsupported ones included."""
    theory = read_theory(text)
    holes = [_hole(text, stem, lemma) for lemma in theory.lemmas if lemma.escapes]
    for offset, escape, command in theory.stray:
        line = _line(text, offset)
        holes.append(IsabelleHole(
            name=f"{stem}.{command}@{line}", lemma=command, line=line, kind=escape, statement="",
            statement_start=offset, start=offset, end=offset + len(escape),
            unsupported=f"{escape!r} in the proof of `{command}`, not of a lemma"))
    return sorted(holes, key=lambda hole: hole.start)


def _hole(text: str, stem: str, lemma: Lemma) -> IsabelleHole:
    escapes = lemma.escapes
    kind = "oops" if escapes[-1] == "oops" else "sorry" if len(escapes) == 1 else f"{len(escapes)} sorry"
    return IsabelleHole(
        name=f"{stem}.{lemma.name or lemma.keyword}", lemma=lemma.name or lemma.keyword, line=_line(text, lemma.start),
        kind=kind, statement=text[lemma.start:lemma.statement_end], statement_start=lemma.start,
        start=lemma.proof_start, end=lemma.proof_end, unsupported=_unsupported(lemma))


def _unsupported(lemma: Lemma) -> str:
    if not lemma.name:
        return f"an unnamed {lemma.keyword}: nothing can use its proof, and the audit cannot name it"
    if lemma.target:
        return f"stated in the locale {lemma.target}"
    if lemma.depth > 1:
        return "inside a context, locale or other begin ... end block"
    if not lemma.ended:
        return "the end of its proof was not found"
    return ""


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def proof_text(text: str, hole: Hole, proof: Sequence[str]) -> str:
    """The steps of ``proof`` (finished with ``done`` when they need it), to replace the hole's span, laid out like it."""
    steps = thy.finished(list(proof))
    hole_text = text[hole.start:hole.end]
    if "\n" not in hole_text:
        return " ".join(" ".join(step.split("\n")) for step in steps)
    line_start = text.rfind("\n", 0, hole.start) + 1
    before = text[line_start:hole.start]
    if before.strip():
        indent = _INDENT.match(before).group() + "  "
        lead = "\n" + indent
    else:
        indent, lead = before, ""
    newline = "\r\n" if "\r\n" in hole_text else "\n"
    lines = [line for step in steps for line in step.split("\n")]
    return lead.replace("\n", newline) + (newline + indent).join(line.strip() for line in lines)


class IsabelleFiles(FileBackend):
    """:class:`~prover.fill.FileBackend` for Isabelle ``.thy`` theories: holes, proofs written back, whole-file checks.

    Options as :class:`~isabelle_env.IsabelleEnv`'s: ``server``, ``isabelle_dir``, ``session``,
    ``dirs``; ``timeout`` is the seconds a whole-file check may take. The search runs in the
    file's own context through :attr:`env_options`: the header of each hole's problem is the
    file before the lemma (its own ``theory ... imports ... begin``, and the lemmas before
    it), in the same session and server as the checks here; a proof is verified in a fresh
    session within ``timeout``. Imports of theories beside the file (``imports Lib`` for a
    ``Lib.thy`` next to it) are not found: the checked theories live in a folder of their own.
    """

    def __init__(self, timeout: float = 300.0, server: ServerAddress | str | None = None,
                 isabelle_dir: str | os.PathLike | None = None, session: str = SessionConfig.session,
                 dirs: tuple[str, ...] = ()) -> None:
        self.timeout = timeout
        self.server, self.isabelle_dir = server, isabelle_dir
        self.config = SessionConfig(session=session, dirs=tuple(dirs))
        self._plan: ServerPlan | None = None
        self.env_options: dict[str, Any] = {"session": session, "dirs": tuple(dirs), "check_timeout": timeout}
        if server is not None:
            self.env_options["server"] = server
        if isabelle_dir is not None:
            self.env_options["isabelle_dir"] = isabelle_dir

    def find_holes(self, text: str, stem: str) -> list[Hole]:
        """See :func:`find_holes`."""
        return list(find_holes(text, stem))

    def proof_text(self, text: str, hole: Hole, proof: list[str]) -> str:
        """See :func:`proof_text`."""
        return proof_text(text, hole, proof)

    def check_file(self, text: str, lemmas: Sequence[tuple[int, Hole]] = ()) -> FileCheck:
        """``use_theories`` on ``text`` in a fresh session, with the audit of each lemma (see :mod:`isabelle_env.file_check`)."""
        theory = read_theory(text)
        starts = {lemma.start: lemma for lemma in theory.lemmas}
        written = [_written_refusal(starts.get(offset)) for offset, _ in lemmas]
        try:
            audited = audited_theory(text, theory, [hole.lemma for _, hole in lemmas])
        except ValueError as error:
            return FileCheck((1, str(error)), tuple(written))
        if self._plan is None:
            self._plan = locate(self.server, self.isabelle_dir)
        error, audit = check_theory(self._plan, self.config, audited, self.timeout)
        return FileCheck(error, tuple(mine or theirs for mine, theirs in zip(written, audit)))


def _written_refusal(lemma: Lemma | None) -> str:
    """Why the lemma's text does not count as proved ("" when it does)."""
    if lemma is None:
        return "the lemma is not where it was written"
    if lemma.escapes:
        return f"its proof still says {lemma.escapes[0]}"
    return "" if lemma.ended else "the end of its proof was not found"
