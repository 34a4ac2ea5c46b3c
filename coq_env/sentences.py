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


#: A bullet, a brace, or a goal selector opening a brace (``2:{``, ``[x]:{``): each a sentence of its own.
_BULLET = re.compile(r"(-+|\++|\*+|\{|\}|(?:\d+|\[[A-Za-z_][\w']*\])\s*:\s*\{)")
_COMMENT_DELIMITER = re.compile(r"\(\*|\*\)")
#: What can change the splitter's state inside a sentence: a comment, a string, a period before whitespace.
_CODE_EVENT = re.compile(r'\(\*|"|\.(?=\s|\Z)')
_SPACE = re.compile(r"\s*")


def split_sentences(text: str) -> list[str]:
    """Split Coq source into sentences, each stripped and ending as Coq sees it.

    Raises :class:`SentenceError` for an unclosed comment or string. A trailing
    fragment without a final period is returned as its own (incomplete) item;
    callers decide whether to complete it (see :func:`tactic_sentences`).

    One pass, linear in the length of ``text``: regular expressions jump from one
    place that matters (a comment or string delimiter, a period before whitespace,
    the first code of a sentence) to the next.
    """
    sentences: list[str] = []
    n = len(text)
    start = i = 0
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
                sentences.append(bullet.group(0))
                i = start = bullet.end()
                continue
            if _is_sentence_end(text, i):
                start = i = i + 1  # a period with nothing before it is no sentence
                continue
            blank = False
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
        elif text[i - 1] == ".":
            i += 1  # ".." is not a sentence end
        else:
            sentences.append(text[start : i + 1].strip())
            start = i = i + 1
            blank = True
    if not blank:
        sentences.append(text[start:].strip())
    return sentences


def _is_sentence_end(text: str, i: int) -> bool:
    """Whether the character at ``i`` (outside comments and strings) ends a sentence."""
    return (
        text[i] == "."
        and (i + 1 == len(text) or text[i + 1].isspace())
        and not (i > 0 and text[i - 1] == ".")
    )


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


def _strip_comments(text: str) -> str:
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
