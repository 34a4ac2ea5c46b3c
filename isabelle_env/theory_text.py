"""Reading a theory's text: its tokens, and the lemmas in it with their statements and proofs.

The scanner knows as much of Isabelle's outer syntax as finding proofs needs: comments
``(* ... *)`` (they nest), formal comments ``\\<comment> ‹...›``, cartouches ``‹...›`` and
``\\<open>...\\<close>`` (they nest), verbatim ``{* ... *}``, strings ``"..."`` and
```...``` are single tokens, so no word inside them is taken for a command.

A lemma (``lemma``/``theorem``/``corollary``/``proposition``) is its keyword, its name and
statement, then its proof: the commands up to the one that closes the lemma's goal. The
proof is followed by counting the goals that are open: statements inside a proof
(``have``, ``show``, ``obtain``, ``subgoal``, ...) open one, ``by``, ``done``, ``.``,
``..``, ``qed`` and ``sorry`` close one, ``oops`` gives the whole lemma up. ``by`` (and
``qed``) may take a second method on the same line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Commands that state a lemma a file can leave unproved (the holes ``prove fill`` fills).
LEMMA_KEYWORDS = frozenset({"lemma", "theorem", "corollary", "proposition"})
#: The escapes that leave a proof unfinished.
ESCAPES = frozenset({"sorry", "oops"})
#: Proof commands that state a new goal inside a proof.
GOAL_COMMANDS = frozenset({"have", "show", "hence", "thus", "obtain", "guess", "consider", "interpret", "subgoal"})
#: Proof commands that close the goal they are under.
CLOSERS = frozenset({"by", "done", ".", "..", "qed", "sorry"})
#: Every proof command the scanner cuts a proof at.
PROOF_COMMANDS = GOAL_COMMANDS | CLOSERS | frozenset({
    "apply", "apply_end", "using", "unfolding", "including", "supply", "proof", "next", "fix", "assume", "presume",
    "define", "let", "note", "from", "with", "then", "moreover", "ultimately", "also", "finally", "case", "oops",
    "defer", "prefer", "back", "write", "txt", "print_state", "sledgehammer", "nitpick", "quickcheck", "try",
    "try0", "thm", "term", "value", "find_theorems", "{", "}",
})
#: Theory-level commands: none of them can be inside a proof, so one ends whatever proof is being read.
THEORY_COMMANDS = LEMMA_KEYWORDS | frozenset({
    "schematic_goal", "definition", "abbreviation", "fun", "function", "primrec", "termination", "datatype",
    "codatatype", "record", "type_synonym", "typedecl", "typedef", "consts", "axiomatization", "locale", "context",
    "class", "instantiation", "instance", "interpretation", "global_interpretation", "sublocale", "subclass",
    "notation", "no_notation", "lemmas", "declare", "end", "chapter", "section", "subsection", "subsubsection",
    "paragraph", "text", "text_raw", "ML", "ML_file", "ML_val", "setup", "method_setup", "hide_const", "hide_fact",
    "export_code", "code_pred", "lift_definition", "inductive", "inductive_set", "coinductive", "bundle",
    "unbundle", "experiment", "notepad", "named_theorems", "print_theorems", "specification", "nominal_datatype",
    "quotient_type", "quotient_definition", "theory",
})
#: Words a statement is made of that are no name (``lemma assumes "A" shows "B"`` is unnamed).
STATEMENT_WORDS = frozenset({"fixes", "assumes", "shows", "obtains", "defines", "notes", "includes", "constrains"})

_WORD = re.compile(r"\??(?:[A-Za-z_]|\\<\^?\w+>)(?:[\w']|\\<\^?\w+>)*(?:\.(?:[A-Za-z_]|\\<\w+>)(?:[\w']|\\<\^?\w+>)*)*"
                   r"|\d+")
_OPEN, _CLOSE = ("\u2039", "\\<open>"), ("\u203a", "\\<close>")
_COMMENT_MARKS = ("\\<comment>", "\u2014", "\\<^cancel>")


@dataclass(frozen=True)
class Token:
    """One token: ``kind`` is ``word``, ``symbol``, ``string``, ``cartouche`` or ``comment``."""

    kind: str
    text: str
    start: int
    end: int
    line: int = 1  #: the line it starts on (1-based)
    end_line: int = 1  #: the line it ends on

    @property
    def is_comment(self) -> bool:
        """Whether the token is a comment (informal or formal): it does not count as code."""
        return self.kind == "comment"


def tokens(text: str) -> list[Token]:
    """The tokens of ``text`` in order, whitespace left out; an unterminated comment, string or cartouche runs to the end."""
    found: list[Token] = []
    at, line = 0, 1
    while at < len(text):
        char = text[at]
        if char.isspace():
            line += char == "\n"
            at += 1
            continue
        if text.startswith("(*", at):
            kind, end = "comment", _nested_end(text, at, ("(*",), ("*)",))
        elif text.startswith("{*", at):
            kind, end = "cartouche", _plain_end(text, at + 2, "*}")
        elif text.startswith(_OPEN, at):
            kind, end = "cartouche", _nested_end(text, at, _OPEN, _CLOSE)
        elif char in "\"`":
            kind, end = "string", _string_end(text, at)
        elif text.startswith(_COMMENT_MARKS, at):
            mark = next(m for m in _COMMENT_MARKS if text.startswith(m, at))
            after = len(text[at + len(mark):]) - len(text[at + len(mark):].lstrip())
            body = at + len(mark) + after
            end = _nested_end(text, body, _OPEN, _CLOSE) if text.startswith(_OPEN, body) else at + len(mark)
            kind = "comment"
        elif (word := _WORD.match(text, at)) is not None:
            kind, end = "word", word.end()
        else:
            kind, end = "symbol", at + (2 if text.startswith("..", at) else 1)
        piece = text[at:end]
        found.append(Token(kind, piece, at, end, line, line + piece.count("\n")))
        line += piece.count("\n")
        at = end
    return found


def _nested_end(text: str, at: int, opens: tuple[str, ...], closes: tuple[str, ...]) -> int:
    depth = 0
    while at < len(text):
        if text.startswith(opens, at):
            depth += 1
            at += len(next(o for o in opens if text.startswith(o, at)))
        elif text.startswith(closes, at):
            depth -= 1
            at += len(next(c for c in closes if text.startswith(c, at)))
            if depth == 0:
                return at
        else:
            at += 1
    return len(text)


def _plain_end(text: str, at: int, close: str) -> int:
    found = text.find(close, at)
    return len(text) if found < 0 else found + len(close)


def _string_end(text: str, at: int) -> int:
    quote, at = text[at], at + 1
    while at < len(text):
        if text[at] == "\\":
            at += 2
        elif text[at] == quote:
            return at + 1
        else:
            at += 1
    return len(text)


@dataclass(frozen=True)
class ProofCommand:
    """One command of a proof: its keyword and its text's span (up to the last token before the next command)."""

    word: str
    start: int
    end: int


