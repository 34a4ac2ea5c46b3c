"""Proposes every tactic of a file at every expansion: for debugging and adversarial tests."""

from __future__ import annotations

from pathlib import Path

from prover.generators.base import Suggestion, TacticGenerator


class ReplayGenerator(TacticGenerator):
    """All tactics from a list, in order, each with log-probability 0, regardless of ``k``."""

    def __init__(self, tactics: list[str]) -> None:
        self.tactics = [tactic for tactic in tactics if tactic.strip()]
        if not self.tactics:
            raise ValueError("the replay file holds no tactic")

    @classmethod
    def from_file(cls, path: str | Path) -> "ReplayGenerator":
        """One tactic per line; blank lines are skipped."""
        return cls(Path(path).read_text(encoding="utf-8").splitlines())

    def generate(self, goal: str, k: int) -> list[Suggestion]:
        """Every tactic of the file (``k`` is ignored on purpose)."""
        return [Suggestion(tactic, 0.0) for tactic in self.tactics]
