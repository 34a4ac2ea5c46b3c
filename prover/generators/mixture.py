"""Mixtures of generators: ``--generator goals+portfolio``, ``--model DIR --generator model+portfolio``.

A mixture asks every member for ``k`` tactics, makes each member's scores a probability
distribution over its own list (log-softmax), and scores each tactic by the log of the
weighted mixture of those distributions::

    score(t) = log( sum_i  w_i / W * p_i(t) ),   p_i = softmax of member i's scores, W = sum of weights

A tactic that several members propose gets the sum of their shares. Of the union, each member
is guaranteed its share of ``k`` (its ``floor(k * w_i / W)`` best tactics), the other slots go by
score, and the ``k`` chosen come back ranked by score. Scores of different generators (a portfolio's priors, a model's
summed token log-probabilities, a kNN's similarities) thus become comparable, and a weight
says how much of the probability mass a member gets.

``parse_mixture`` reads the syntax: members joined by ``+``, each ``NAME`` or ``NAME:WEIGHT``
(weight 1 by default), e.g. ``goals:2+portfolio``. A leading ``+`` (``--generator +portfolio``)
is shorthand for ``model+portfolio``: the ``--model`` plus the others.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass

from prover.generators.base import Suggestion, TacticGenerator


@dataclass(frozen=True)
class Member:
    """One generator in a mixture and its weight."""

    name: str
    weight: float = 1.0


def parse_mixture(spec: str) -> tuple[Member, ...]:
    """The members ``spec`` names (``goals:2+portfolio``); ``ValueError`` when malformed.

    A spec without ``+`` is a single member. A leading ``+`` adds ``model`` first.
    """
    text = spec.strip()
    if text.startswith("+"):
        text = "model" + text
    members = []
    for part in text.split("+"):
        name, sep, weight = part.strip().partition(":")
        if not name:
            raise ValueError(f"--generator {spec!r}: an empty member (write NAME or NAME:WEIGHT between '+')")
        try:
            value = float(weight) if sep else 1.0
        except ValueError:
            raise ValueError(f"--generator {spec!r}: weight {weight!r} of {name!r} is not a number") from None
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"--generator {spec!r}: weight of {name!r} must be a positive number, not {weight!r}")
        members.append(Member(name, value))
    if len({m.name for m in members}) != len(members):
        raise ValueError(f"--generator {spec!r}: a member is named twice (give it a weight instead)")
    return tuple(members)


class MixtureGenerator(TacticGenerator):
    """Proposes the best ``k`` of its members' tactics under the weighted mixture of their distributions.

    Thread-safe when its members are: it keeps no state between calls. ``agenerate`` awaits
    all members at once, so a batched model member batches with the other searches' requests.
    """

    def __init__(self, members: list[tuple[TacticGenerator, float]]) -> None:
        if not members:
            raise ValueError("a mixture needs at least one member")
        total = sum(weight for _, weight in members)
        self.members = [(generator, weight / total) for generator, weight in members]

    def generate(self, goal: str, k: int) -> list[Suggestion]:
        """The ``k`` best tactics of the mixture for ``goal``."""
        if k <= 0:
            return []
        return mix([g.generate(goal, k) for g, _ in self.members], [w for _, w in self.members], k)

    async def agenerate(self, goal: str, k: int) -> list[Suggestion]:
        """Async form of :meth:`generate`: every member is asked concurrently."""
        if k <= 0:
            return []
        lists = await asyncio.gather(*(g.agenerate(goal, k) for g, _ in self.members))
        return mix(list(lists), [w for _, w in self.members], k)

    def cancel(self) -> None:
        """Cancel every member's calls in progress."""
        for generator, _ in self.members:
            generator.cancel()

    def close(self) -> None:
        """Close every member, even when one fails to close (the first failure is raised after)."""
        failure: BaseException | None = None
        for generator, _ in self.members:
            try:
                generator.close()
            except Exception as error:  # noqa: BLE001 - the others must still be closed
                failure = failure or error
        if failure is not None:
            raise failure


def log_softmax(scores: list[float]) -> list[float]:
    """``scores`` made log-probabilities of a distribution over the list (stable for any range)."""
    if not scores:
        return []
    top = max(scores)
    total = top + math.log(sum(math.exp(s - top) for s in scores))
    return [s - total for s in scores]


def mix(lists: list[list[Suggestion]], weights: list[float], k: int) -> list[Suggestion]:
    """``k`` tactics of ``lists`` under the mixture with ``weights`` (which sum to 1), best first.

    Each member first gets its share of ``k``: its ``floor(k * weight)`` best tactics (in its own
    order, skipping those already chosen), so a member whose scores are low still has its top
    tactics tried; the slots left go to the best of the rest by mixture score. Duplicates within
    one list keep their best score before normalising; across lists their probabilities add.
    Ties keep the order of first appearance (members in order).
    """
    mass: dict[str, float] = {}  # log of each tactic's mixture probability
    orders: list[list[str]] = []
    for suggestions, weight in zip(lists, weights):
        best: dict[str, float] = {}
        for s in suggestions:
            best[s.tactic] = max(s.logprob, best.get(s.tactic, -math.inf))
        orders.append(sorted(best, key=lambda tactic: -best[tactic]))
        for tactic, logprob in zip(best, log_softmax(list(best.values()))):
            share = math.log(weight) + logprob
            mass[tactic] = _log_add(mass[tactic], share) if tactic in mass else share
    chosen: dict[str, None] = {}
    for order, weight in zip(orders, weights):
        quota = min(math.floor(k * weight + 1e-9), k - len(chosen))
        for tactic in [t for t in order if t not in chosen][:quota]:
            chosen[tactic] = None
    ranked = sorted(mass, key=lambda tactic: -mass[tactic])
    for tactic in [t for t in ranked if t not in chosen][: k - len(chosen)]:
        chosen[tactic] = None
    return [Suggestion(tactic, mass[tactic]) for tactic in ranked if tactic in chosen]


def _log_add(a: float, b: float) -> float:
    """``log(exp(a) + exp(b))`` without overflow or underflow."""
    top = max(a, b)
    return top + math.log1p(math.exp(min(a, b) - top))
