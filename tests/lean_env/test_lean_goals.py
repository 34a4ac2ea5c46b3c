"""Lean goal text into ``Goal``: every goal in the recorded replies round-trips."""

from __future__ import annotations

import json

from tests.lean_env.conftest import FIXTURES, pair_names
from lean_replay import read_replies

from lean_env.goals import LeanGoal, parse_goal
from prover.env import Goal, State


def recorded_goals() -> list[str]:
    goals = []
    for name in pair_names():
        for text in read_replies(FIXTURES / f"{name}.expected.out"):
            reply = json.loads(text)
            goals += reply.get("goals", []) + [s["goal"] for s in reply.get("sorries", [])]
    return goals


def test_every_recorded_goal_parses_and_renders_back():
    goals = recorded_goals()
    assert len(goals) > 100
    for text in goals:
        goal = parse_goal(text)
        assert isinstance(goal, Goal) and goal.render() == text
        assert text.endswith(goal.target) and not goal.target.startswith("⊢")


def test_hypotheses_targets_and_case_tags():
    goal = parse_goal("case succ\nx y : ℝ\nh₀ : 0 < x\n⊢ x + 1 = x + 1")
    assert goal == LeanGoal(("x y : ℝ", "h₀ : 0 < x"), "x + 1 = x + 1", "succ")
    assert parse_goal("⊢ Nat") == LeanGoal((), "Nat")


def test_long_hypotheses_and_targets_keep_their_continuation_lines():
    text = "f : ℕ → ℕ\nh :\n  ∀ (n : ℕ),\n    f n = n\n⊢ f 2 =\n    2"
    goal = parse_goal(text)
    assert goal.hypotheses == ("f : ℕ → ℕ", "h :\n  ∀ (n : ℕ),\n    f n = n")
    assert goal.target == "f 2 =\n    2"
    assert State(3, (goal,)).render() == text
