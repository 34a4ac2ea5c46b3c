"""Isabelle sketches for Draft, Sketch, Prove: their steps, their gaps (``sorry``, ``sledgehammer``), the gaps written back.

A sketch is the proof of the problem's statement, alone or after the statement exactly as the
problem states it (whitespace aside). It is either a structured ``proof ... qed`` block, one
step whose gaps are the ``sorry`` and ``sledgehammer`` words inside it (``have "x = 2" sledgehammer``),
as in Jiang et al.'s sketches, or an apply-style script, where a step that is a gap marker alone
is a gap. Another statement, anything after the proof, ``oops``, or a word a proof may not use
(:data:`isabelle_env.theory.FORBIDDEN`: axioms, ML, new commands) refuses the sketch.
"""

from __future__ import annotations

import re
from typing import Sequence

from isabelle_env import theory as thy
from prover.dsp import after_statement

#: The words that mark a gap.
GAP_MARKERS = ("sorry", "sledgehammer")
_GAP = re.compile(r"(?<![\w.'])(?:sorry|sledgehammer)(?![\w'])")
_STATEMENT = re.compile(r"\s*(?:theorem|lemma|corollary|proposition)\b")


def gap_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` has gap markers outside strings, cartouches and comments, in order."""
    noise = [match.span() for match in thy._NOISE.finditer(text)]
    return [match.span() for match in _GAP.finditer(text) if not any(a <= match.start() < b for a, b in noise)]


def replace_gaps(text: str, replacement: "Sequence[str] | str") -> str:
    """``text`` with its gap markers replaced, in order, by ``replacement`` (one text each, or one for all)."""
    spans = gap_spans(text)
    texts = [replacement] * len(spans) if isinstance(replacement, str) else list(replacement)
    if len(texts) != len(spans):
        raise ValueError(f"the text has {len(spans)} gaps but {len(texts)} replacements were given")
    pieces, cursor = [], 0
    for (start, end), new in zip(spans, texts):
        pieces += [text[cursor:start], new]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def is_gap(step: str) -> bool:
    """Whether ``step`` is a gap marker alone."""
    return step.strip() in GAP_MARKERS


def sketch_steps(statement: str, sketch: str) -> tuple[list[str], str]:
    """The steps of ``sketch`` (gaps included), or the reason it is refused (see the module docstring)."""
    body = "\n".join(line for line in sketch.strip().splitlines() if not line.startswith("```")).strip()
    if _STATEMENT.match(body):
        wanted = " ".join(statement.split())
        if not " ".join(body.split()).startswith(wanted):
            return [], f"the sketch states another theorem: {body.splitlines()[0][:200]!r}"
        body = after_statement(body, statement).strip()
    if not body:
        return [], "the sketch has no proof steps"
    if thy.first_word(body) == thy.ISAR:
        steps = [body]
    else:
        steps = []
        for line in body.splitlines():
            if not line.strip():
                continue
            if steps and thy.first_word(line) not in thy.OPENING + thy.TERMINAL and not is_gap(line):
                steps[-1] += "\n" + line.rstrip()
            else:
                steps.append(line.strip())
    for step in steps:
        if is_gap(step):
            continue
        why = thy.step_problem(replace_gaps(step, "done"))
        if why:
            return [], f"the sketch's step {step.strip()[:80]!r} is refused: {why}"
    return steps, ""



def gap_proof_text(proof: Sequence[str]) -> str:
    """A gap's proof as it is written where the marker stood: one step a line, ``done`` after an ``apply``."""
    return "\n".join(thy.finished(list(proof)))
