"""Which assumptions a checked proof rests on, and whose they are.

``Print Assumptions`` prints each name by the shortest path that finds it from
where the command runs, so a name printed inside the checked file says nothing
about where it comes from: ``x`` may be an admitted lemma of the header or an
axiom of an imported library, and ``Basics.incr`` a lemma of the header's own
module ``Basics``. The verifier therefore asks from *outside* the file: a second
``coqc`` ``Require``\\ s the compiled file without importing it and prints the
theorem's assumptions there, where everything the file itself defines can only
be printed under the file's own library name (``LlemmaUnderCheck.Basics.incr``)
and everything else comes from the installed libraries.

Of the file's own assumptions only those the file *declares* as assumptions
(``Axiom``, ``Parameter``, ``Hypothesis``, ``Conjecture``, a ``Variable`` outside
any section) are allowed: Coq's own record of the file's definitions, the
``.glob`` file, lists them with the kind ``ax``, while an ``Admitted`` lemma,
definition or instance has its own kind. Assumptions that are no axioms at all
(``X is assumed to be guarded``, ``... positive``, ``... relies on type-in-type``:
the file turned a kernel check off) are refused whoever made them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: One definition in a ``.glob`` file: ``kind start:end module.path name`` (``<>`` for no module).
_GLOB_DEFINITION = re.compile(r"^([a-z]+) (\d+):(\d+) (\S+) (\S+)$", re.M)
#: The ``.glob`` kind of ``Axiom``/``Parameter``/``Hypothesis``/``Conjecture`` declarations.
AXIOM_KIND = "ax"
_AXIOM_ENTRY = re.compile(r"^(\S+)\s*(?::|$)")


@dataclass(frozen=True)
class GlobDefinition:
    """A name the compiled file defines, as its ``.glob`` file records it."""

    kind: str
    start: int  #: byte offset in the source
    end: int
    path: str  #: the module path inside the file, ``""`` at the top
    name: str

    @property
    def qualified(self) -> str:
        """The name with its module path (sections are no part of it)."""
        return f"{self.path}.{self.name}" if self.path else self.name


def glob_definitions(glob: str) -> list[GlobDefinition]:
    """The definitions a ``.glob`` file records, in source order."""
    return [
        GlobDefinition(kind, int(start), int(end), "" if path == "<>" else path, name)
        for kind, start, end, path, name in _GLOB_DEFINITION.findall(glob)
    ]


@dataclass(frozen=True)
class Assumptions:
    """A theorem's assumptions by origin; names of the file's own are relative to the file."""

    declared: tuple[str, ...] = ()  #: the file's own ``Axiom``/``Parameter``/... declarations: allowed
    unproved: tuple[str, ...] = ()  #: the file's own ``Admitted`` lemmas (and anything else it assumes)
    unsafe: tuple[str, ...] = ()  #: definitions whose kernel checks were turned off
    library: tuple[str, ...] = ()  #: axioms of the installed libraries: allowed

    @property
    def refusal(self) -> str:
        """Why a proof with these assumptions does not count ("" when it does)."""
        reasons = []
        if self.unproved:
            reasons.append(f"the proof depends on what the file leaves unproved (Admitted): {', '.join(self.unproved)}")
        if self.unsafe:
            reasons.append(f"the proof depends on unchecked definitions: {'; '.join(self.unsafe)}")
        return "; ".join(reasons)


def classify_assumptions(output: str, library_name: str, axioms: set[str]) -> Assumptions | None:
    """Sort the ``Print Assumptions`` ``output`` (printed outside the file ``library_name``).

    ``axioms`` are the file's own declared assumptions, relative to the file (see
    :func:`glob_definitions`). Returns None when the output is neither ``Closed under the
    global context`` nor a list of axioms.
    """
    text = output.strip()
    if text == "Closed under the global context":
        return Assumptions()
    if not text.startswith("Axioms:"):
        return None
    own_prefix = f"{library_name}."
    declared, unproved, unsafe, library = [], [], [], []
    for line in text.splitlines()[1:]:
        if not line or line[0].isspace():
            continue  # a type continued from the line before
        entry = _AXIOM_ENTRY.match(line)
        if entry is None:
            unsafe.append(_relative(line, own_prefix))
            continue
        name = entry.group(1)
        if not name.startswith(own_prefix):
            library.append(name)
        elif name[len(own_prefix):] in axioms:
            declared.append(name[len(own_prefix):])
        else:
            unproved.append(name[len(own_prefix):])
    return Assumptions(*(tuple(names) for names in (declared, unproved, unsafe, library)))


def _relative(line: str, own_prefix: str) -> str:
    return line[len(own_prefix):] if line.startswith(own_prefix) else line
