"""A goal read for the goal-aware generator: its hypotheses, variables and terms, as *items*.

:func:`analyze` turns one :class:`~prover.env.Goal` into the items that templates are
instantiated for (the kinds of :data:`~prover.generators.templates.KINDS`): the target, each
hypothesis with its shape and sides, pairs of them, each variable with its domain (``R``,
``Z``, ``nat``...), pairs of variables, each ``a mod b`` and each denominator that holds a
variable, each constant that could be unfolded. Each item carries its placeholder values,
its shapes (``tags``), its domain and the conditions that hold for it (``facts``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from prover.env import Goal
from prover.generators.templates import Shape, TemplateSet
from prover.generators.terms import (
    applied, arguments, binder_split, binder_types, bound_names, identifiers, mentions, normalize, operands, split_at, starts_with_word,
    strip_outer, tokenize, top_level, unbracketed,
)  # fmt: skip

#: Arguments proposed for one ``{arg}`` placeholder, at most.
MAX_ARGS = 3


@dataclass(frozen=True)
class Prop:
    """A proposition classified by the backend's shapes: its tags, sides and scope."""

    text: str
    tags: frozenset[str]
    sides: dict[str, str]
    shape: Shape | None = None
    scope: str = ""


@dataclass(frozen=True)
class Hypothesis:
    """One named hypothesis: the proposition, its conclusion past binders and premises."""

    name: str
    prop: Prop
    conclusion: Prop
    bound: frozenset[str]  #: names bound by its binders (``x`` in ``forall x, f x = 1``)
    premises: int
    first_binder_type: str = ""


@dataclass(frozen=True)
class Item:
    """What one template is instantiated for."""

    kind: str
    values: dict[str, str]
    tags: frozenset[str] = frozenset({"any"})
    conclusion: frozenset[str] = frozenset()
    domain: str = ""
    facts: frozenset[str] = frozenset()
    args: tuple[str, ...] = ()


@dataclass
class GoalView:
    """A goal's items by kind, the domains of its target, and the facts it already has."""

    goal: Goal
    items: dict[str, list[Item]] = field(default_factory=dict)
    domains: list[str] = field(default_factory=list)
    facts: set[str] = field(default_factory=set)
    mentioned: set[str] = field(default_factory=set)


def classify(text: str, templates: TemplateSet) -> Prop:
    """The shapes ``text`` has: the first shape that matches decides the main operator."""
    text, scope = strip_outer(text)
    ops = templates.operators
    for shape in templates.shapes:
        if _split(shape, text, ops) is not None:
            key = shape.key
            break
    else:
        return Prop(text, frozenset({"any"}), {}, None, scope)
    tags, sides, main = {"any"}, {}, None
    for shape in templates.shapes:
        split = _split(shape, text, ops) if shape.key == key else None
        if split is None or (shape.lhs is not None and split[0] != shape.lhs) or (shape.rhs is not None and split[1] != shape.rhs):
            continue
        main = main or shape
        tags.add(shape.name)
        lhs, rhs = split
        named = {"binders": lhs, "body": rhs} if shape.binder else {"body": rhs} if shape.prefix else {"lhs": lhs, "rhs": rhs}
        for side, value in named.items():
            sides.setdefault(side, value)
        if shape.term:
            sides["term"] = named.get(shape.term, rhs)
    return Prop(text, frozenset(tags), sides, main, scope)


def _split(shape: Shape, text: str, ops: tuple[str, ...]) -> tuple[str, str] | None:
    """(lhs, rhs) for infix and chain shapes, (binders, body) for binders, ("", body) for prefixes."""
    if shape.binder:
        return binder_split(text, shape.binder, ops)
    if shape.prefix:
        return ("", strip_outer(text[len(shape.prefix):])[0]) if starts_with_word(text, shape.prefix) else None
    if shape.infix:
        found = top_level(text, shape.infix, ops)
        return split_at(text, found[0]) if found else None
    found = [t for t in tokenize(text, ops) if t.depth == 0 and t.kind == "op" and t.text in shape.chain]
    return split_at(text, found[0]) if len(found) >= 2 else None


