"""Reading goal states back from text: ``parse_state`` and the token-level helpers of ``terms``."""

from __future__ import annotations

from prover.env import Goal, State, parse_state
from prover.generators.terms import (
    applied, binder_split, binder_types, mentions, operands, strip_outer, tokenize, top_level, unbracketed,
)  # fmt: skip

COQ_OPS = ("->", "<->", "/\\", "\\/", "<>", "=", "<=", ">=", "<", ">", "~", "=>", ":=")


def test_parse_state_inverts_render_for_several_goals_and_long_hypotheses():
    goals = (
        Goal(("x, y : R", "h0 : x + y = 5", "H : forall x : R,\n    f x = 2 * x"), "x <= 5"),
        Goal((), "0 = 0"),  # a goal past the env's full-display limit: target only
        Goal(("n : nat",), "Rabs (a + b) / (1 + Rabs (a + b)) <=\nRabs a / (1 + Rabs a)"),
    )
    assert parse_state(State(3, goals).render()) == goals


def test_parse_state_of_no_goals_and_a_blank_line_inside_a_target():
    assert parse_state("no goals") == () and parse_state("") == ()
    text = "x : R\n" + "=" * 28 + "\nx = 1\n\n/\\ x = 2"
    assert parse_state(text) == (Goal(("x : R",), "x = 1\n\n/\\ x = 2"),)


def test_parse_state_reads_lean_goals_with_turnstile_and_case():
    text = "case succ\nn : ℕ\nih : n + 0 = n\n⊢ n + 1 + 0 = n + 1\n\nx y : ℝ\nh₀ : x = 2\n⊢ x + y = 2 + y"
    assert parse_state(text) == (
        Goal(("n : ℕ", "ih : n + 0 = n"), "n + 1 + 0 = n + 1"),
        Goal(("x y : ℝ", "h₀ : x = 2"), "x + y = 2 + y"),
    )


def test_tokens_match_the_longest_operator_and_track_depth():
    tokens = tokenize("h₀ : 0 <= x <-> (x <> -1)%R", COQ_OPS)
    assert [t.text for t in tokens] == ["h₀", ":", "0", "<=", "x", "<->", "(", "x", "<>", "-", "1", ")", "%", "R"]
    assert [t.depth for t in tokens if t.text == "<>"] == [1]
    assert [t.text for t in top_level("x = 1 -> (y = 2 -> z = 3)", "->", COQ_OPS)] == ["->"]


def test_strip_outer_removes_enclosing_brackets_and_scopes_only():
    assert strip_outer("((x > 0))%nat") == ("x > 0", "nat")
    assert strip_outer("(a + b) * (c)") == ("(a + b) * (c)", "")
    assert strip_outer("  (x\n   = 1) ") == ("x = 1", "")


def test_binders_and_their_types():
    assert binder_split("forall x y : R, x <> 0 -> f x = 1", "forall", COQ_OPS) == ("x y : R", "x <> 0 -> f x = 1")
    assert binder_split("forallx = 1", "forall", COQ_OPS) is None
    assert binder_types("(x : R) (n : nat)") == [("x", "R"), ("n", "nat")]
    assert binder_types("x, y : Z") == [("x", "Z"), ("y", "Z")]


def test_operands_of_division_and_mod_follow_printed_precedence():
    words = ("mod",)
    assert operands("(2 * n) mod 5 = 1", "mod", words) == [("2 * n", "5")]
    assert operands("5 ^ 30 mod 7 = 1", "mod", words) == [("5 ^ 30", "7")]
    assert operands("f x ^ 2 mod 3 = 1", "mod", words) == [("f x ^ 2", "3")]
    assert operands("a ^ 2 / b + 9 / (x + y)", "/") == [("a ^ 2", "b"), ("9", "x + y")]
    assert operands("x + / y = 4", "/") == [(None, "y")]
    assert operands("(INR x + INR y) / INR n", "/") == [("INR x + INR y", "INR n")]
    assert operands("a 5%nat / 15", "/") == [("a 5%nat", "15")]


def test_mentions_compare_whole_tokens_and_applied_finds_heads():
    assert mentions("f (g 2) = x + 1", "g 2") and mentions("f (g  2)", "(g 2)")
    assert not mentions("xy = 2", "x") and not mentions("x = 2", "")
    assert applied("f (g 2) = 8 + h x + y", ("h",)) == ["f", "g"]


def test_unbracketed_forgets_parentheses_and_spacing():
    assert unbracketed("0 <= ((x - y) ^ 2)") == unbracketed("0 <=  (x - y) ^ 2")
    assert unbracketed("0 <= (x - y) ^ 2") != unbracketed("0 <= (x + y) ^ 2")
