"""Problems cut from real Coq files: each lemma a file proves, with the file before it as its header.

``prove data problems FILE.v ... --split NAME --out problems.jsonl`` writes them
(:mod:`prover.entrypoints.data`). For each ``Theorem``, ``Lemma``, ``Fact``,
``Remark``, ``Corollary``, ``Proposition``, ``Property`` or ``Example`` whose
proof the file completes (``Qed``, ``Defined``, ``Save`` or ``Proof term.``),
one problem in the project's JSONL format:

* ``name``: the file's stem, the modules the lemma sits in and its name
  (``Bool.negb_involutive``, ``List.ListNotations.x``); sections are no part of it;
* ``split``: the name given;
* ``coq.header``: the file's text before the statement, exactly (comments,
  ``Compute``/``Check``/``Print``, earlier lemmas and their proofs, open
  sections with their ``Variable``\\ s and open modules: the search works inside
  them and the verifier closes them after the proof);
* ``coq.statement``: the statement sentence, from its first keyword or attribute;
* ``source``: ``{"file": path, "line": line}`` of the statement.

A lemma that cannot be a problem is skipped with its reason: the file leaves it
unproved (``Admitted``, ``Abort``), it sits in a functor or a module type (its
members are no constants that a proof could be checked against outside it), it is
a ``Program`` statement, or its name is taken by an earlier problem. A file that
does not split into sentences is skipped whole, and the other files go on.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from coq_env.sentences import SentenceError, Span, sentence_spans, strip_comments
from coq_env.statements import THEOREM_KEYWORDS, Block, follow_blocks, parse_statement

_PROVED = re.compile(r"\s*(?:Qed|Defined|Save\b[^.]*)\.\s*$")
_UNPROVED = re.compile(r"\s*(?:Admitted|Abort\b[^.]*)\.\s*$")
_PROOF_TERM = re.compile(r"\s*Proof\s+(?!using\b|with\b)\S")
_PROGRAM = re.compile(rf"\s*(?:#\[[^\]]*\]\s*)*Program\s+(?:{'|'.join(THEOREM_KEYWORDS)})\s+([^\W\d][\w']*)")


@dataclass(frozen=True)
class FileProblem:
    """One lemma of a file as a problem."""

    name: str
    header: str
    statement: str
    file: str
    line: int

    def record(self, split: str) -> dict[str, Any]:
        """The problem as a line of a problems file."""
        return {"name": self.name, "split": split, "coq": {"header": self.header, "statement": self.statement},
                "source": {"file": self.file, "line": self.line}}


@dataclass(frozen=True)
class Skipped:
    """A lemma of a file that is no problem, and why."""

    name: str
    file: str
    line: int
    reason: str


@dataclass(frozen=True)
class FileLemma:
    """A statement of a file that opens a proof (``Theorem``, ``Lemma``, ..., ``Goal``), where it is and what it sits in."""

    name: str  #: the file's stem, the modules around it and its name (``Bool.M.x``; a ``Goal``'s ends in ``.``)
    keyword: str  #: ``Lemma``, ``Theorem``, ..., ``Goal``; ``Program`` for a ``Program`` statement
    index: int  #: the statement's sentence: ``spans[index]``
    line: int
    blocks: tuple[Block, ...]  #: the sections and modules open around it, outermost first

    @property
    def inside(self) -> Block | None:
        """The functor or module type around the lemma, if any: its members are no constants outside it."""
        return next((block for block in self.blocks if block.functor or block.kind == "Module Type"), None)

    @property
    def in_section(self) -> bool:
        """Whether a section is open around the lemma (its variables become arguments when the section ends)."""
        return any(block.kind == "Section" for block in self.blocks)


@dataclass(frozen=True)
class FileSentences:
    """A Coq text cut into sentences, each one's code without comments, and its lemmas."""

    text: str
    spans: list[Span]
    codes: list[str]
    lemmas: list[FileLemma]

    def proof_end(self, lemma: FileLemma) -> tuple[int, str] | None:
        """The sentence that ends ``lemma``'s proof and how: ``"proved"`` (``Qed``, ``Defined``, ``Save``,
        ``Proof term.``) or ``"unproved"`` (``Admitted``, ``Abort``); None when the proof does not end in the text."""
        for index in range(lemma.index + 1, len(self.codes)):
            code = self.codes[index]
            if _PROVED.match(code) or _PROOF_TERM.match(code):
                return index, "proved"
            if _UNPROVED.match(code):
                return index, "unproved"
        return None


def file_sentences(text: str, stem: str) -> FileSentences:
    """Cut the Coq source ``text`` into sentences and find its lemmas, named ``stem.…``.

    Raises :class:`~coq_env.sentences.SentenceError` for a text that does not split into
    sentences (an unclosed comment or string).
    """
    spans = sentence_spans(text)
    codes = [strip_comments(text[span.code : span.end]) for span in spans]
    lemmas: list[FileLemma] = []
    blocks: list[Block] = []  # open before the sentence at hand
    for index, span in enumerate(spans):
        try:
            statement = parse_statement(codes[index])
            keyword, name = statement.keyword, statement.name or ""
        except SentenceError:
            program = _PROGRAM.match(codes[index])
            follow_blocks(blocks, codes[index])
            if not program:
                continue
            keyword, name = "Program", program.group(1)
        if keyword not in (*THEOREM_KEYWORDS, "Goal", "Program"):
            continue
        qualified = ".".join([stem, *(block.name for block in blocks if block.qualifies), name])
        lemmas.append(FileLemma(qualified, keyword, index, text.count("\n", 0, span.code) + 1, tuple(blocks)))
    return FileSentences(text, spans, codes, lemmas)