def hypothesis(name: str, text: str, templates: TemplateSet) -> Hypothesis:
    """``name : text`` read as a hypothesis: its shape, and its conclusion past binders and premises."""
    prop = conclusion = classify(text, templates)
    bound: set[str] = set()
    premises, first_type = 0, ""
    while conclusion.shape is not None and conclusion.shape.continues:
        if conclusion.shape.binder:
            binders = binder_types(conclusion.sides["binders"])
            bound |= {n for n, _ in binders}
            first_type = first_type or (binders[0][1] if binders else "")
            conclusion = classify(conclusion.sides["body"], templates)
        else:
            premises += 1
            conclusion = classify(conclusion.sides["rhs"], templates)
    return Hypothesis(name, prop, conclusion, frozenset(bound), premises, first_type)


def analyze(goal: Goal, templates: TemplateSet) -> GoalView:
    """The items of ``goal`` (its first goal, the one a tactic acts on) for ``templates``."""
    variables: dict[str, str] = {}
    hyps: list[Hypothesis] = []
    definitions: list[str] = []
    for line in goal.hypotheses:
        names, body, kind = _declaration(line)
        if not names:
            continue
        if body:
            definitions.extend(names)
        elif _is_value_type(kind, templates):
            variables.update((name, kind) for name in names)
        else:
            hyps.extend(hypothesis(name, kind, templates) for name in names)
    view = GoalView(goal, facts={unbracketed(h.prop.text) for h in hyps})
    texts, target = [h.prop.text for h in hyps], goal.target
    view.domains = _goal_domains(target, texts, strip_outer(target)[1], variables, templates)
    view.mentioned = set(identifiers(target)).union(*(identifiers(t) for t in texts))
    numbers = _typed(variables, templates)
    view.items = {
        "goal": [_goal_item(target, texts, view, variables, templates)],
        "hypothesis": [_hypothesis_item(h, h is hyps[-1], target, variables, templates) for h in hyps],
        "rewrite_in": [_rewrite_item(h, g) for h in hyps for g in hyps if h is not g],
        "hypothesis_pair": [_pair_item(h, g, variables, templates)
                            for h, g in itertools.combinations(hyps[: templates.max_items], 2)],
        "variable": [Item("variable", {"x": x}, domain=d, facts=_in(target, x)) for x, d in numbers],
        "variable_pair": [Item("variable_pair", {"x": x, "y": y}, domain=d, facts=_in(target, x) & _in(target, y))
                          for (x, d), (y, e) in itertools.combinations(numbers[: templates.max_items], 2) if d == e],
        "mod": _term_items("mod", ("a", "b"), target, texts, templates.modulo, variables, templates),
        "denominator": _term_items("denominator", ("", "e"), target, texts, templates.division, variables, templates),
        "call": _calls(target, texts, variables, templates),
        "constant": [Item("constant", {"c": c}, facts=_in(target, c))
                     for c in _constants(target, texts, variables, hyps, templates)],
        "definition": [Item("definition", {"h": h}, facts=_in(target, h)) for h in definitions],
    }  # fmt: skip
    return view


def _goal_item(target: str, texts: list[str], view: GoalView, variables: dict[str, str], templates: TemplateSet) -> Item:
    prop = classify(target, templates)
    denominators = _terms(target, texts, templates.division, variables, templates)
    facts = _holding(in_hyps=unbracketed(prop.text) in view.facts, div_in_goal=any(here for *_, here, _ in denominators),
                     div_in_hyps=any(not here for *_, here, _ in denominators))
    return Item("goal", _target_values(prop, templates), prop.tags, domain=_first(view.domains), facts=facts)


def _term_items(kind: str, names: tuple[str, str], target: str, texts: list[str], operator: str,
                variables: dict[str, str], templates: TemplateSet) -> list[Item]:
    """An item per distinct ``left operator right`` with a variable in it; ``names`` name the operands' placeholders."""
    return [Item(kind, {name: _group(value) for name, value in zip(names, (left, right)) if name}, domain=domain,
                 facts=_holding(in_goal=here))
            for left, right, here, domain in _terms(target, texts, operator, variables, templates)]