@dataclass(frozen=True)
class Lemma:
    """A lemma of a theory: where its keyword, statement and proof are (``text`` offsets)."""

    keyword: str
    name: str  #: "" when unnamed
    target: str  #: the locale of ``lemma (in loc)``, else ""
    depth: int  #: how many ``begin`` blocks are open around it (1: the theory's own)
    start: int  #: the keyword's offset
    statement_end: int
    commands: tuple[ProofCommand, ...]  #: the proof's commands, in order
    ended: bool  #: whether the proof closes its goal (False: the file ends or a theory command comes first)

    @property
    def proof_start(self) -> int:
        """Where the proof begins (the statement's end when it has none)."""
        return self.commands[0].start if self.commands else self.statement_end

    @property
    def proof_end(self) -> int:
        """Where the proof ends."""
        return self.commands[-1].end if self.commands else self.statement_end

    @property
    def escapes(self) -> list[str]:
        """The ``sorry`` and ``oops`` commands of the proof, in order."""
        return [command.word for command in self.commands if command.word in ESCAPES]


@dataclass
class Theory:
    """A theory's lemmas, the escapes outside any lemma, and where its last ``end`` is."""

    lemmas: list[Lemma] = field(default_factory=list)
    #: ``(offset, escape, command)`` of each ``sorry``/``oops`` outside a lemma, with the theory command it is under
    stray: list[tuple[int, str, str]] = field(default_factory=list)
    end: int = -1  #: the offset of the theory's closing ``end``; -1 when there is none


def read_theory(text: str) -> Theory:
    """The lemmas of ``text`` and the escapes outside them (see the module docstring)."""
    code = [token for token in tokens(text) if not token.is_comment]
    theory, depth, command, at = Theory(), 0, "", 0
    while at < len(code):
        token = code[at]
        word = token.text if token.kind == "word" else ""
        if word in LEMMA_KEYWORDS:
            lemma, at = _lemma(code, at, depth)
            theory.lemmas.append(lemma)
            continue
        if word == "begin":
            depth += 1
        elif word == "end":
            depth -= 1
            if depth == 0:
                theory.end = token.start
        elif word in ESCAPES:
            theory.stray.append((token.start, word, command or word))
        elif word in THEORY_COMMANDS:
            command = word
        at += 1
    return theory


