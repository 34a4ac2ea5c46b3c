"""The tactic-generator interface shared by every generator.

A generator proposes ``k`` tactics for a goal, each with a log-probability;
the search ranks nodes by the sum of those log-probabilities along the path.
Model generators (issue: model-guided search) implement the same interface,
and ``agenerate`` lets many concurrent searches share one batched generator.
"""

from __future__ import annotations

import abc
import asyncio
from dataclasses import dataclass


@dataclass(frozen=True)
class Suggestion:
    """One proposed tactic and its log-probability under the generator."""

    tactic: str
    logprob: float


class TacticGenerator(abc.ABC):
    """Proposes tactics for a rendered goal state."""

    @abc.abstractmethod
    def generate(self, goal: str, k: int) -> list[Suggestion]:
        """Up to ``k`` distinct tactics for ``goal``, best first."""

    async def agenerate(self, goal: str, k: int) -> list[Suggestion]:
        """Async form of :meth:`generate`; batched generators override it."""
        return await asyncio.to_thread(self.generate, goal, k)

    def close(self) -> None:
        """Release model or server resources (nothing by default)."""

    def cancel(self) -> None:
        """Cut short the calls in progress and fail later ones (a stopped run); nothing by default,
        for generators that answer at once."""
