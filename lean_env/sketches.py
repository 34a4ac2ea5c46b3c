"""Lean sketches for Draft-Sketch-Prove: their steps, their ``sorry`` gaps, and the gaps written back.

A sketch is a tactic proof, either alone (the tactics after ``:= by``) or after the theorem
exactly as the problem states it (whitespace aside). Its steps are its top-level tactics:
a line indented deeper than the sketch's first continues the step above it. A gap is a
``sorry``: a step that is ``sorry`` alone, or a ``sorry`` inside a step, most often
``have h : P := by sorry``. The REPL answers a step with ``sorry`` inside with one proof
state per ``sorry`` (``"sorries"``) besides the step's own, and each of those is a gap to
close; :func:`fill_sorries` then writes the closing tactics where the ``sorry`` tokens were.

Anything before the proof but the statement (another theorem, an ``axiom``, an ``import``
the header lacks, a ``set_option``) refuses the sketch, and so does one that goes on after its
proof with a new command.
"""

from __future__ import annotations

import re
import textwrap
from typing import Sequence

from prover.dsp import after_statement

#: ``sorry`` as a token: not part of a longer name (``sorryAx``, ``h.sorry``).
_SORRY = re.compile(r"(?<![\w.'!?])sorry(?![\w'!?])")
#: Comments (docstrings too) and string literals, whose ``sorry`` is no gap: ``--`` to the end of the line, ``/- ... -/``, ``"..."``.
SKIPPED = re.compile(r'--[^\n]*|/-.*?-/|"(?:[^"\\]|\\.)*"', re.S)
#: The start of a Lean command: a sketch line starting with one does not belong to a proof.
_COMMAND = re.compile(
    r"(?:@\[[^\]]*\]\s*)?(?:(?:private|protected|noncomputable)\s+)*"
    r"(?:theorem|lemma|axiom|axioms|def|example|instance|abbrev|opaque|structure|class|inductive|namespace|section|"
    r"end|import|open|universe|variable|set_option|macro|syntax|notation|attribute|#\w+)(?![\w.'!?])")
#: What ends a tactic-position prefix: a ``sorry`` after it is a tactic, else a term.
_TACTIC_BEFORE = re.compile(r"(?:\bby|·|<;>|;|\bcase\b[^\n]*=>|\bnext\b[^\n]*=>)\s*$")


def sorry_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` has ``sorry`` tokens outside comments and strings, in order."""
    skipped = [match.span() for match in SKIPPED.finditer(text)]
    return [match.span() for match in _SORRY.finditer(text)
            if not any(start <= match.start() < end for start, end in skipped)]


def sketch_steps(header: str, statement: str, sketch: str) -> tuple[list[str], str]:
    """The top-level tactics of ``sketch`` in order (gaps included), or the reason it is refused.

    Lines the header has (its ``import``s and ``open``s) may come before the statement.
    """
    body = sketch.strip()
    if body.startswith("```"):
        body = "\n".join(line for line in body.splitlines() if not line.startswith("```")).strip()
    allowed = {line.strip() for line in header.splitlines() if line.strip()}
    lines = body.splitlines()
    while lines and (lines[0].strip() in allowed or not lines[0].strip()):
        lines.pop(0)
    body = "\n".join(lines)
    if _COMMAND.match(body):
        prefix = " ".join(statement.split())
        flat = " ".join(body.split())
        if not flat.startswith(prefix):
            first = body.splitlines()[0]
            return [], f"the sketch states another theorem or adds a command before its proof: {first[:200]!r}"
        body = after_statement(body, statement)
    body, same_line = re.subn(r"^by\b[ \t]*(?=\S)", "", body.lstrip())
    body = re.sub(r"^by\b", "", body).lstrip("\n")
    steps: list[str] = []
    for line in textwrap.dedent(_dedent_first(body) if same_line else body).splitlines():
        if not line.strip():
            continue
        if steps and line[:1].isspace():
            steps[-1] += "\n" + line
        elif _COMMAND.match(line):
            return [], f"the sketch goes on after its proof with a command: {line[:120]!r}"
        else:
            steps.append(line.rstrip())
    if not steps:
        return [], "the sketch has no proof steps"
    return steps, ""



def _dedent_first(body: str) -> str:
    """``body`` with its first line indented like the lines under it, so a same-line tactic after ``by`` lines up."""
    lines = body.splitlines()
    rest = [line for line in lines[1:] if line.strip()]
    if not lines or not rest:
        return body
    indent = min(len(line) - len(line.lstrip()) for line in rest)
    return "\n".join([" " * indent + lines[0].lstrip(), *lines[1:]])


def fill_sorries(step: str, proofs: Sequence[Sequence[str]]) -> str:
    """``step`` with its ``sorry`` tokens replaced, in order, by ``proofs`` (each a tactic list).

    A ``sorry`` in tactic position (after ``by``, ``·``, ``;``, ``case ... =>``, or alone on its
    line) becomes the tactics; one in term position becomes ``by`` and the tactics. A proof of
    several tactics is laid out one tactic a line at the ``sorry``'s column when nothing follows
    it on its line, else as ``(tac; tac)``.
    """
    spans = sorry_spans(step)
    if len(spans) != len(proofs):
        raise ValueError(f"the step has {len(spans)} sorry tokens but {len(proofs)} gap proofs were given")
    pieces, cursor = [], 0
    for (start, end), proof in zip(spans, proofs):
        line_start = step.rfind("\n", 0, start) + 1
        before, after = step[line_start:start], step[end:].split("\n", 1)[0]
        term = not (_TACTIC_BEFORE.search(before) or not before.strip())
        column = start - line_start + (3 if term else 0)
        tactics = _tactics(proof, column, inline=bool(after.strip()))
        pieces += [step[cursor:start], ("by " + tactics) if term else tactics]
        cursor = end
    pieces.append(step[cursor:])
    return "".join(pieces)


def _tactics(proof: Sequence[str], column: int, inline: bool) -> str:
    """``proof`` written where a ``sorry`` stood, its later lines at ``column``."""
    if len(proof) == 1 and "\n" not in proof[0]:
        return proof[0]
    if inline:
        return "(" + "; ".join(" ".join(tactic.split()) for tactic in proof) + ")"
    pad = "\n" + " " * column
    return pad.join(tactic.replace("\n", pad) for tactic in proof)