def _lemma(code: list[Token], at: int, depth: int) -> tuple[Lemma, int]:
    """The lemma whose keyword is ``code[at]``, and the index of the token after it."""
    keyword, start = code[at].text, code[at].start
    at += 1
    target = ""
    if _is(code, at, "(") and _is(code, at + 1, "in") and at + 2 < len(code):
        target = code[at + 2].text
        while at < len(code) and not _is(code, at, ")"):
            at += 1
        at += 1
    name = ""
    if at < len(code) and code[at].kind == "word" and code[at].text not in STATEMENT_WORDS | PROOF_COMMANDS:
        after = _skip_brackets(code, at + 1)
        if _is(code, after, ":"):
            name = code[at].text
    statement_end, depth_of = code[at - 1].end, 0
    while at < len(code):
        token = code[at]
        depth_of += token.kind == "symbol" and token.text in ("(", "[")
        depth_of -= token.kind == "symbol" and token.text in (")", "]")
        if depth_of <= 0 and _command(token) in PROOF_COMMANDS | THEORY_COMMANDS:
            break
        statement_end = token.end
        at += 1
    commands, ended, at = _proof(code, at)
    return Lemma(keyword, name, target, depth, start, statement_end, tuple(commands), ended), at


def _proof(code: list[Token], at: int) -> tuple[list[ProofCommand], bool, int]:
    """The proof's commands from ``code[at]``, whether it closed its goal, and the index after it."""
    commands: list[tuple[str, int, int]] = []
    goals, parens = 1, 0
    while at < len(code) and goals > 0:
        token = code[at]
        word = _command(token)
        if parens <= 0 and word in THEORY_COMMANDS and word not in PROOF_COMMANDS:
            break
        if token.kind == "symbol" and token.text in ("(", "["):
            parens += 1
        elif token.kind == "symbol" and token.text in (")", "]"):
            parens -= 1
        if parens > 0 or word not in PROOF_COMMANDS:
            if commands:
                commands[-1] = (commands[-1][0], commands[-1][1], token.end)
            at += 1
            continue
        commands.append((word, token.start, token.end))
        goals += (word in GOAL_COMMANDS) - (word in CLOSERS)
        goals = 0 if word == "oops" else goals
        at += 1
        if goals == 0 and word in ("by", "qed"):
            at = _methods(code, at, commands)
    return [ProofCommand(*command) for command in commands], goals == 0, at


def _methods(code: list[Token], at: int, commands: list[tuple[str, int, int]]) -> int:
    """After a closing ``by``/``qed``: take its methods (two at most, the second on the same line) into it."""
    word, start, end = commands[-1]
    for number in range(2):
        if at >= len(code) or ((number or word == "qed") and _newline_between(code, at)) or not _is_method(code[at], word == "qed"):
            break
        last = _skip_brackets(code, at) if code[at].text == "(" else at + 1
        last = _method_end(code, last)
        end, at = code[last - 1].end, last
    commands[-1] = (word, start, end)
    return at


def _is_method(token: Token, optional: bool) -> bool:
    if token.kind == "symbol":
        return token.text == "(" or (token.text == "-" and not optional)
    return token.kind == "word" and token.text not in PROOF_COMMANDS | THEORY_COMMANDS


def _method_end(code: list[Token], at: int) -> int:
    """After a method: past its modifiers (``+``, ``?``, ``[n]``)."""
    while at < len(code) and code[at].kind == "symbol" and code[at].text in ("+", "?", "["):
        at = _skip_brackets(code, at) if code[at].text == "[" else at + 1
    return at


def _newline_between(code: list[Token], at: int) -> bool:
    return code[at].line != code[at - 1].end_line


def _skip_brackets(code: list[Token], at: int) -> int:
    """Past a bracketed group starting at ``code[at]`` (``(...)`` or ``[...]``); ``at`` itself when none starts there."""
    if at >= len(code) or code[at].kind != "symbol" or code[at].text not in ("(", "["):
        return at
    depth = 0
    while at < len(code):
        if code[at].kind == "symbol" and code[at].text in ("(", "["):
            depth += 1
        elif code[at].kind == "symbol" and code[at].text in (")", "]"):
            depth -= 1
            if depth == 0:
                return at + 1
        at += 1
    return at


def _is(code: list[Token], at: int, text: str) -> bool:
    return at < len(code) and code[at].text == text and code[at].kind in ("symbol", "word")


def _command(token: Token) -> str:
    """The command word of ``token``, or "" when it is none (strings, cartouches, other symbols)."""
    if token.kind == "word" or (token.kind == "symbol" and token.text in (".", "..", "{", "}")):
        return token.text
    return ""
