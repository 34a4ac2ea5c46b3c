"""The theory files the backend checks, and the rules for a proof step.

A proof is an apply-style script: steps ``apply``/``using``/``unfolding``/``including``/``supply``
keep the goals open; ``by``, ``done``, ``.`` and ``..`` end the proof, and so does a structured
``proof ... qed`` block, one step (Draft, Sketch, Prove's sketches are such blocks). To see the goals a
step leaves, the file puts the *probe* ``done`` after it: with goals left, Isabelle fails the
probe with "Failed to finish proof ... goal (N subgoals): ..." at the probe's line; with none,
the probe ends the proof. Every file has a fresh theory name, so no check reuses another's
state, and :class:`Layout` says on which lines its statement, each step and the probe are,
so that messages (which carry a line) are mapped to what caused them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The command that ends a proof whose goals are all closed, and shows the goals otherwise.
PROBE = "done"

#: First words of a step that keeps the proof going.
OPENING = ("apply", "using", "unfolding", "including", "supply")
#: First words of a step that ends the proof.
TERMINAL = ("by", "done", ".", "..")
#: The first word of a structured (Isar) proof block, a step that ends the proof at its ``qed``.
ISAR = "proof"

#: Words a proof may not contain (outside strings, cartouches and comments): proofs that skip
#: (``sorry``, ``oops`` abandons the theorem quietly), commands that leave the proof or add
#: axioms, ML (also as the ``tactic`` methods, which could run ``Skip_Proof.cheat_tac``), or
#: change the system's trust.
FORBIDDEN = frozenset({
    "sorry", "oops", "admit", "quick_and_dirty", "skip_proof", "Skip_Proof", "cheat_tac",
    "axiomatization", "axioms", "oracle", "tactic", "raw_tactic", "ML", "ML_val", "ML_command",
    "ML_prf", "ML_file", "setup", "local_setup", "method_setup", "attribute_setup", "declare",
    "end", "lemma", "theorem", "corollary", "proposition",
    "schematic_goal", "notepad", "consts", "definition", "abbreviation", "fun", "primrec",
    "function", "locale", "context", "instance", "instantiation", "typedef", "datatype", "theory",
})

#: ``theory NAME imports ... begin``, after any comments (a file's own header often opens with one).
_HEADER = re.compile(r"^(?:\s|\(\*.*?\*\))*theory\s+(\S+)\s+imports\s+(.*?)\s*\bbegin\b", re.DOTALL)
_STATEMENT = re.compile(r"^\s*(theorem|lemma|corollary|proposition)\b")
_NOISE = re.compile(r'"(?:[^"\\]|\\.)*"|\\<open>.*?\\<close>|\u2039.*?\u203a|\(\*.*?\*\)|`[^`]*`', re.DOTALL)
_COMMENT = re.compile(r"\(\*.*?\*\)", re.DOTALL)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_']*")


def header_problem(header: str) -> str | None:
    """Why ``header`` is not ``theory NAME imports ... begin``, or None."""
    return None if _HEADER.match(header) else "the header is not `theory NAME imports ... begin`"


def statement_problem(statement: str) -> str | None:
    """Why ``statement`` is not a theorem statement without a proof, or None."""
    if not _STATEMENT.match(statement):
        return "the statement does not start with theorem, lemma, corollary or proposition"
    words = set(_WORD.findall(_NOISE.sub(" ", statement))) & {"sorry", "oops", "by", "proof", "apply", "done"}
    return f"the statement holds proof text ({', '.join(sorted(words))})" if words else None


def rename_theory(header: str, name: str) -> str:
    """``header`` with its theory named ``name`` (a theory's name must be its file's)."""
    found = _HEADER.match(header)
    if found is None:
        raise ValueError(header_problem(header))
    return header[:found.start(1)] + name + header[found.end(1):]


def first_word(step: str) -> str:
    """The command a step starts with (``apply``, ``by``, ``.``, ...), comments skipped."""
    stripped = _COMMENT.sub(" ", step).strip()
    if stripped.startswith(".."):
        return ".."
    if stripped.startswith("."):
        return "."
    found = _WORD.match(stripped)
    return found.group(0) if found else stripped[:1]


_COMMAND = re.compile(r"(?<![\w.'])(?:" + "|".join(OPENING + ("by", "done")) + r")(?![\w'])|(?<!\S)\.\.?(?!\S)")


def commands(step: str) -> list[str]:
    """The proof commands in ``step``, in order: keywords outside parentheses, strings and comments.

    ``"apply simp\ndone"`` holds two (``apply``, ``done``); ``apply (rule by_cases)`` one.
    """
    text, found, depth, at = _NOISE.sub(" ", step), [], 0, 0
    for match in _COMMAND.finditer(text):
        depth += text.count("(", at, match.start()) - text.count(")", at, match.start())
        at = match.start()
        if depth <= 0:
            found.append(match.group(0))
    return found


def header_name(header: str) -> str:
    """The theory's name in ``header`` (``ValueError`` when it is not a header)."""
    found = _HEADER.match(header)
    if found is None:
        raise ValueError(header_problem(header))
    return found.group(1)


