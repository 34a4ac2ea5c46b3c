"""Coq sketches for Draft-Sketch-Prove: their steps, their gaps (``admit.``), and what makes one refused.

A sketch may be the proof alone (``Proof. ... Qed.``, or just its tactics) or the theorem
with its proof. Before the proof it may repeat the statement, exactly as the problem states
it (comments and layout aside), and the header's own imports; anything else there (another
statement, a new ``Require``, an ``Axiom``) refuses the sketch. The proof ends at ``Qed.`` or
``Defined.`` or with the text; a sketch that ends in ``Admitted.`` or ``Abort.`` is refused.
"""

from __future__ import annotations

import re

from coq_env.sentences import SentenceError, check_tactic_sentence, split_sentences, strip_comments

#: A theorem-like declaration, the statement a sketch may repeat.
_DECLARATION = re.compile(r"(?:Theorem|Lemma|Fact|Remark|Corollary|Proposition|Property|Example)\s")
#: Commands that only bring in what the header already has.
_IMPORT = re.compile(r"(?:(?:From\s+\S+\s+)?Require\s|Import\s|Export\s|(?:Local\s+)?Open\s+Scope\s)")
_OPENER = re.compile(r"Proof(?:\s+(?:using|with)\b.*)?\.", re.S)
_CLOSERS = ("Qed.", "Defined.")
_GIVE_UP = ("Admitted.", "Abort.", "Abort All.")


def normal(sentence: str) -> str:
    """``sentence`` without comments, its whitespace runs made single spaces."""
    return " ".join(strip_comments(sentence).split())


def is_gap(step: str) -> bool:
    """Whether ``step`` is the gap marker ``admit.``."""
    return normal(step) == "admit."


def sketch_steps(header: str, statement: str, sketch: str) -> tuple[list[str], str]:
    """The proof steps of ``sketch`` (gaps included), or the reason it is refused."""
    try:
        sentences = [normal(s) for s in split_sentences(sketch)]
        allowed = {normal(s) for s in split_sentences(header)}
    except SentenceError as error:
        return [], f"the sketch does not split into Coq sentences: {error}"
    sentences = [s for s in sentences if s]
    steps: list[str] = []
    in_proof = ended = False
    for sentence in sentences:
        if ended:
            return [], f"the sketch goes on after its proof ends: {sentence[:80]!r}"
        if not in_proof:
            if _DECLARATION.match(sentence):
                if sentence != normal(statement):
                    return [], f"the sketch states another theorem: {sentence[:200]!r}"
                continue
            if _IMPORT.match(sentence):
                if sentence not in allowed:
                    return [], f"the sketch adds {sentence[:120]!r}, which the header does not have"
                continue
            in_proof = True
            if _OPENER.fullmatch(sentence):
                continue
            if check_tactic_sentence(sentence) is not None and not is_gap(sentence):
                return [], f"the sketch adds {sentence[:120]!r} before its proof"
        if sentence in _CLOSERS:
            ended = True
        elif sentence in _GIVE_UP:
            return [], f"the sketch ends in {sentence!r}"
        else:
            steps.append(sentence)
    if not steps:
        return [], "the sketch has no proof steps"
    return steps, ""
