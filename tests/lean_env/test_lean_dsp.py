"""Draft, Sketch, Prove on Lean against recorded REPL replies: gaps alone and ``sorry`` inside a step.

The REPL is the replay server in ``--any-order`` mode: each request gets the reply the real
REPL gave to the identical request, and a tactic never recorded on a proof state gets the
REPL's error reply, so the gap tactics that were not recorded fail as a failing tactic does.
"""

from __future__ import annotations

import pytest

from lean_env import LeanEnv
from lean_env.sketches import fill_sorries, sketch_steps, sorry_spans
from prover.dsp import SketchStatus, prove_sketch
from prover.env import Problem
from prover.generators.replay import ReplayGenerator
from prover.search import SearchConfig
from tests.lean_env.conftest import TRANSCRIPTS

FOO = Problem("foo", "test", "", "theorem foo (x : Int) : x = x :=")
COMPLEX_AND = Problem("complex_and", "test", "",
                      "theorem complex_and (p q r : Prop) (h1 : p ∧ q) (h2 : q → r) : p ∧ r :=")


def test_a_sorry_inside_a_step_is_a_gap_and_one_no_tactic_closes_is_named(replay_env):
    env = replay_env("sorry_hypotheses", "--any-order")
    attempt = prove_sketch(FOO, env, "have h : x = 1 := sorry")
    assert attempt.status is SketchStatus.GAP_OPEN, attempt.detail
    assert "in step 1" in attempt.detail and "⊢ x = 1" in attempt.detail
    assert [gap.goal for gap in attempt.gaps] == ["x : Int\n⊢ x = 1"]
    assert attempt.gaps[0].closed_by == "" and attempt.proof == []


def test_a_gap_inside_a_have_closed_by_a_gap_tactic_is_written_into_the_step(replay_env):
    problem = Problem("name_generator", "test", "",
                      "set_option trace.Meta.Tactic.simp true\nexample {x : Int} (h0 : x > 0) : False :=")
    env = replay_env("name_generator", "--any-order")
    attempt = prove_sketch(problem, env, "have h : x > 0 := by sorry")
    assert attempt.gaps[0].closed_by == "tactic" and attempt.gaps[0].proof == ["assumption"]
    assert attempt.proof == ["have h : x > 0 := by assumption"]
    # The gap is closed, but `False` is still to prove: the sketch did not finish the theorem.
    assert attempt.status is SketchStatus.UNFINISHED and "False" in attempt.detail


def test_a_gap_no_gap_tactic_closes_is_closed_by_a_search_and_the_proof_re_checked():
    env = LeanEnv(repl_command=_replay("branching_check_ok"), project_dir=".")
    try:
        sketch = "apply And.intro\nexact h1.left\nsorry"
        no_search = prove_sketch(COMPLEX_AND, env, sketch, ReplayGenerator(["apply h2", "exact h1.right"]),
                                 SearchConfig(budget=0))
        assert no_search.status is SketchStatus.GAP_OPEN and "⊢ r" in no_search.detail
        attempt = prove_sketch(COMPLEX_AND, env, sketch, ReplayGenerator(["apply h2", "exact h1.right"]),
                               SearchConfig(budget=4))
    finally:
        env.close()
    assert attempt.status is SketchStatus.VERIFIED, attempt.detail
    assert attempt.gaps[0].closed_by == "search" and attempt.gaps[0].proof == ["apply h2", "exact h1.right"]
    assert attempt.proof == ["apply And.intro", "exact h1.left", "apply h2", "exact h1.right"]
    assert not any(sorry_spans(step) for step in attempt.proof)


def _replay(name: str) -> list[str]:
    from tests.lean_env.conftest import replay_argv
    return replay_argv(name, "--any-order", root=TRANSCRIPTS)


@pytest.mark.parametrize("sketch, why", [
    ("theorem bar (x : Int) : x = x := by\n  rfl", "states another theorem"),
    ("axiom cheat : False\ntheorem foo (x : Int) : x = x := by exact cheat.elim", "states another theorem"),
    ("rfl\ntheorem more : True := by trivial", "goes on after its proof"),
    ("", "no proof steps"),
])
def test_a_sketch_that_changes_the_statement_or_adds_a_command_is_refused(sketch, why):
    steps, refusal = sketch_steps("import Mathlib", FOO.statement, sketch)
    assert steps == [] and why in refusal


