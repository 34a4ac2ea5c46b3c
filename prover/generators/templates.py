"""Goal-aware tactic templates: the data model of a backend's ``goal_tactics.toml``, checked.

A template is a tactic with ``{placeholders}`` and a prior log-probability, instantiated for
each *item* of its kind that the goal holds: the target, each hypothesis, each variable, each
pair of them, each ``a mod b`` or denominator, each unfoldable constant. The format is in
``docs/generators.md``; :func:`load_templates` refuses a file that names an unknown kind,
placeholder, condition, shape or domain, so a typo fails when the generator is built, not
silently at search time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: Each item kind: the placeholders its templates may use and the conditions it computes.
KINDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "goal": (frozenset({"lhs", "rhs", "term", "scope"}), frozenset({"in_hyps", "div_in_goal", "div_in_hyps"})),
    "hypothesis": (
        frozenset({"h", "lhs", "rhs", "term", "arg"}),
        frozenset({"lhs_in_goal", "rhs_in_goal", "lhs_var", "rhs_var", "concl_is_goal", "constructor", "premises",
                   "div_in_hyp", "last"}),
    ),
    "rewrite_in": (frozenset({"h", "g"}), frozenset({"lhs_in_hyp", "rhs_in_hyp"})),
    "hypothesis_pair": (frozenset({"h", "g", "a", "b"}), frozenset()),
    "variable": (frozenset({"x"}), frozenset({"in_goal"})),
    "variable_pair": (frozenset({"x", "y"}), frozenset({"in_goal"})),
    "mod": (frozenset({"a", "b"}), frozenset({"in_goal"})),
    "denominator": (frozenset({"e"}), frozenset({"in_goal"})),
    "call": (frozenset({"f", "e"}), frozenset({"in_goal"})),
    "constant": (frozenset({"c"}), frozenset({"in_goal"})),
    "definition": (frozenset({"h"}), frozenset({"in_goal"})),
}
#: Kinds whose items have shapes (the others have domains).
SHAPED = ("goal", "hypothesis", "rewrite_in", "hypothesis_pair")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Shape:
    """How to recognise one shape of proposition (see ``docs/generators.md``).

    Exactly one of ``binder`` (the text starts with this word, ``forall``), ``prefix`` (starts
    with this operator, ``~``), ``infix`` (this operator outside every bracket, ``=``) or
    ``chain`` (two or more of these relations outside brackets, ``0 <= n < 9``). ``lhs``/``rhs``
    require that side to be this text; ``term`` names the side that is the item's ``{term}``;
    ``continues`` the side where a hypothesis's conclusion goes on (``forall``: body, ``->``: rhs).
    """

    name: str
    binder: str = ""
    prefix: str = ""
    infix: str = ""
    chain: tuple[str, ...] = ()
    lhs: str | None = None
    rhs: str | None = None
    term: str = ""
    continues: str = ""  #: "body" or "rhs": a hypothesis's conclusion is found there (forall, ->)

    @property
    def key(self) -> str:
        """The operator group: shapes with the same key are read off the same split."""
        return self.binder or self.prefix or self.infix or "chain:" + ",".join(self.chain)


@dataclass(frozen=True)
class Domain:
    """A value type family (``R``): its type names, scope names and closers with their priors."""

    name: str
    types: tuple[str, ...]
    scopes: tuple[str, ...] = ()
    closers: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Template:
    """One tactic template; see :data:`KINDS` for what ``on`` can be and what it provides."""

    on: str
    tactic: str
    prior: float
    shape: str = ""  #: a shape the item must have ("" or "any": every item)
    conclusion: str = ""  #: hypothesis: a shape its conclusion (past binders and premises) must have
    domain: str = ""  #: a domain the item must have (variables, pairs, terms)
    when: tuple[str, ...] = ()  #: conditions that must all hold
    bonus: tuple[tuple[str, float], ...] = ()  #: conditions that add to the prior when they hold
    close: bool = False  #: also propose ``tactic; closer`` for each closer of the goal's domains
    all: bool = False  #: one tactic for every item: the instances joined with ``join``, put in ``around``
    join: str = "; "
    around: str = "{items}"  #: with ``all``: where the joined instances go (Lean: ``nlinarith [{items}]``)
    adds: tuple[str, ...] = ()  #: facts the tactic adds; an instance whose facts are all present is dropped
    mentions: tuple[str, ...] = ()  #: identifiers; the goal must mention one of them
    function: str = ""  #: call: the function whose applications are the items (``sqrt``)


@dataclass(frozen=True)
class TemplateSet:
    """A backend's whole template file, checked."""

    shapes: tuple[Shape, ...]
    domains: tuple[Domain, ...]
    templates: tuple[Template, ...]
    value_types: tuple[str, ...] = ()  #: type heads that make a hypothesis a variable (``list``, ``Q``)
    constructors: tuple[str, ...] = ()  #: heads that make ``injection``/``inversion`` apt (``S``, ``cons``)
    library: tuple[str, ...] = ()  #: applied identifiers never proposed for ``unfold``
    division: str = "/"
    modulo: str = "mod"
    max_items: int = 6  #: variables and hypotheses taken for pairs, at most
    operators: tuple[str, ...] = field(default=())  #: every operator the shapes use, for the tokenizer

    @property
    def functions(self) -> tuple[str, ...]:
        """The functions whose applications are ``call`` items."""
        return tuple(dict.fromkeys(t.function for t in self.templates if t.on == "call"))

    def domain(self, name: str) -> Domain | None:
        """The domain called ``name``."""
        return next((d for d in self.domains if d.name == name), None)


