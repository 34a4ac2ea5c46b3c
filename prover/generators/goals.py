"""``--generator goals``: tactics instantiated from the goal state, no model, no prover calls.

The rendered state is parsed back into goals (:func:`~prover.env.parse_state`), the first goal
is read into items (:func:`~prover.generators.analysis.analyze`), and every template of the
backend's ``goal_tactics.toml`` is instantiated for every item it fits: ``rewrite H`` for an
equation whose side occurs in the target, ``destruct H`` for a conjunction, ``induction n``
for a natural number, ``pose proof (pow2_ge_0 (x - y))`` for two reals... A tactic's score is
its template's prior plus the bonuses of the conditions that hold (plus its closer's prior
when a closer follows it); duplicates keep the best score, and the best ``k`` come back.
"""

from __future__ import annotations

from collections.abc import Iterator

from prover.env import parse_state
from prover.generators.analysis import GoalView, Item, analyze
from prover.generators.base import Suggestion, TacticGenerator
from prover.generators.templates import Template, TemplateSet, fill, load_templates, placeholders
from prover.generators.terms import normalize, unbracketed
from prover.registry import backend_class

#: The highest score a suggestion gets, whatever its bonuses: a log-probability stays below 0.
MAX_SCORE = -0.01


class GoalTacticGenerator(TacticGenerator):
    """Proposes the backend's templates instantiated for the goal in front of the search."""

    def __init__(self, templates: TemplateSet) -> None:
        if not templates.templates:
            raise ValueError("the goal-aware templates are empty")
        self.templates = templates

    @classmethod
    def for_backend(cls, backend: str) -> "GoalTacticGenerator":
        """The generator over ``backend``'s ``goal_tactics.toml`` (through its env class)."""
        data = backend_class(backend).goal_tactics()
        if not data:
            raise ValueError(f"backend {backend!r} has no goal-aware templates (goal_tactics.toml in its data package)")
        return cls(load_templates(data, f"{backend} goal_tactics.toml"))

    def generate(self, goal: str, k: int) -> list[Suggestion]:
        """The ``k`` best distinct tactics for the first goal of the rendered state ``goal``."""
        goals = parse_state(goal)
        if not goals or k <= 0:
            return []
        return self.rank(analyze(goals[0], self.templates), k)

    def rank(self, view: GoalView, k: int) -> list[Suggestion]:
        """The ``k`` best distinct instantiations over ``view``; ties keep the file's order."""
        best: dict[str, tuple[float, int, str]] = {}
        order = 0
        for template in self.templates.templates:
            for tactic, score in self._instances(template, view):
                key = normalize(tactic)
                score = min(score, MAX_SCORE)
                if key not in best or score > best[key][0]:
                    best[key] = (score, best[key][1] if key in best else order, tactic)
                order += 1
        ranked = sorted(best.values(), key=lambda entry: (-entry[0], entry[1]))
        return [Suggestion(tactic, score) for score, _, tactic in ranked[:k]]

    def _instances(self, template: Template, view: GoalView) -> Iterator[tuple[str, float]]:
        """(tactic, score) for every item ``template`` fits, closers included."""
        if template.mentions and not view.mentioned & set(template.mentions):
            return
        filled = [(tactic, score) for item in view.items.get(template.on, []) if _fits(template, item)
                  for tactic, score in _fill_item(template, item, view)]  # fmt: skip
        if template.all and filled:
            joined = template.join.join(t for t, _ in filled)
            filled = [(fill(template.around, {"items": joined}), max(s for _, s in filled))]
        for tactic, score in filled:
            yield from self._with_closers(template, tactic, score, view)

    def _with_closers(self, template: Template, tactic: str, score: float, view: GoalView) -> Iterator[tuple[str, float]]:
        closers = self.closers(view)
        if "{closer}" in tactic:
            for closer, prior in closers:
                yield fill(tactic, {"closer": closer}), score + prior
            return
        yield tactic, score
        if template.close:
            for closer, prior in closers:
                yield f"{tactic}; {closer}", score + prior

    def closers(self, view: GoalView) -> list[tuple[str, float]]:
        """The closers of the goal's domains, each once with its best prior."""
        best: dict[str, float] = {}
        for name in view.domains:
            domain = self.templates.domain(name)
            for closer, prior in domain.closers if domain else ():
                best[closer] = max(prior, best.get(closer, prior))
        return list(best.items())


def _fits(template: Template, item: Item) -> bool:
    """``item`` has the template's shape, conclusion shape, domain and conditions."""
    return (
        (not template.shape or template.shape in item.tags)
        and (not template.conclusion or template.conclusion in item.conclusion)
        and (not template.domain or template.domain == item.domain)
        and (not template.function or template.function == item.values.get("f"))
        and set(template.when) <= item.facts
    )


def _fill_item(template: Template, item: Item, view: GoalView) -> Iterator[tuple[str, float]]:
    """The template filled for ``item`` (once per ``{arg}`` candidate).

    Nothing comes when the item lacks a value the template needs (a target with no ``{lhs}``) or
    when the tactic adds a fact that is already there.
    """
    score = template.prior + sum(value for name, value in template.bonus if name in item.facts)
    needed = set(placeholders(template.tactic)) - {"closer", "arg"}
    if not needed <= set(item.values):
        return
    for arg in item.args if "{arg}" in template.tactic else (None,):
        values = item.values if arg is None else {**item.values, "arg": arg}
        if any(unbracketed(fill(fact, values)) in view.facts for fact in template.adds):
            continue
        yield fill(template.tactic, values), score
