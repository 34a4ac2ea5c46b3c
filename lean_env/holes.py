"""The holes of a Lean file (``prove fill``): theorems whose proof holds ``sorry``, and how a found proof is written back.

A hole is a named ``theorem``/``lemma`` whose proof (everything after the ``:=`` that ends its
statement, up to the next command) has a ``sorry`` outside comments and strings: a whole
``:= by sorry`` or ``:= sorry``, or a ``sorry`` inside a longer proof. As with Coq's
``admit.``, the whole lemma is proved again from its statement, and a found proof replaces the
proof text with ``by`` and one tactic a line, indented under the declaration; the docstring,
attributes and statement stay as they were.

Each hole is searched with the file before it as the header (``import``\\ s, ``open``\\ s,
earlier lemmas), so later lemmas cannot be used; a proof that leans on an earlier lemma still
proved by ``sorry`` fails the re-check, whose ``#print axioms`` then lists ``sorryAx``.

Not supported yet (listed, left as they are): ``example``\\ s (no name to audit), ``private``
lemmas (their names are mangled outside the file), and proofs by equations or ``where``
(no ``:=`` after the statement).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from lean_env.check import axiom_problem, indent_tactic, parse_axioms
from lean_env.errors import LeanError, ReplCrashError, ReplTimeoutError
from lean_env.install import locate
from lean_env.pool import ReplConfig, ReplWorker
from lean_env.protocol import Command
from lean_env.sketches import SKIPPED, sorry_spans
from prover.fill import FileBackend, FileCheck, Hole

_MODIFIERS = r"(?:@\[[^\]\n]*\][ \t\n]*)*(?:(?:private|protected|noncomputable|nonrec|unsafe|partial)\s+)*"
#: A theorem-like declaration at the start of a line: indentation, modifiers, keyword, name.
_DECLARATION = re.compile(rf"^([ \t]*){_MODIFIERS}(theorem|lemma|example)\b\s*([^\s(:{{\[⦃]*)", re.M)
#: What starts the next command, and so ends a declaration's proof.
_COMMAND = re.compile(
    rf"^[ \t]*(?:{_MODIFIERS}(?:theorem|lemma|example|def|abbrev|instance|axiom|opaque|structure|class|inductive)\b"
    r"|(?:namespace|section|end|open|variable|universe|set_option|attribute|notation|macro|syntax|#\w+)\b|@\[)", re.M)
_SCOPE = re.compile(r"^[ \t]*(namespace|section|end)\b[ \t]*([^\s]*)", re.M)
_OPEN = "([{⟨⦃"
_CLOSE = ")]}⟩⦄"


@dataclass(frozen=True)
class LeanHole(Hole):
    """A Lean hole, with what writing its proof back and auditing it need."""

    full_name: str = ""  #: the name ``#print axioms`` needs at the end of the file (namespaces included)
    indent: str = ""  #: the declaration's indentation


def masked(text: str, strings: bool = True) -> str:
    """``text`` with comments (and ``strings``, unless told not to) blanked out, newlines kept, so offsets stay the same."""
    return SKIPPED.sub(lambda match: match.group(0) if not strings and match.group(0).startswith('"')
                       else re.sub(r"[^\n]", " ", match.group(0)), text)


def declarations(text: str, stem: str) -> list[LeanHole]:
    """Every ``theorem``/``lemma``/``example`` of ``text`` in file order, named ``stem.…``, as a hole would be
    (``kind`` counts the ``sorry``\\ s in its proof, ``"proved"`` when there are none)."""
    plain = masked(text)
    found = []
    for match in _DECLARATION.finditer(plain):
        start = _with_docstring(text, plain, match.start())
        end = _proof_end(plain, match.end(), len(match.group(1)))
        assign = _statement_end(plain, match.end(), end)
        proof_start = assign if assign is not None else match.end()
        keyword, name = match.group(2), match.group(3)
        full = _full_name(plain, match.start(), name)
        count = len(sorry_spans(text[proof_start:end]))
        found.append(LeanHole(
            name=f"{stem}.{full or keyword}", lemma=name or keyword, line=text.count("\n", 0, match.start()) + 1,
            kind="proved" if not count else "sorry" if count == 1 else f"{count} sorries",
            statement=text[start:proof_start], statement_start=start, start=proof_start, end=end,
            unsupported=_unsupported(keyword, name, match.group(0), assign), full_name=full, indent=match.group(1),
        ))  # fmt: skip
    return found


def find_holes(text: str, stem: str) -> list[LeanHole]:
    """The theorems of ``text`` whose proof holds ``sorry``, in file order, named ``stem.…``."""
    return [declaration for declaration in declarations(text, stem) if declaration.kind != "proved"]


def _with_docstring(text: str, plain: str, start: int) -> int:
    """Where the declaration at ``start`` begins, with the docstring right before it."""
    before = len(text[:start].rstrip())
    if text.endswith("-/", 0, before):
        opening = text.rfind("/--", 0, before)
        if opening != -1 and not plain[opening:before].strip():
            return opening
    return start


def _proof_end(plain: str, after: int, indent: int) -> int:
    """Where the declaration's text ends: before the next command indented no deeper than it
    (``set_option ... in`` inside a proof is deeper), trailing blanks and comments left out."""
    stop = len(plain)
    for following in _COMMAND.finditer(plain, after):
        if len(following.group(0)) - len(following.group(0).lstrip(" \t")) <= indent:
            stop = following.start()
            break
    return len(plain[:stop].rstrip())


def _statement_end(plain: str, after: int, end: int) -> int | None:
    """The offset just past the ``:=`` that ends the statement (outside brackets), or None."""
    depth = 0
    for index in range(after, end - 1):
        char = plain[index]
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        elif depth == 0 and plain.startswith(":=", index):
            return index + 2
    return None


def _full_name(plain: str, start: int, name: str) -> str:
    """``name`` with the namespaces open at ``start``."""
    if not name or name.startswith("_root_."):
        return name.removeprefix("_root_.")
    scopes: list[tuple[str, str]] = []
    for scope in _SCOPE.finditer(plain, 0, start):
        kind, label = scope.group(1), scope.group(2)
        if kind == "end":
            if scopes:
                scopes.pop()
        else:
            scopes.append((kind, label))
    return ".".join([label for kind, label in scopes if kind == "namespace" and label] + [name])


def _unsupported(keyword: str, name: str, declaration: str, assign: int | None) -> str:
    if keyword == "example" or not name:
        return "an example has no name for #print axioms to audit"
    if re.search(r"\bprivate\b", declaration):
        return "a private lemma's name is mangled outside its file, so it cannot be audited"
    if assign is None:
        return "a proof by equations or `where` (no `:=` after the statement)"
    return ""


def proof_text(hole: LeanHole, proof: Sequence[str]) -> str:
    """What replaces the hole's proof: `` by`` and the tactics, one a line, under the declaration."""
    pad = hole.indent + "  "
    return " by\n" + "\n".join(indent_tactic(tactic, pad) for tactic in proof)


