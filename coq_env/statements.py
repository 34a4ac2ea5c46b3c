"""What a Coq statement declares, and which sections and modules a text leaves open.

A problem's statement is one sentence that opens a proof: ``Theorem``, ``Lemma``,
``Fact``, ``Remark``, ``Corollary``, ``Proposition``, ``Property``, ``Example``
or ``Definition`` with a name, any binders Coq accepts (``{A}``, ``[A]``,
```{Eq A}``, ``(x y : nat)``, ...) and a type, or an anonymous ``Goal``; any of
them may carry attributes (``#[local]``, ``Local``, ``Polymorphic``, ...). Only
the keyword and the name are read here: Coq itself elaborates the rest, and the
verifier compares what it elaborated (see :mod:`coq_env.verify`).

A header cut from a real file may end inside sections and modules; the checked
file must close them (``coqc`` refuses a file that leaves one open), and the
theorem's full name outside them leaves out the sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coq_env.sentences import SentenceError, Span, sentence_spans, split_sentences, strip_comments

#: Keywords of a statement that names its theorem and opens a proof.
THEOREM_KEYWORDS = ("Theorem", "Lemma", "Fact", "Remark", "Corollary", "Proposition", "Property", "Example")
#: The name Coq gives a ``Goal`` while it is being proved.
ANONYMOUS = "Unnamed_thm"

_IDENT = r"[^\W\d][\w']*"
_MODIFIERS = r"(?:#\[[^\]]*\]\s*|(?:Local|Global|Polymorphic|Monomorphic|Cumulative|NonCumulative|Private)\s+)*"
_NAMED = re.compile(rf"\s*{_MODIFIERS}({'|'.join(THEOREM_KEYWORDS)}|Definition)\s+({_IDENT})(?=[\s:({{\[`]|$)")
_GOAL = re.compile(rf"\s*{_MODIFIERS}Goal(?=[\s(]|$)")


@dataclass(frozen=True)
class Statement:
    """The keyword of a statement and the name it declares (``None`` for a ``Goal``)."""

    keyword: str
    name: str | None

    @property
    def proof_name(self) -> str:
        """The name coqtop shows for the proof while it is open."""
        return self.name or ANONYMOUS


def parse_statement(statement: str) -> Statement:
    """Read the keyword and name of ``statement``; raise :class:`SentenceError` if it opens no proof."""
    code = strip_comments(statement)
    named = _NAMED.match(code)
    if named:
        if _has_body(code[named.end():]):
            raise SentenceError(f"a {named.group(1)} with a body (:=) opens no proof")
        return Statement(named.group(1), named.group(2))
    if _GOAL.match(code):
        return Statement("Goal", None)
    keywords = "/".join(THEOREM_KEYWORDS[:2])
    raise SentenceError(f"statement does not start with {keywords}/.../Definition NAME or Goal")


_TOKEN = re.compile(r'"(?:[^"]|"")*"|:=|::|:>|:|[()\[\]{}]|\blet\b')


def _has_body(rest: str) -> bool:
    """Whether the text after a definition's name gives a body: a ``:=`` outside brackets that
    comes before any type (``d := 1``) or is one more than the type's own ``let ... :=``."""
    depth, typed, lets = 0, False, 0
    for token in _TOKEN.findall(rest):
        if token in "([{":
            depth += 1
        elif token in ")]}":
            depth -= 1
        elif depth:
            continue
        elif token == ":":
            typed = True
        elif token == "let":
            lets += 1
        elif token == ":=":
            if not typed or lets == 0:
                return True
            lets -= 1
    return False


def theorem_name(statement: str) -> str:
    """The name of the proof ``statement`` opens (``Unnamed_thm`` for a ``Goal``)."""
    return parse_statement(statement).proof_name


@dataclass(frozen=True)
class Block:
    """A section or module that a text opened and did not close."""

    kind: str  #: "Section", "Module" or "Module Type"
    name: str
    functor: bool = False  #: a module with parameters: its members are no constants outside it

    @property
    def qualifies(self) -> bool:
        """Whether the block's name becomes part of the full names of what it holds."""
        return self.kind != "Section"


_SECTION = re.compile(rf"\s*Section\s+({_IDENT})\s*\.\s*$")
_MODULE = re.compile(rf"\s*{_MODIFIERS}Module(\s+Type)?\s+(?:(?:Import|Export)\s+)?({_IDENT})(.*)\.\s*$", re.S)
_END = re.compile(rf"\s*End\s+({_IDENT})\s*\.\s*$")
#: ``with Definition x := t`` inside a module type constraint is no module body.
_WITH_CLAUSE = re.compile(r"\bwith\s+(?:Definition|Module)\s+[\w'.]+\s*:=")


def open_blocks(text: str) -> list[Block]:
    """The sections and modules ``text`` leaves open, outermost first.

    ``Module M := N.`` or ``Module M : T := N.`` define a module in one sentence
    and open nothing; ``Module M.``, ``Module Import M.``, ``Module M <: T.`` and
    ``Module F (X : T).`` open one. Raises :class:`SentenceError` for a text that
    does not split into sentences.
    """
    blocks: list[Block] = []
    for sentence in split_sentences(text):
        follow_blocks(blocks, strip_comments(sentence))
    return blocks


def follow_blocks(blocks: list[Block], code: str) -> None:
    """Update the open ``blocks`` for one more sentence (``code``, without comments)."""
    if section := _SECTION.match(code):
        blocks.append(Block("Section", section.group(1)))
    elif module := _MODULE.match(code):
        rest = _WITH_CLAUSE.sub("", module.group(3))
        if ":=" not in rest:
            kind = "Module Type" if module.group(1) else "Module"
            blocks.append(Block(kind, module.group(2), functor=rest.lstrip().startswith("(")))
    elif end := _END.match(code):
        names = [block.name for block in blocks]
        if end.group(1) in names:
            del blocks[len(names) - 1 - names[::-1].index(end.group(1)):]


def without_module_types(text: str) -> str:
    """``text`` with each module it leaves open that it opened with a module type
    (``Module M <: T.``, ``Module Import M : T.``) opened without it (``Module M.``).

    ``End M`` checks the module type against everything the module defines, which a text
    cut inside the module never has all of; and a module sealed with ``: T`` hides, after
    ``End M``, every name that ``T`` does not declare. The type changes nothing inside the
    module. Raises :class:`SentenceError` for a text that does not split into sentences.
    """
    blocks: list[Block] = []
    openings: list[Span] = []  # the sentence that opened each of blocks
    for span in sentence_spans(text):
        follow_blocks(blocks, strip_comments(text[span.code : span.end]))
        del openings[len(blocks) :]
        openings.extend([span] * (len(blocks) - len(openings)))
    pieces: list[str] = []
    at = 0
    for block, span in zip(blocks, openings):
        unsealed = _module_without_type(strip_comments(text[span.code : span.end])) if block.kind == "Module" else None
        if unsealed is not None:
            pieces += [text[at : span.code], unsealed]
            at = span.end
    return "".join(pieces) + text[at:]


def _module_without_type(code: str) -> str | None:
    """The sentence ``Module M <: T.`` or ``Module M : T.`` as ``Module M.``; None for a module opened without a type."""
    module = _MODULE.match(code)
    if module is None or not module.group(3).lstrip().startswith(("<:", ":")):
        return None
    return code[: module.start(3)].strip() + "."


def closing_sentences(blocks: list[Block]) -> str:
    """The ``End`` sentences that close ``blocks``, innermost first."""
    return "".join(f"End {block.name}.\n" for block in reversed(blocks))