def _declaration(line: str) -> tuple[list[str], str, str]:
    """``x, y : R`` as (names, "", type); ``S := body : T`` as ([S], body, T); ([], "", "") otherwise."""
    text = normalize(line)
    tokens = [t for t in tokenize(text, (":=",)) if t.depth == 0 and t.text in (":", ":=")]
    if not tokens:
        return [], "", ""
    head = text[: tokens[0].start].strip()
    names = [n for n in head.replace(",", " ").split() if n]
    if not names or not all(n[0].isalpha() or n[0] == "_" for n in names):
        return [], "", ""
    if tokens[0].text == ":=":
        colons = [t for t in tokens[1:] if t.text == ":"]
        return (names, text[tokens[0].end : colons[-1].start].strip(), text[colons[-1].end:].strip()) if colons else ([], "", "")
    return names, "", text[tokens[0].end:].strip()


def _is_value_type(kind: str, templates: TemplateSet) -> bool:
    """``R``, ``nat -> R``, ``list Z``: every arrow part is headed by a known type, so it is no proposition."""
    heads = [identifiers(part)[:1] for part in _arrow_parts(kind, templates)]
    known = set(templates.value_types).union(*(d.types for d in templates.domains))
    return all(head and head[0] in known for head in heads)


def _arrow_parts(kind: str, templates: TemplateSet) -> list[str]:
    arrows = [s.infix for s in templates.shapes if s.continues == "rhs"]
    parts, rest = [], kind
    while arrows and (found := top_level(rest, arrows[0], templates.operators)):
        parts.append(rest[: found[0].start])
        rest = rest[found[0].end:]
    return [*parts, rest]


def _domain_of_type(kind: str, templates: TemplateSet) -> str:
    """The domain of a variable of type ``kind``: of the type itself, or of a function's result."""
    result = normalize(_arrow_parts(kind, templates)[-1])
    return next((d.name for d in templates.domains if result in d.types), "")


def _typed(variables: dict[str, str], templates: TemplateSet) -> list[tuple[str, str]]:
    """(name, domain) of the variables whose own type (not a function's) is a domain's."""
    return [(x, d.name) for x, kind in variables.items() for d in templates.domains if normalize(kind) in d.types]


def _domains_in(text: str, variables: dict[str, str], templates: TemplateSet) -> list[str]:
    found = [_domain_of_type(variables[x], templates) for x in identifiers(text) if x in variables]
    return list(dict.fromkeys(d for d in found if d))


def _goal_domains(target: str, texts: list[str], scope: str, variables: dict[str, str], templates: TemplateSet) -> list[str]:
    """Domains of the target's variables, else of the hypotheses', else of its scope, else all."""
    found = _domains_in(target, variables, templates) or _domains_in(" ".join(texts), variables, templates)
    if not found and scope:
        found = [d.name for d in templates.domains if scope in d.scopes]
    return found or [d.name for d in templates.domains]


def _terms(target: str, texts: list[str], operator: str, variables: dict[str, str],
           templates: TemplateSet) -> list[tuple[str, str, bool, str]]:
    """(left, right, in the target, domain) of each ``operator`` use whose operands hold a variable."""
    words = (operator,) if operator.isidentifier() else ()  # ``mod`` is an operator, not a function
    found: dict[tuple[str, str], tuple[str, str, bool, str]] = {}
    for here, text in [(True, target), *((False, t) for t in texts)]:
        for left, right in operands(text, operator, words):
            domain = _first(_domains_in(f"{left or ''} {right}", variables, templates))
            if domain and (left or "", right) not in found:
                found[(left or "", right)] = (left or "", right, here, domain)
    return list(found.values())


def _calls(target: str, texts: list[str], variables: dict[str, str], templates: TemplateSet) -> list[Item]:
    """An item for each distinct application of a function that ``call`` templates name."""
    items: dict[tuple[str, str], Item] = {}
    for here, text in [(True, target), *((False, t) for t in texts)]:
        for function in templates.functions:
            for argument in arguments(text, function, (templates.modulo,)):
                domain = _first(_domains_in(argument, variables, templates))
                items.setdefault((function, argument), Item("call", {"f": function, "e": _group(argument)}, domain=domain,
                                                            facts=_holding(in_goal=here)))
    return list(items.values())


def _constants(target: str, texts: list[str], variables: dict[str, str], hyps: list[Hypothesis],
               templates: TemplateSet) -> list[str]:
    """Applied identifiers that no variable, bound name, library function or type names: definitions."""
    skip = {*variables, *templates.library, *templates.constructors, *templates.value_types, *(h.name for h in hyps)}
    skip |= {s.binder for s in templates.shapes if s.binder} | {t for d in templates.domains for t in d.types}
    text = " ".join([target, *texts])
    skip |= bound_names(text, (*(s.binder for s in templates.shapes if s.binder), "fun"), templates.operators)
    return [n for n in applied(text, (templates.modulo,)) if n not in skip and "." not in n]


