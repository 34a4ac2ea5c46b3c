"""Text-level syntax of goal states: tokens, parentheses, top-level operators, operands.

The goal-aware generator reads hypotheses and targets as the proof assistant prints them,
without a parser for the assistant's language. What it needs is small: which operator is
outside every parenthesis (the proposition's shape), the two sides of it, the operands of a
division or ``mod``, and which identifiers a text mentions. Everything here is pure string
work over one token list; which operators exist is the caller's (the backend's data).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

_OPEN, _CLOSE = "([{", ")]}"
_SPACE = re.compile(r"\s+")
_IDENT = re.compile(r"[^\W\d][\w'.]*(?<!\.)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
#: Arithmetic operators every operand scan knows, on top of the caller's.
ARITHMETIC = ("+", "-", "*", "/", "^", "%", ",", ":", "|")


@dataclass(frozen=True)
class Token:
    """One token: its text, kind (``ident``, ``number``, ``op``, ``open``, ``close``), span and depth."""

    text: str
    kind: str
    start: int
    end: int
    depth: int


def normalize(text: str) -> str:
    """``text`` with every run of whitespace made one space (multi-line hypotheses compare equal)."""
    return _SPACE.sub(" ", text).strip()


def unbracketed(text: str) -> str:
    """``text``'s tokens without brackets: a key under which ``0 <= (x - y) ^ 2`` and a printer's
    ``0 <= ((x - y) ^ 2)`` agree (facts are compared this way, whatever parentheses were printed)."""
    return " ".join(t.text for t in tokenize(text) if t.kind not in ("open", "close"))


@lru_cache(maxsize=4096)
def tokenize(text: str, operators: tuple[str, ...] = ()) -> tuple[Token, ...]:
    """The tokens of ``text``; ``operators`` are matched longest first, other symbols one by one.

    ``depth`` counts the brackets a token is inside (a bracket itself is at the outer depth).
    Cached: the generator asks about the same hypotheses many times.
    """
    tokens: list[Token] = []
    depth = 0
    for match in _lexer(operators).finditer(text):
        kind = match.lastgroup
        if kind == "space":
            continue
        if kind == "close":
            depth = max(depth - 1, 0)
        tokens.append(Token(match.group(), kind, match.start(), match.end(), depth))
        if kind == "open":
            depth += 1
    return tuple(tokens)


@lru_cache(maxsize=64)
def _lexer(operators: tuple[str, ...]) -> re.Pattern[str]:
    symbols = "|".join(re.escape(s) for s in sorted({*operators, *ARITHMETIC}, key=len, reverse=True))
    return re.compile(
        rf"(?P<space>\s+)|(?P<open>[{re.escape(_OPEN)}])|(?P<close>[{re.escape(_CLOSE)}])"
        rf"|(?P<ident>{_IDENT.pattern})|(?P<number>{_NUMBER.pattern})|(?P<op>{symbols}|.)",
        re.S,
    )


def strip_outer(text: str) -> tuple[str, str]:
    """``text`` without enclosing parentheses or a ``(...)%scope`` wrapper, and the last scope seen."""
    text, scope = normalize(text), ""
    while text.startswith("("):
        close = _matching(text, 0)
        rest = text[close + 1:] if close is not None else None
        if rest == "":
            text = text[1:close].strip()
        elif rest is not None and re.fullmatch(r"%\w+", rest):
            text, scope = text[1:close].strip(), rest[1:]
        else:
            break
    return text, scope


def _matching(text: str, at: int) -> int | None:
    """The index of the bracket that closes the one at ``at``."""
    depth = 0
    for index in range(at, len(text)):
        if text[index] in _OPEN:
            depth += 1
        elif text[index] in _CLOSE:
            depth -= 1
            if depth == 0:
                return index
    return None


def top_level(text: str, operator: str, operators: tuple[str, ...]) -> list[Token]:
    """The occurrences of ``operator`` in ``text`` outside every bracket."""
    return [t for t in tokenize(text, operators) if t.depth == 0 and t.text == operator and t.kind == "op"]


def split_at(text: str, token: Token) -> tuple[str, str]:
    """The text before and after ``token``, each stripped of enclosing parentheses."""
    return strip_outer(text[: token.start])[0], strip_outer(text[token.end:])[0]


def starts_with_word(text: str, word: str) -> bool:
    """``text`` starts with ``word`` as a whole word (``forall`` but not ``forallx``)."""
    if not text.startswith(word):
        return False
    rest = text[len(word):]
    return not rest or not (word[-1].isalnum() and (rest[0].isalnum() or rest[0] in "_'"))


def binder_split(text: str, word: str, operators: tuple[str, ...]) -> tuple[str, str] | None:
    """``forall x y : R, body`` as (``x y : R``, ``body``), or None when ``text`` is no such binder."""
    if not starts_with_word(text, word):
        return None
    rest = text[len(word):]
    comma = next((t for t in tokenize(rest, operators) if t.depth == 0 and t.text == ","), None)
    if comma is None:
        return None
    return rest[: comma.start].strip(), strip_outer(rest[comma.end:])[0]


def binder_types(binders: str) -> list[tuple[str, str]]:
    """``(x : R) (n : nat)`` or ``x y : R`` as ``[(x, R), (n, nat)]`` or ``[(x, R), (y, R)]``."""
    groups = re.findall(r"\(([^()]*)\)", binders) or [binders]
    pairs: list[tuple[str, str]] = []
    for group in groups:
        names, sep, kind = group.partition(":")
        pairs.extend((name, kind.strip() if sep else "") for name in re.split(r"[\s,]+", names.strip()) if name and name != "!")
    return pairs


def bound_names(text: str, binders: tuple[str, ...], operators: tuple[str, ...]) -> set[str]:
    """Every name a binder in ``text`` binds (``x`` and ``k`` in ``forall x, ... (fun k => ...)``)."""
    tokens = tokenize(text, operators)
    names: set[str] = set()
    for index, token in enumerate(tokens):
        if token.text in binders:
            end = next((t for t in tokens[index + 1:] if t.depth == token.depth and t.text in (",", "=>")), None)
            if end is not None:
                names |= {name for name, _ in binder_types(text[token.end : end.start])}
    return names


def identifiers(text: str) -> list[str]:
    """The identifiers ``text`` mentions, in order, each once."""
    return list(dict.fromkeys(t.text for t in tokenize(text) if t.kind == "ident"))


def mentions(text: str, needle: str) -> bool:
    """``needle`` occurs in ``text`` as whole tokens (``x`` is not in ``xy``); spacing is ignored."""
    wanted = [t.text for t in tokenize(needle)]
    have = [t.text for t in tokenize(text)]
    return bool(wanted) and any(have[i : i + len(wanted)] == wanted for i in range(len(have) - len(wanted) + 1))


def applied(text: str, words: tuple[str, ...] = ()) -> list[str]:
    """Identifiers applied to an argument in ``text`` (``f`` in ``f x``), in order, each once.

    ``words`` are identifiers that are operators (``mod``): neither heads nor arguments.
    """
    tokens = tokenize(text)
    found = [a.text for a, b in zip(tokens, tokens[1:])
             if a.kind == "ident" and a.text not in words and b.kind in ("ident", "number", "open") and b.text not in words]
    return list(dict.fromkeys(found))


def operands(text: str, operator: str, words: tuple[str, ...] = ()) -> list[tuple[str | None, str]]:
    """The operands of every ``operator`` in ``text``, at any depth: ``(left, right)`` texts.

    An operand is an atom (identifier, number, bracketed group, with its ``%scope``), an
    identifier applied to atoms, and a ``^`` power of those: how a printer that adds every
    parenthesis precedence needs leaves the operands of ``/`` and ``mod``. ``left`` is None for
    a prefix use (Coq's ``/ x``). ``words`` are identifiers that are operators (``mod``).
    """
    tokens = tokenize(text, (operator,))
    found: list[tuple[str | None, str]] = []
    for index, token in enumerate(tokens):
        if token.text != operator:
            continue
        right_end = _unit_end(tokens, index + 1, words)
        if right_end is None:
            continue
        left_start = _unit_start(tokens, index - 1, words)
        left = None if left_start is None else strip_outer(text[tokens[left_start].start : token.start])[0]
        found.append((left, strip_outer(text[tokens[index + 1].start : tokens[right_end].end])[0]))
    return found


def arguments(text: str, head: str, words: tuple[str, ...] = ()) -> list[str]:
    """The first argument of every application of ``head`` in ``text`` (``x + 1`` of ``sqrt (x + 1)``)."""
    tokens = tokenize(text)
    found = []
    for index, token in enumerate(tokens):
        if token.text == head and token.kind == "ident" and (end := _atom_end(tokens, index + 1, words)) is not None:
            found.append(strip_outer(text[tokens[index + 1].start : tokens[end].end])[0])
    return list(dict.fromkeys(found))


def _atom_end(tokens: Sequence[Token], at: int, words: tuple[str, ...]) -> int | None:
    """The last token of the atom that starts at ``at`` (with a ``%scope`` suffix), or None."""
    if at >= len(tokens):
        return None
    token = tokens[at]
    if token.kind == "open":
        end = next((i for i in range(at + 1, len(tokens)) if tokens[i].kind == "close" and tokens[i].depth == token.depth), None)
    elif token.kind == "number" or (token.kind == "ident" and token.text not in words):
        end = at
    else:
        return None
    if end is not None and _scope_at(tokens, end + 1):
        end += 2
    return end


def _scope_at(tokens: Sequence[Token], at: int) -> bool:
    """A ``%scope`` suffix (Coq's ``2%nat``, written without spaces) starts at ``at``."""
    return (at + 1 < len(tokens) and tokens[at].text == "%" and tokens[at + 1].kind == "ident"
            and tokens[at - 1].end == tokens[at].start and tokens[at].end == tokens[at + 1].start)


def _unit_end(tokens: Sequence[Token], at: int, words: tuple[str, ...]) -> int | None:
    """The last token of the operand unit starting at ``at``: application, then ``^`` powers."""
    end = _atom_end(tokens, at, words)
    if end is None:
        return None
    if tokens[at].kind == "ident":
        while (more := _atom_end(tokens, end + 1, words)) is not None:
            end = more
    if end + 1 < len(tokens) and tokens[end + 1].text == "^":
        power = _unit_end(tokens, end + 2, words)
        end = power if power is not None else end
    return end


def _atom_start(tokens: Sequence[Token], at: int, words: tuple[str, ...]) -> int | None:
    """The first token of the atom that ends at ``at`` (skipping a ``%scope`` suffix), or None."""
    if at >= 2 and _scope_at(tokens, at - 1):
        at -= 2
    if at < 0:
        return None
    token = tokens[at]
    if token.kind == "close":
        return next((i for i in range(at - 1, -1, -1) if tokens[i].kind == "open" and tokens[i].depth == token.depth), None)
    if token.kind == "number" or (token.kind == "ident" and token.text not in words):
        return at
    return None


def _unit_start(tokens: Sequence[Token], at: int, words: tuple[str, ...]) -> int | None:
    """The first token of the operand unit that ends at ``at``: powers, then application."""
    start = _atom_start(tokens, at, words)
    if start is None:
        return None
    while start >= 1 and (before := _atom_start(tokens, start - 1, words)) is not None:
        start = before
    if start >= 2 and tokens[start - 1].text == "^":
        base = _unit_start(tokens, start - 2, words)
        start = base if base is not None else start
    return start