def finished(proof: list[str]) -> list[str]:
    """``proof``'s steps, stripped, with the probe ``done`` after a last step that keeps the proof going
    (it closed every goal, so ``done`` ends the proof)."""
    steps = [step.strip() for step in proof]
    return steps if not steps or is_terminal(steps[-1]) else [*steps, PROBE]


def is_terminal(step: str) -> bool:
    """Whether ``step`` ends the proof: its last command is ``by``, ``done``, ``.`` or ``..``, or it is a
    ``proof ... qed`` block."""
    if first_word(step) == ISAR:
        return True
    found = commands(step)
    return bool(found) and found[-1] in TERMINAL


def step_problem(step: str) -> str | None:
    """Why ``step`` cannot be a proof step, or None."""
    if not step.strip():
        return "the step is empty"
    if first_word(step) not in OPENING + TERMINAL + (ISAR,):
        return f"a step starts with one of {', '.join(OPENING + TERMINAL + (ISAR,))}, not {first_word(step)!r}"
    words = _WORD.findall(_NOISE.sub(" ", step))
    bad = sorted(set(words) & FORBIDDEN)
    if bad:
        return f"the step uses {', '.join(bad)}"
    if first_word(step) == ISAR and (not words or words[-1] != "qed"):
        return "a `proof` block must end with `qed`"
    return None


def proof_problem(steps: list[str]) -> str | None:
    """Why ``steps`` cannot be a whole proof, or None: each is a step, and only the last may end it."""
    if not steps:
        return "the proof is empty"
    for number, step in enumerate(steps, 1):
        why = step_problem(step)
        if why is None and number < len(steps) and (first_word(step) == ISAR
                                                     or any(command in TERMINAL for command in commands(step))):
            why = "it ends the proof before the last step"
        if why:
            return f"step {number} ({step.strip()[:80]!r}): {why}"
    return None


@dataclass(frozen=True)
class Layout:
    """Where things are in a checked theory file (1-based lines, inclusive)."""

    statement: tuple[int, int]
    steps: tuple[tuple[int, int], ...]
    probe: int  #: the probe's line, 0 when the file has none
    end: int


@dataclass(frozen=True)
class TheoryFile:
    """A theory's name, its text and its :class:`Layout`."""

    name: str
    text: str
    layout: Layout


def build_theory(name: str, header: str, statement: str, steps: list[str], probe: str | None = PROBE) -> TheoryFile:
    """The theory ``name``: ``header`` (renamed), ``statement``, ``steps``, then ``probe`` if given, then ``end``."""
    lines: list[str] = rename_theory(header, name).rstrip().split("\n")

    def add(text: str) -> tuple[int, int]:
        first = len(lines) + 1
        lines.extend(text.strip("\n").split("\n"))
        return first, len(lines)

    statement_span = add(statement)
    step_spans = tuple(add(step) for step in steps)
    probe_line = add(probe)[0] if probe else 0
    end_line = add("end")[0]
    return TheoryFile(name, "\n".join(lines) + "\n", Layout(statement_span, step_spans, probe_line, end_line))