class LeanFiles(FileBackend):
    """:class:`~prover.fill.FileBackend` for ``.lean`` files: holes, proofs written back, REPL checks.

    The whole file is checked as one command in a fresh REPL (no header: its own ``import``\\ s
    come first), then ``#print axioms`` of each filled lemma. Options: ``timeout`` (seconds for
    the check), ``project_dir`` and ``repl_command`` as for :class:`~lean_env.LeanEnv`.
    """

    def __init__(self, timeout: float = 300.0, project_dir: str | None = None,
                 repl_command: str | Sequence[str] | None = None) -> None:
        launch = locate(project_dir, repl_command)
        self.config = ReplConfig(launch.argv, launch.cwd, timeout, timeout)
        self.env_options = {"project_dir": str(launch.cwd), "repl_command": list(launch.argv)}

    def find_holes(self, text: str, stem: str) -> list[Hole]:
        """See :func:`find_holes`."""
        return list(find_holes(text, stem))

    def proof_text(self, text: str, hole: Hole, proof: list[str]) -> str:
        """See :func:`proof_text`."""
        assert isinstance(hole, LeanHole)
        return proof_text(hole, proof)

    def check_file(self, text: str, lemmas: Sequence[tuple[int, Hole]] = ()) -> FileCheck:
        """``text`` as one command in a fresh REPL, then ``#print axioms`` of each lemma."""
        worker = ReplWorker("", self.config)
        try:
            worker.ready()
            reply = worker.send(Command(text))
            if reply.errors:
                first = min(reply.errors, key=lambda m: (m.pos.line, m.pos.column) if m.pos else (0, 0))
                return FileCheck((first.pos.line if first.pos else 0, first.data))
            refusals = []
            for _, hole in lemmas:
                assert isinstance(hole, LeanHole)
                audit = worker.send(Command(f"#print axioms {hole.full_name}", reply.env))
                axioms = parse_axioms(audit)
                refusals.append(f"#print axioms {hole.full_name} listed no axioms" if axioms is None
                                else axiom_problem(axioms) or "")
            return FileCheck(None, tuple(refusals))
        except (ReplTimeoutError, ReplCrashError, LeanError) as error:
            return FileCheck((0, f"the Lean REPL could not check the file: {error}"))
        finally:
            worker.stop()