def load_templates(data: dict[str, Any], source: str = "goal_tactics.toml") -> TemplateSet:
    """The :class:`TemplateSet` in parsed TOML ``data``; ``ValueError`` naming ``source`` when malformed."""
    try:
        return _load(data)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{source}: {error}") from None


def _load(data: dict[str, Any]) -> TemplateSet:
    if unknown := set(data) - {"syntax", "domains", "templates"}:
        raise ValueError(f"unknown tables {sorted(unknown)}; known: syntax, domains, templates")
    syntax = dict(data.get("syntax", {}))
    shapes = tuple(_shape(entry) for entry in syntax.get("shapes", []))
    domains = tuple(_domain(name, entry) for name, entry in data.get("domains", {}).items())
    names, domain_names = {s.name for s in shapes}, {d.name for d in domains}
    templates = []
    for kind, entries in data.get("templates", {}).items():
        if kind not in KINDS:
            raise ValueError(f"[templates]: unknown kind {kind!r}; known: {', '.join(KINDS)}")
        templates.extend(_template(kind, entry, names, domain_names) for entry in entries)
    operators = {s.prefix or s.infix for s in shapes} | {op for s in shapes for op in s.chain}
    known = {"shapes", "value_types", "constructors", "library", "division", "modulo", "max_items", "operators"}
    if unknown := set(syntax) - known:
        raise ValueError(f"[syntax]: unknown keys {sorted(unknown)}")
    return TemplateSet(
        shapes=shapes, domains=domains, templates=tuple(templates),
        value_types=tuple(syntax.get("value_types", ())), constructors=tuple(syntax.get("constructors", ())),
        library=tuple(syntax.get("library", ())), division=syntax.get("division", "/"),
        modulo=syntax.get("modulo", "mod"), max_items=int(syntax.get("max_items", 6)),
        operators=tuple(sorted(operators - {""} | set(syntax.get("operators", ())))),
    )  # fmt: skip


def _shape(entry: dict[str, Any]) -> Shape:
    shape = Shape(**{**entry, "chain": tuple(entry.get("chain", ()))})
    if sum(bool(x) for x in (shape.binder, shape.prefix, shape.infix, shape.chain)) != 1:
        raise ValueError(f"shape {shape.name!r}: give exactly one of binder, prefix, infix, chain")
    if shape.term not in ("", "lhs", "rhs", "body") or shape.continues not in ("", "rhs", "body"):
        raise ValueError(f"shape {shape.name!r}: term must be lhs, rhs or body; continues rhs or body")
    return shape


def _domain(name: str, entry: dict[str, Any]) -> Domain:
    closers = tuple((tactic, float(prior)) for tactic, prior in entry.get("closers", {}).items())
    return Domain(name, tuple(entry["types"]), tuple(entry.get("scopes", ())), closers)


def _template(kind: str, entry: dict[str, Any], shapes: set[str], domains: set[str]) -> Template:
    placeholders, conditions = KINDS[kind]
    where = f"[{kind}] template {entry.get('tactic')!r}"
    template = Template(
        on=kind, tactic=entry["tactic"], prior=float(entry["prior"]), shape=entry.get("shape", ""),
        conclusion=entry.get("conclusion", ""), domain=entry.get("domain", ""), when=tuple(entry.get("when", ())),
        bonus=tuple((k, float(v)) for k, v in entry.get("bonus", {}).items()), close=bool(entry.get("close", False)),
        all=bool(entry.get("all", False)), join=entry.get("join", "; "), around=entry.get("around", "{items}"),
        adds=tuple(entry.get("adds", ())), mentions=tuple(entry.get("mentions", ())), function=entry.get("function", ""),
    )  # fmt: skip
    if unknown := set(entry) - {f for f in Template.__dataclass_fields__ if f != "on"}:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    if "{items}" not in template.around:
        raise ValueError(f"{where}: around must hold {{items}}")
    used = set(_PLACEHOLDER.findall(template.tactic + "".join(template.adds) + template.around)) - {"closer", "items"}
    if bad := used - placeholders:
        raise ValueError(f"{where}: placeholders {sorted(bad)} do not exist for {kind}; it has {sorted(placeholders)}")
    if bad := (set(template.when) | {k for k, _ in template.bonus}) - conditions:
        raise ValueError(f"{where}: conditions {sorted(bad)} do not exist for {kind}; it has {sorted(conditions) or 'none'}")
    for name in (template.shape, template.conclusion):
        if name and name != "any" and name not in shapes:
            raise ValueError(f"{where}: unknown shape {name!r}")
    if (template.shape or template.conclusion) and kind not in SHAPED:
        raise ValueError(f"{where}: {kind} items have domains, not shapes")
    if bool(template.function) != (kind == "call"):
        raise ValueError(f"{where}: call templates, and only they, name a function")
    if template.domain and template.domain not in domains:
        raise ValueError(f"{where}: unknown domain {template.domain!r}")
    return template


def placeholders(text: str) -> list[str]:
    """The ``{name}`` placeholders in ``text``, in order."""
    return _PLACEHOLDER.findall(text)


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with each ``{name}`` replaced by ``values[name]`` (other braces are left alone)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