def problems_from_text(text: str, stem: str, file: str = "") -> tuple[list[FileProblem], list[Skipped]]:
    """The lemmas of the Coq source ``text`` as problems named ``stem.…``, and those skipped.

    Raises :class:`~coq_env.sentences.SentenceError` for a text that does not split into
    sentences (an unclosed comment or string).
    """
    cut = file_sentences(text, stem)
    problems: list[FileProblem] = []
    skipped: list[Skipped] = []
    for lemma in cut.lemmas:
        if lemma.keyword == "Goal":
            continue
        reason = _why_not(cut, lemma)
        if reason:
            skipped.append(Skipped(lemma.name, file, lemma.line, reason))
            continue
        span = cut.spans[lemma.index]
        problems.append(FileProblem(lemma.name, text[: span.code], text[span.code : span.end], file, lemma.line))
    return problems, skipped


def _why_not(cut: FileSentences, lemma: FileLemma) -> str:
    """Why ``lemma`` is no problem ("" if it is one)."""
    if lemma.keyword == "Program":
        return "a Program statement: its obligations are no one proof"
    if (inside := lemma.inside) is not None:
        what = "module type" if inside.kind == "Module Type" else "functor (a module with parameters)"
        return f"inside the {what} {inside.name}: its members are no constants outside it"
    end = cut.proof_end(lemma)
    if end is None:
        return "its proof does not end in the file"
    if end[1] == "unproved":
        return f"the file leaves it unproved ({cut.codes[end[0]].split()[0].rstrip('.')})"
    return ""


def problems_from_files(paths: Iterable[str | Path]) -> tuple[list[FileProblem], list[Skipped]]:
    """The problems of every file in ``paths``, in order, and the lemmas skipped.

    A name taken by an earlier problem is skipped; so is a whole file that cannot be read as
    Coq sentences (with the name ``FILE_STEM.*`` and line 0), and the other files go on.
    """
    problems: list[FileProblem] = []
    skipped: list[Skipped] = []
    taken: dict[str, str] = {}
    for path in map(Path, paths):
        try:
            found, passed = problems_from_text(path.read_text("utf-8"), path.stem, str(path))
        except (OSError, UnicodeDecodeError, SentenceError) as error:
            skipped.append(Skipped(f"{path.stem}.*", str(path), 0, f"cannot read the file as Coq sentences: {error}"))
            continue
        skipped.extend(passed)
        for problem in found:
            if problem.name in taken:
                skipped.append(Skipped(problem.name, problem.file, problem.line,
                                       f"a problem of this name comes from {taken[problem.name]}"))
                continue
            taken[problem.name] = f"{problem.file}:{problem.line}"
            problems.append(problem)
    return problems, skipped


def build_parser() -> argparse.ArgumentParser:
    """The ``prove data problems`` argument parser."""
    parser = argparse.ArgumentParser(prog="prove data problems", description="Cut Coq files into problems: each "
                                     "Theorem/Lemma/... the file proves, with everything before it in the file as its header.")
    parser.add_argument("files", nargs="+", help="Coq source files (.v)")
    parser.add_argument("--split", default="files", help="the split the problems belong to (default: %(default)s)")
    parser.add_argument("--out", required=True, help="the problems file to write (JSONL; replaced if it exists)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """``prove data problems FILE.v ... --split NAME --out problems.jsonl``.

    Lemmas that cannot be problems are listed with their reason on stderr. Exit status 0; 1 when a file
    could not be read as Coq sentences (the problems of the others are written); 2 for bad options or an
    output file that cannot be written.
    """
    args = build_parser().parse_args(argv)
    problems, skipped = problems_from_files(args.files)
    try:
        Path(args.out).write_text("".join(json.dumps(p.record(args.split)) + "\n" for p in problems), encoding="utf-8")
    except OSError as error:
        print(f"error: cannot write {args.out}: {error}", file=sys.stderr)
        return 2
    for lemma in skipped:
        print(f"skipped {lemma.file}:{lemma.line} {lemma.name}: {lemma.reason}", file=sys.stderr)
    reasons = Counter(lemma.reason.split(":")[0].split(" (")[0] for lemma in skipped)
    summary = "; ".join(f"{count} {reason}" for reason, count in reasons.most_common())
    print(f"wrote {len(problems)} problems of split {args.split!r} from {len(args.files)} files to {args.out}"
          + (f"; skipped {len(skipped)} lemmas ({summary})" if skipped else ""), file=sys.stderr)
    return 1 if any(lemma.line == 0 for lemma in skipped) else 0
