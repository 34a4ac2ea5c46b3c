"""The no-model baseline: a fixed, per-backend list of tactics with prior scores."""

from __future__ import annotations

from prover.generators.base import Suggestion, TacticGenerator


class PortfolioGenerator(TacticGenerator):
    """Proposes the ``k`` best tactics of a fixed portfolio at every expansion, whatever the goal."""

    def __init__(self, portfolio: list[tuple[str, float]]) -> None:
        if not portfolio:
            raise ValueError("the portfolio is empty")
        self.portfolio = sorted(portfolio, key=lambda item: -item[1])

    def generate(self, goal: str, k: int) -> list[Suggestion]:
        """The ``k`` highest-scored tactics."""
        return [Suggestion(tactic, score) for tactic, score in self.portfolio[:k]]