def _target_values(target: Prop, templates: TemplateSet) -> dict[str, str]:
    """The target's sides, and ``scope``: the ``%scope`` of its first bound variable's domain."""
    values = _grouped(target.sides)
    bound = binder_types(target.sides.get("binders", ""))
    kind = normalize(bound[0][1]) if bound else ""
    domain = next((d for d in templates.domains if kind in d.types), None)
    if domain and domain.scopes:
        values["scope"] = domain.scopes[0]
    return values


def _hypothesis_item(h: Hypothesis, last: bool, target: str, variables: dict[str, str], templates: TemplateSet) -> Item:
    sides = h.conclusion.sides
    facts = set(_holding(
        last=last, premises=bool(h.premises), div_in_hyp=bool(operands(h.prop.text, templates.division)),
        concl_is_goal=not h.bound and normalize(h.conclusion.text) == normalize(strip_outer(target)[0]),
        constructor=any(_constructed(sides.get(side, ""), templates) for side in ("lhs", "rhs")),
    ))  # fmt: skip
    for side in ("lhs", "rhs"):
        if side in sides:
            facts |= _holding(**{f"{side}_in_goal": _side_in(sides[side], target, h.bound),
                                 f"{side}_var": sides[side] in variables and not h.bound})
    args = tuple(x for x, kind in variables.items() if normalize(kind) == normalize(h.first_binder_type))[:MAX_ARGS]
    domain = _first(_domains_in(h.prop.text, variables, templates))
    return Item("hypothesis", {"h": h.name, **_grouped(sides)}, h.prop.tags, h.conclusion.tags, domain, frozenset(facts), args)


def _side_in(side: str, text: str, bound: frozenset[str]) -> bool:
    """``side`` occurs in ``text``; with bound names in it, its head applied in ``text`` is enough."""
    if not (set(identifiers(side)) & bound):
        return mentions(text, side)
    head = identifiers(side)[:1]
    return bool(head) and head[0] not in bound and head[0] in applied(text)


def _constructed(side: str, templates: TemplateSet) -> bool:
    """``side`` is a tuple ``(a, b)`` or headed by a constructor (``S n``)."""
    tokens = tokenize(side)
    if tokens and tokens[0].kind == "open" and any(t.text == "," and t.depth == 1 for t in tokens):
        return True
    return bool(tokens) and tokens[0].text in templates.constructors


def _rewrite_item(h: Hypothesis, g: Hypothesis) -> Item:
    sides = h.conclusion.sides
    facts = {f"{side}_in_hyp" for side in ("lhs", "rhs") if side in sides and _side_in(sides[side], g.prop.text, h.bound)}
    return Item("rewrite_in", {"h": h.name, "g": g.name}, h.prop.tags, h.conclusion.tags, facts=frozenset(facts))


def _pair_item(h: Hypothesis, g: Hypothesis, variables: dict[str, str], templates: TemplateSet) -> Item:
    a, b = h.prop.sides.get("term", ""), g.prop.sides.get("term", "")
    domain = _first(_domains_in(f"{a} {b}", variables, templates))
    values = {"h": h.name, "g": g.name, "a": _group(a), "b": _group(b)}
    return Item("hypothesis_pair", values, h.prop.tags & g.prop.tags, domain=domain)


def _in(text: str, name: str) -> frozenset[str]:
    return _holding(in_goal=mentions(text, name))


def _group(term: str) -> str:
    """``term`` as one argument: in parentheses unless it is one token or already bracketed."""
    tokens = tokenize(term)
    if len(tokens) <= 1 or strip_outer(term)[0] != normalize(term):
        return term
    return f"({term})"


def _grouped(sides: dict[str, str]) -> dict[str, str]:
    return {name: _group(value) for name, value in sides.items()}


def _holding(**conditions: bool) -> frozenset[str]:
    """The names of the conditions that hold."""
    return frozenset(name for name, holds in conditions.items() if holds)


def _first(values: list[str]) -> str:
    return values[0] if values else ""