def test_sketch_steps_accept_the_statement_the_header_s_imports_and_a_fenced_block():
    sketch = ("```lean\nimport Mathlib\ntheorem foo (x : Int) :\n    x = x := by\n"
              "  have h : 0 ≤ x * x := by\n    sorry\n  -- the square is not needed\n  rfl\n```")
    steps, refusal = sketch_steps("import Mathlib", FOO.statement, sketch)
    assert refusal == ""
    assert steps == ["have h : 0 ≤ x * x := by\n  sorry", "-- the square is not needed", "rfl"]
    same_line, _ = sketch_steps("", FOO.statement, "theorem foo (x : Int) : x = x := by nlinarith [sq_nonneg x]\n  rfl")
    assert same_line == ["nlinarith [sq_nonneg x]", "rfl"]
    assert sketch_steps("", FOO.statement, "by_cases h : x < 0\n· sorry\n· sorry")[0] == [
        "by_cases h : x < 0", "· sorry", "· sorry"]


def test_sorries_in_comments_strings_and_names_are_no_gaps():
    step = 'have h : P := by sorry -- not this sorry\n/- nor this sorry -/ exact foo "sorry" sorryAx h.sorry'
    assert [step[a:b] for a, b in sorry_spans(step)] == ["sorry"]
    assert sorry_spans(step)[0][0] == step.index("sorry")


@pytest.mark.parametrize("step, proofs, filled", [
    ("have h : x > 0 := by sorry", [["assumption"]], "have h : x > 0 := by assumption"),
    ("have h : x > 0 := sorry", [["positivity"]], "have h : x > 0 := by positivity"),
    ("have h : x > 0 := by sorry", [["intro y", "simp"]], "have h : x > 0 := by intro y\n                     simp"),
    ("have h : x > 0 := by\n  sorry", [["intro y", "simp"]], "have h : x > 0 := by\n  intro y\n  simp"),
    ("exact ⟨by sorry, sorry⟩", [["norm_num"], ["a", "b"]], "exact ⟨by norm_num, by (a; b)⟩"),
    ("case pos => sorry", [["linarith"]], "case pos => linarith"),
    ("· sorry", [["omega"]], "· omega"),
])
def test_fill_sorries_writes_each_gap_s_proof_in_tactic_or_term_position(step, proofs, filled):
    assert fill_sorries(step, proofs) == filled


def test_fill_sorries_refuses_a_count_that_does_not_match():
    with pytest.raises(ValueError, match="2 sorry tokens but 1"):
        fill_sorries("constructor <;> [exact sorry; exact sorry]", [["rfl"]])


def test_a_gap_s_state_is_rebuilt_after_a_repl_restart(replay_env):
    problem = Problem("name_generator", "test", "",
                      "set_option trace.Meta.Tactic.simp true\nexample {x : Int} (h0 : x > 0) : False :=")
    env = replay_env("name_generator", "--any-order", max_uses=2)
    root = env.open(problem)
    result, gaps = env.sketch_step(root.id, "have h : x > 0 := by sorry")
    generation = env._worker.generation
    closed = env.step(gaps[0].id, "exact h0")  # the REPL restarts first: the gap is replayed, then stepped
    assert env._worker.generation != generation
    assert closed.state.goals == () and result.state.render().endswith("⊢ False")


def test_the_few_shot_sketches_are_refused_by_nothing_and_have_gaps():
    from prover.sketchers import SketchPrompt
    prompt = SketchPrompt.for_backend("lean")
    for example in prompt.examples:
        steps, refusal = sketch_steps("import Mathlib", example["statement"], example["sketch"])
        assert refusal == "" and steps, example["statement"]
        assert any(sorry_spans(step) for step in steps)
    text = prompt.sketch("Show that 1 + 1 = 2.", "Compute.", "theorem one_add_one : 1 + 1 = 2 :=")
    assert text.count(prompt.end_marker) == len(prompt.examples) and text.endswith("Formal sketch:\n")
