"""Coq sentence splitting and the rules for what a proof step may contain.

Coqtop answers each *sentence* with its own prompt, so the session must send
exactly one sentence at a time: ``lra. reflexivity.`` is two steps, and a bullet
(``-``, ``+``, ``*``) or a brace (``{``, ``}``) is a sentence without a period.
A sentence ends at a ``.`` followed by whitespace or the end of the text,
outside comments (which nest) and strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class SentenceError(ValueError):
    """The text is not a sequence of complete Coq sentences."""


#: A bullet, a brace, or a goal selector opening a brace (``2:{``, ``[x]:{``): each a sentence of its own.
_BULLET = re.compile(r"(-+|\++|\*+|\{|\}|(?:\d+|\[[A-Za-z_][\w']*\])\s*:\s*\{)")
_COMMENT_DELIMITER = re.compile(r"\(\*|\*\)")
#: What can change the splitter's state inside a sentence: a comment, a string, a period before whitespace.
_CODE_EVENT = re.compile(r'\(\*|"|\.(?=\s|\Z)')
_SPACE = re.compile(r"\s*")


@dataclass(frozen=True)
class Span:
    """Where one sentence lies in a text: ``text[start:end]`` is the sentence with the
    whitespace and comments before it (none before a bullet), ``text[code:end]`` the
    sentence from its first code."""

    start: int
    code: int
    end: int


def split_sentences(text: str) -> list[str]:
    """Split Coq source into sentences, each stripped and ending as Coq sees it.

    Each sentence keeps the comments before it. Raises :class:`SentenceError` for
    an unclosed comment or string. A trailing fragment without a final period is
    returned as its own (incomplete) item; callers decide whether to complete it
    (see :func:`tactic_sentences`).
    """
    return [text[span.start : span.end].strip() for span in sentence_spans(text)]


def sentence_spans(text: str) -> list[Span]:
    """The :class:`Span` of each sentence of ``text`` (see :func:`split_sentences`).

    One pass, linear in the length of ``text``: regular expressions jump from one
    place that matters (a comment or string delimiter, a period before whitespace,
    the first code of a sentence) to the next.
    """
    spans: list[Span] = []
    n = len(text)
    start = code = i = 0
    blank = True  # only whitespace and comments since ``start``
    while True:
        if blank:
            i = _SPACE.match(text, i).end()
            if i == n:
                break
            if text.startswith("(*", i):
                i = _comment_end(text, i + 2)
                continue
            # At the start of a sentence a bullet or brace is a sentence by itself.
            bullet = _BULLET.match(text, i)
            if bullet:
                spans.append(Span(i, i, bullet.end()))  # comments before a bullet are dropped
                i = start = bullet.end()
                continue
            if _is_sentence_end(text, i):
                start = i = i + 1  # a period with nothing before it is no sentence
                continue
            blank = False
            code = i
            if text[i] != '"':
                i += 1
                continue
        else:
            event = _CODE_EVENT.search(text, i)
            if event is None:
                break
            i = event.start()
        if text.startswith("(*", i):
            i = _comment_end(text, i + 2)
        elif text[i] == '"':
            i = _string_end(text, i + 1)
        elif text[i - 1] == "." and not _ends_ellipsis(text, i):
            i += 1  # ".." is not a sentence end (``fun x .. y``), "..." is (``Proof with``'s terminator)
        else:
            spans.append(Span(start, code, i + 1))
            start = i = i + 1
            blank = True
    if not blank:
        spans.append(Span(start, code, len(text.rstrip())))
    return spans


def _is_sentence_end(text: str, i: int) -> bool:
    """Whether the character at ``i`` (outside comments and strings) ends a sentence."""
    return (
        text[i] == "."
        and (i + 1 == len(text) or text[i + 1].isspace())
        and not (i > 0 and text[i - 1] == "." and not _ends_ellipsis(text, i))
    )


def _ends_ellipsis(text: str, i: int) -> bool:
    """Whether the period at ``i`` is the last of exactly three (``tac...``, which ends a sentence)."""
    return i >= 2 and text[i - 2 : i] == ".." and (i < 3 or text[i - 3] != ".")


def _comment_end(text: str, i: int) -> int:
    """Where the comment opened just before ``i`` ends (comments nest)."""
    end = _comment_end_or_none(text, i)
    if end is None:
        raise SentenceError("unclosed comment")
    return end


def _comment_end_or_none(text: str, i: int) -> int | None:
    depth = 1
    for delimiter in _COMMENT_DELIMITER.finditer(text, i):
        depth += 1 if delimiter.group() == "(*" else -1
        if depth == 0:
            return delimiter.end()
    return None


def _string_end(text: str, i: int) -> int:
    """Where the string opened just before ``i`` ends (``""`` inside is an escaped quote)."""
    while True:
        quote = text.find('"', i)
        if quote < 0:
            raise SentenceError("unclosed string")
        if not text.startswith('""', quote):
            return quote + 1
        i = quote + 2


def strip_comments(text: str) -> str:
    """``text`` without its (possibly nested) comments; strings are left alone.

    An unclosed comment runs to the end of ``text``.
    """
    kept: list[str] = []
    i = 0
    while (opening := text.find("(*", i)) >= 0:
        kept.append(text[i:opening])
        end = _comment_end_or_none(text, opening + 2)
        if end is None:
            return "".join(kept)
        i = end
    kept.append(text[i:])
    return "".join(kept)


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
    code = strip_comments(sentence).strip()
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
    if not _BULLET.fullmatch(last) and not strip_comments(last).rstrip().endswith("."):
        sentences[-1] = last + "."
    for sentence in sentences:
        reason = check_tactic_sentence(sentence)
        if reason:
            raise SentenceError(reason)
    return [" ".join(sentence.split()) if '"' not in sentence else sentence.replace("\n", " ")
            for sentence in sentences]
