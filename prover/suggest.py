"""Tactic suggestions for one goal, each tried in the prover and ranked by what it did.

The generator proposes ``k`` tactics for the goal (as it does for one expansion of the
search); each is run from the goal's state, and the list is ranked: tactics that finish
the proof first, then those that close the goal in focus (others left unfocused), then
those that change the goals, then those that run but change nothing, then those that
fail or time out; within each, by the generator's score, best
first (ties keep the generator's order).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum

from prover.env import ProofEnv, Progress, Proved, State, StepResult, TacticError, Timeout
from prover.generators.base import TacticGenerator
from prover.search import checked_step


class Effect(str, Enum):
    """What a tried tactic did, in rank order (a ``str``: ``prove suggest --json`` prints the value)."""

    PROVED = "proves it"  #: no goal is left
    SOLVED = "solves the goal in focus"  #: no goal is left in focus, others are (Coq: after a bullet)
    PROGRESS = "progress"  #: the goals changed
    UNCHANGED = "no change"  #: it ran, and left the goals exactly as they were
    FAILED = "error"  #: the prover refused it, or it ran past the tactic timeout


_RANK = {effect: rank for rank, effect in enumerate(Effect)}


@dataclass(frozen=True)
class Tried:
    """One suggested tactic, its score, and what running it did."""

    tactic: str
    logprob: float
    result: StepResult
    seconds: float
    effect: Effect

    @property
    def message(self) -> str:
        """Why it failed ("" when it ran)."""
        return failure(self.result)

    def record(self) -> dict[str, object]:
        """The tried tactic as JSON-ready data."""
        state = self.result.state if isinstance(self.result, (Progress, Proved)) else None
        return {"tactic": self.tactic, "logprob": self.logprob, "effect": self.effect.value,
                "goals": None if state is None else state.render(), "error": self.message,
                "seconds": round(self.seconds, 3)}


def failure(result: StepResult) -> str:
    """Why the step ``result`` failed: the prover's error or the timeout ("" when it ran)."""
    if isinstance(result, TacticError):
        return result.message
    if isinstance(result, Timeout):
        return f"timed out after {result.seconds:g} s"
    return ""


def effect_of(result: StepResult, before: State) -> Effect:
    """What ``result``, a step from ``before``, did."""
    if isinstance(result, Proved):
        return Effect.PROVED
    if isinstance(result, Progress) and not result.state.goals:
        return Effect.SOLVED
    if isinstance(result, Progress):
        return Effect.UNCHANGED if result.state.goals == before.goals else Effect.PROGRESS
    return Effect.FAILED


def try_suggestions(env: ProofEnv, state: State, generator: TacticGenerator, k: int,
                    max_tactic_chars: int = 4096) -> list[Tried]:
    """Up to ``k`` tactics from ``generator`` for ``state``, each run from it in ``env``, ranked (see the module)."""
    tried = []
    for suggestion in generator.generate(state.render(), k):
        started = time.monotonic()
        result = checked_step(env, state.id, suggestion.tactic, max_tactic_chars)
        tried.append(Tried(suggestion.tactic, suggestion.logprob, result, time.monotonic() - started,
                           effect_of(result, state)))
    return rank(tried)


def rank(tried: list[Tried]) -> list[Tried]:
    """``tried`` ranked: by effect (:class:`Effect`'s order), then by score, best first; a stable sort."""
    return sorted(tried, key=lambda t: (_RANK[t.effect], -t.logprob))
