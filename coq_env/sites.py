"""The goal at a line of a Coq file (``prove suggest FILE:LINE``, ``prove repl FILE:LINE``), and a proof printed to paste.

The goal at line ``LINE`` is the proof state at the start of that line:

* the lemma is the last ``Theorem``/``Lemma``/.../``Goal`` whose statement sentence ends
  before ``LINE`` starts; ``LINE`` is inside its proof when the sentence that closes the
  proof (``Qed.``, ``Defined.``, ``Admitted.``, ``Abort.``, ``Save``, ``Proof term.``)
  does not end before ``LINE`` either, or the file has none (a proof being written);
* the goal is the state after every sentence of that proof that ends before ``LINE``: the
  statement, then those sentences in order (``Proof.`` itself opens the proof and is kept
  for the printed proof; queries such as ``Check`` or ``Search`` change nothing and are
  left out). A sentence that starts before ``LINE`` and ends on it or after is not run.

The lemma is loaded with the file before its statement as its header, without the
prelude, as ``prove fill`` loads a hole: the goal is the file's own, with its imports.
Not supported (refused with the line): a ``Program`` statement, other commands inside the
proof before ``LINE`` (``Set``, ``Hint``, ...) and ``admit`` there (the prover refuses
escape tactics).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from coq_env.holes import OPENER, proof_lines
from coq_env.problem_files import file_sentences
from coq_env.sentences import check_tactic_sentence
from prover.env import Problem
from prover.proof_site import NoGoalThere, ProofSite, ReplayStep, SiteBackend

#: Commands that only show something: a proof may hold them, and the goal is the same without them.
_QUERY = re.compile(r"\s*(?:Check|Print|Search\w*|About|Locate|Compute|Eval|Show|Test)\b")


def proof_site(text: str, line: int, file: str) -> ProofSite:
    """The goal at ``line`` of the Coq source ``text`` (see the module docstring), its lemma named after ``file``'s stem.

    Raises :class:`~prover.proof_site.NoGoalThere` when ``line`` is inside no proof or the
    proof before it cannot be replayed, and :class:`~coq_env.sentences.SentenceError` for a
    text that does not split into sentences.
    """
    lines = text.count("\n") + 1
    if not 1 <= line <= lines:
        raise NoGoalThere(f"{file} has {lines} lines: there is no line {line}")
    point = 0 if line == 1 else _nth_newline(text, line - 1) + 1
    cut = file_sentences(text, Path(file).stem)

    def line_of(offset: int) -> int:
        return text.count("\n", 0, offset) + 1

    before = [lemma for lemma in cut.lemmas if cut.spans[lemma.index].end <= point]
    if not before:
        raise NoGoalThere(f"line {line} is not inside a proof: no lemma's statement ends before it")
    lemma = before[-1]
    short = lemma.name.rsplit(".", 1)[-1] or "Goal"
    end = cut.proof_end(lemma)
    if end is not None and cut.spans[end[0]].end <= point:
        raise NoGoalThere(f"line {line} is not inside a proof: the proof of {short} (line {lemma.line}) "
                          f"ends on line {line_of(cut.spans[end[0]].end)}")
    if lemma.keyword == "Program":
        raise NoGoalThere(f"line {line} is in the proof of {short}, a Program statement: not supported yet")
    last = end[0] if end is not None else len(cut.spans)
    opener, steps = "", []
    for index in range(lemma.index + 1, last):
        span, code = cut.spans[index], cut.codes[index].strip()
        if span.end > point:
            break
        if index == lemma.index + 1 and OPENER.match(code):
            opener = code
        elif check_tactic_sentence(code) is None:
            steps.append(ReplayStep(code, line_of(span.end)))
        elif not _QUERY.match(code):
            raise NoGoalThere(f"line {line_of(span.end)}: {check_tactic_sentence(code)}: the proof before "
                              f"line {line} cannot be replayed yet")
    statement = cut.spans[lemma.index]
    problem = Problem(lemma.name.rsplit(".", 1)[0] + "." + short, "site", text[: statement.code],
                      text[statement.code : statement.end])
    return ProofSite(problem, tuple(steps), opener, f"{file}:{line}, in {short}")


def _nth_newline(text: str, n: int) -> int:
    """The offset of the ``n``-th newline of ``text`` (1-based)."""
    offset = -1
    for _ in range(n):
        offset = text.index("\n", offset + 1)
    return offset


def proof_script(proof: Sequence[str], opener: str = "", finished: bool = True) -> str:
    """``opener`` (default ``Proof.``), the proof's sentences one a line, indented, and ``Qed.``
    (``Admitted.`` when not ``finished``)."""
    closer = "Qed." if finished else "Admitted."
    return "\n".join([opener or "Proof.", *(f"  {line}" for line in proof_lines(proof)), closer])


class CoqSites(SiteBackend):
    """:class:`~prover.proof_site.SiteBackend` for Coq ``.v`` files."""

    #: The goal is loaded without the prelude: the file's own, with its own imports.
    env_options = {"prelude": ""}

    def proof_site(self, text: str, line: int, file: str) -> ProofSite:
        """See :func:`proof_site`."""
        return proof_site(text, line, file)

    def proof_script(self, proof: Sequence[str], opener: str = "", finished: bool = True) -> str:
        """See :func:`proof_script`."""
        return proof_script(proof, opener, finished)
