"""Coq sentence splitting and the rules for what a proof step may contain.

Coqtop answers each *sentence* with its own prompt, so the session must send
exactly one sentence at a time: ``lra. reflexivity.`` is two steps, and a bullet
(``-``, ``+``, ``*``) or a brace (``{``, ``}``) is a sentence without a period.
A sentence ends at a ``.`` followed by whitespace or the end of the text,
outside comments (which nest) and strings.
"""

from __future__ import annotations

import re


class SentenceError(ValueError):
    """The text is not a sequence of complete Coq sentences."""


_BULLET = re.compile(r"(-+|\++|\*+|\{|\})")


def split_sentences(text: str) -> list[str]:
    """Split Coq source into sentences, each stripped and ending as Coq sees it.

    Raises :class:`SentenceError` for an unclosed comment or string. A trailing
    fragment without a final period is returned as its own (incomplete) item;
    callers decide whether to complete it (see :func:`tactic_sentences`).
    """
    sentences: list[str] = []
    start = 0
    i = 0
    n = len(text)
    depth = 0  # comment nesting
    in_string = False
    while i < n:
        ch = text[i]
        if in_string:
            if ch == '"':
                if i + 1 < n and text[i + 1] == '"':
                    i += 2
                    continue
                in_string = False
            i += 1
            continue
        if text.startswith("(*", i):
            depth += 1
            i += 2
            continue
        if depth:
            if text.startswith("*)", i):
                depth -= 1
                i += 2
            else:
                i += 1
            continue
        if ch == '"':
            in_string = True
            i += 1
            continue
        pending = text[start:i]
        if not _strip_comments(pending).strip():
            # At the start of a sentence a bullet or brace is a sentence by itself.
            bullet = _BULLET.match(text, i)
            if bullet:
                sentences.append(bullet.group(0))
                i = start = bullet.end()
                continue
        if ch == "." and (i + 1 == n or text[i + 1].isspace()):
            if i > 0 and text[i - 1] == "." :
                i += 1  # ".." is not a sentence end
                continue
            sentence = text[start : i + 1].strip()
            if _strip_comments(sentence).strip() != ".":
                sentences.append(sentence)
            start = i = i + 1
            continue
        i += 1
    if depth:
        raise SentenceError("unclosed comment")
    if in_string:
        raise SentenceError("unclosed string")
    rest = text[start:].strip()
    if _strip_comments(rest).strip():
        sentences.append(rest)
    return sentences


def _strip_comments(text: str) -> str:
    """``text`` without its (possibly nested) comments; strings are left alone."""
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(text):
        if text.startswith("(*", i):
            depth += 1
            i += 2
        elif depth and text.startswith("*)", i):
            depth -= 1
            i += 2
        else:
            if not depth:
                out.append(text[i])
            i += 1
    return "".join(out)


#: Tactics that close a goal without proving it.
ESCAPE_TACTICS = frozenset({"admit", "give_up"})

_WORD = re.compile(r"[A-Za-z_][\w']*")


def check_tactic_sentence(sentence: str) -> str | None:
    """Why ``sentence`` may not appear in a proof, or ``None`` if it may.

    A proof step is a tactic, a bullet or a brace. Vernacular commands (every
    one starts with a capital letter or ``#[``: ``Qed``, ``Admitted``,
    ``Abort``, ``Axiom``, ``Theorem``, ``Require``, ...) and the escape tactics
    ``admit``/``give_up`` are refused.
    """
    code = _strip_comments(sentence).strip()
    if not code:
        return "empty sentence"
    if _BULLET.fullmatch(code):
        return None
    if code.startswith("#"):
        return f"attributes are not tactics: {code[:40]!r}"
    first = _WORD.match(code)
    if first and first.group(0)[0].isupper():
        return f"vernacular command {first.group(0)!r} is not allowed in a proof"
    words = set(_WORD.findall(_strip_strings(code)))
    escapes = words & ESCAPE_TACTICS
    if escapes:
        return f"escape tactic {sorted(escapes)[0]!r} is not allowed"
    if not code.endswith("."):
        return "sentence does not end with '.'"
    return None


def _strip_strings(code: str) -> str:
    return re.sub(r'"(?:[^"]|"")*"', '""', code)


def tactic_sentences(tactic: str) -> list[str]:
    """The sentences of one proposed proof step, completed and validated.

    A final sentence without a period gets one (models often omit it). Raises
    :class:`SentenceError` with the reason when the step is not acceptable.
    """
    sentences = split_sentences(tactic)
    if not sentences:
        raise SentenceError("empty tactic")
    last = sentences[-1]
    if not _BULLET.fullmatch(last) and not _strip_comments(last).rstrip().endswith("."):
        sentences[-1] = last + "."
    for sentence in sentences:
        reason = check_tactic_sentence(sentence)
        if reason:
            raise SentenceError(reason)
    return [" ".join(sentence.split()) if '"' not in sentence else sentence.replace("\n", " ")
            for sentence in sentences]


_THEOREM = re.compile(
    r"^\s*(?:Theorem|Lemma|Fact|Remark|Corollary|Proposition|Example)\s+([A-Za-z_][\w']*)"
)


def theorem_name(statement: str) -> str:
    """The name declared by a ``Theorem name : ...`` statement."""
    match = _THEOREM.match(_strip_comments(statement))
    if not match:
        raise SentenceError("statement does not start with Theorem/Lemma NAME")
    return match.group(1)


_DECLARATION = re.compile(
    r"^\s*(?:Local\s+|Global\s+)?(?:Axioms?|Parameters?|Hypothes[ie]s|Variables?|Conjectures?)\b(.*)$",
    re.S,
)
_BINDER_NAMES = re.compile(r"(?:^|\()\s*([A-Za-z_][\w' ]*?)\s*:(?!=)")


def declared_assumptions(header: str) -> set[str]:
    """Names that ``Axiom``/``Parameter``/``Hypothesis``/``Variable`` sentences of ``header`` declare."""
    names: set[str] = set()
    for sentence in split_sentences(header):
        match = _DECLARATION.match(_strip_comments(sentence))
        if match:
            for group in _BINDER_NAMES.findall(match.group(1).strip()):
                names.update(group.split())
    return names
