"""Lean's goal text parsed into the protocol's :class:`~prover.env.Goal`.

The REPL prints a goal as Lean does::

    case succ
    n✝ : ℕ
    a✝ : n✝ = n✝
    ⊢ n✝ + 1 = n✝ + 1

an optional ``case`` tag, one line per hypothesis group (``x y : ℝ``), and the
target after ``⊢``. Long hypotheses and targets continue on indented lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from prover.env import Goal

TURNSTILE = "⊢ "
CASE = "case "


@dataclass(frozen=True)
class LeanGoal(Goal):
    """A Lean goal: hypotheses, target and the ``case`` tag Lean gave it (may be empty)."""

    case: str = ""

    def render(self) -> str:
        """The goal exactly as Lean prints it (the form Lean models are trained on)."""
        lines = [CASE + self.case] if self.case else []
        return "\n".join([*lines, *self.hypotheses, TURNSTILE + self.target])


def parse_goal(text: str) -> LeanGoal:
    """Parse one goal as the REPL prints it; ``render`` gives the same text back."""
    lines = text.split("\n")
    case = ""
    if lines and lines[0].startswith(CASE):
        case = lines.pop(0)[len(CASE):]
    target_at = next((i for i in range(len(lines) - 1, -1, -1)
                      if lines[i].startswith(TURNSTILE)), None)
    if target_at is None:
        return LeanGoal(_group(lines), "", case)
    target = "\n".join(lines[target_at:])[len(TURNSTILE):]
    return LeanGoal(_group(lines[:target_at]), target, case)


def _group(lines: list[str]) -> tuple[str, ...]:
    """Hypothesis lines, with indented continuation lines joined to their hypothesis."""
    groups: list[str] = []
    for line in lines:
        if groups and line[:1].isspace():
            groups[-1] += "\n" + line
        else:
            groups.append(line)
    return tuple(groups)


def parse_goals(texts: tuple[str, ...] | list[str]) -> tuple[LeanGoal, ...]:
    """Parse every goal of a proof-step reply."""
    return tuple(parse_goal(text) for text in texts)
