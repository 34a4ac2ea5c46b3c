"""``LeanEnv`` driven over recorded transcripts: open, step, branch, finish, errors."""

from __future__ import annotations

import pytest

from lean_env.goals import LeanGoal
from prover.env import (Problem, ProblemSetupError, Progress, Proved, State, TacticError,
                        UnknownStateError)

BRANCHING = Problem("complex_and", "test", "",
                    "theorem complex_and (p q r : Prop) (h1 : p ∧ q) (h2 : q → r) : p ∧ r :=")


def test_proof_branching_runs_to_completed(replay_env):
    env = replay_env("proof_branching")
    root = env.open(BRANCHING)
    assert root == State(0, (LeanGoal(("p q r : Prop", "h1 : p ∧ q", "h2 : q → r"), "p ∧ r"),))
    split = env.step(root.id, "apply And.intro")
    assert isinstance(split, Progress)
    assert [goal.case for goal in split.state.goals] == ["left", "right"]
    assert [goal.target for goal in split.state.goals] == ["p", "r"]
    left = env.step(split.state.id, "exact h1.left")
    assert isinstance(left, Progress) and len(left.state.goals) == 1
    right = env.step(left.state.id, "apply h2")
    assert isinstance(right, Progress) and right.state.goals[0].target == "q"
    done = env.step(right.state.id, "exact h1.right")
    assert isinstance(done, Proved) and done.state.goals == ()
    assert len({root.id, split.state.id, left.state.id, right.state.id, done.state.id}) == 5


def test_proof_step_branches_twice_from_one_state(replay_env):
    env = replay_env("proof_step")
    root = env.open(Problem("f", "test", "", "def f : Nat :="))
    assert root.render() == "⊢ Nat"
    to_int = env.step(root.id, "apply Int.natAbs")
    assert isinstance(to_int, Progress) and to_int.state.render() == "⊢ Int"
    have = env.step(root.id, "have t : Nat := 42")
    assert isinstance(have, Progress) and have.state.goals[0].hypotheses == ("t : Nat",)
    assert isinstance(env.step(have.state.id, "exact t"), Proved)


def test_proof_branching2_long_chain(replay_env):
    from lean_replay import read_requests
    from tests.lean_env.conftest import FIXTURES

    requests = read_requests(FIXTURES / "proof_branching2.in")
    statement = requests[0]["cmd"].removesuffix(" by sorry")
    env = replay_env("proof_branching2")
    state = env.open(Problem("branching2", "test", "", statement))
    results = []
    for request in requests[1:]:
        assert request["proofState"] == len(results)  # each step on the previous state
        result = env.step(state.id, request["tactic"])
        results.append(result)
        state = result.state
    assert all(isinstance(r, Progress) for r in results[:-1]) and isinstance(results[-1], Proved)


def test_header_is_imported_once_and_env_0_reused_for_every_theorem(replay_env):
    """``mathlib/exact``: two theorems opened on ``import Mathlib`` (env 0) in one process."""
    env = replay_env("mathlib/exact")
    first = env.open(Problem("test", "test", "import Mathlib\n", "theorem test : 0 < 1 :="))
    assert isinstance(env.step(first.id, "exact?"), Proved)
    second = env.open(Problem("test", "test", "import Mathlib\n", "theorem test : 3 = 7 :="))
    assert second.render() == "⊢ 3 = 7"
    failed = env.step(second.id, "exact?")
    assert isinstance(failed, TacticError)
    assert failed.message.startswith("`exact?` could not close the goal")


@pytest.mark.parametrize("name, tactic, reason", [
    ("invalid_tactic", "exact my_fake_premise", "Unknown identifier `my_fake_premise`"),
    ("unknown_tactic", "exat 42", "unknown tactic"),
    ("tactic_mode_sorry", "sorry", "sorry"),
    ("sorry_hypotheses", "have h : x = 1 := sorry", "sorry"),
])
def test_failed_steps_are_tactic_errors(replay_env, name, tactic, reason):
    from lean_replay import read_requests
    from tests.lean_env.conftest import FIXTURES

    statement = read_requests(FIXTURES / f"{name}.in")[0]["cmd"].removesuffix(" by sorry")
    env = replay_env(name)
    root = env.open(Problem(name, "test", "", statement))
    result = env.step(root.id, tactic)
    assert isinstance(result, TacticError)
    assert reason in result.message


def test_by_cases_goals_keep_their_case_tags(replay_env):
    env = replay_env("by_cases")
    root = env.open(Problem("foo", "test", "", "theorem foo (x : Int) : x = x :="))
    cases = env.step(root.id, "by_cases h : x < 0")
    assert [(g.case, g.hypotheses) for g in cases.state.goals] == [
        ("pos", ("x : Int", "h : x < 0")), ("neg", ("x : Int", "h : ¬x < 0"))]
    assert cases.state.render() == ("case pos\nx : Int\nh : x < 0\n⊢ x = x\n\n"
                                    "case neg\nx : Int\nh : ¬x < 0\n⊢ x = x")
    assert isinstance(env.step(cases.state.id, "case pos => rfl"), Progress)
    assert isinstance(env.step(cases.state.id, "all_goals sorry"), TacticError)


def test_induction_with_line_breaks_and_unicode(replay_env):
    env = replay_env("mathlib/induction")
    root = env.open(Problem("foo", "test", "import Mathlib", "theorem foo (x : Nat) : x = x :="))
    assert root.goals[0].hypotheses == ("x : ℕ",)
    split = env.step(root.id, "induction x")
    assert [g.case for g in split.state.goals] == ["zero", "succ"]
    assert split.state.goals[1].hypotheses == ("n✝ : ℕ", "a✝ : n✝ = n✝")
    assert isinstance(env.step(split.state.id, "next => rfl"), Progress)
    structured = env.step(root.id, "induction x with\n| zero => sorry\n| succ x => sorry")
    assert isinstance(structured, TacticError) and "sorry" in structured.message


def test_multiline_tactic_on_real_numbers(replay_env):
    env = replay_env("mathlib/on_goal", "--chunk", "5")
    root = env.open(Problem("on_goal", "test", "import Mathlib\nopen Real",
                            "example {x : ℝ} (h0: |x| > 1) : (x < 0) ∨ (2 * x > 2) :="))
    assert root.goals[0] == LeanGoal(("x : ℝ", "h0 : |x| > 1"), "x < 0 ∨ 2 * x > 2")
    tactic = ("on_goal 1 =>\n  have h1 : x = x := by sorry\n  have h2 : x = x := by sorry\n"
              "  by_cases h3 : x < 0")
    assert isinstance(env.step(root.id, tactic), TacticError)  # it leaves two sorries


def test_a_rejected_statement_is_a_setup_error(replay_env):
    """``have_by_sorry``: the elaborated statement has errors, so there is nothing to search."""
    env = replay_env("have_by_sorry")
    statement = "theorem foo (x : Int) : x = x := by\n  have h : x = 1 :="
    with pytest.raises(ProblemSetupError, match="unsolved goals"):
        env.open(Problem("foo", "test", "", statement))


def test_unknown_state_ids_are_refused(replay_env):
    env = replay_env("assumption_proof")
    root = env.open(Problem("aa", "test", "", "theorem aa (x : Nat) (h1 : x  = 2) : x = 2 :="))
    with pytest.raises(UnknownStateError):
        env.step(root.id + 7, "assumption")
    assert isinstance(env.step(root.id, "assumption"), Proved)


def test_portfolio_and_automation_are_data():
    from lean_env import LeanEnv
    from prover.generators.factory import GeneratorConfig, build_generator

    portfolio = LeanEnv.portfolio()
    assert len({tactic for tactic, _ in portfolio}) == len(portfolio) >= 10
    assert all(score < 0 for _, score in portfolio)
    first = build_generator(GeneratorConfig(name="portfolio"), "lean").generate("⊢ 1 + 1 = 2", 2)
    assert [s.tactic for s in first] == ["norm_num", "linarith"]
    assert LeanEnv.automation().startswith("first | ") and "\n" not in LeanEnv.automation()


def test_proof_states_number_on_across_theorems_in_one_process(replay_env):
    """``proof_transitivity``: the second theorem's sorry is proofState 2, not 0."""
    env = replay_env("proof_transitivity")
    first = env.open(Problem("t1", "test", "",
                             "example (x y z : Nat) (h1 : x = y) (h2 : y = z) : x = z :="))
    assert isinstance(env.step(first.id, "exact Eq.trans h1 h2"), Proved)
    second = env.open(Problem("t2", "test", "",
                              "example (f : Nat → Nat) (n : Nat) (h : n = 3) : f n = f 3 :="))
    assert second.id == 0 and second.goals[0].hypotheses == ("f : Nat → Nat", "n : Nat",
                                                             "h : n = 3")
    assert isinstance(env.step(second.id, "exact congrArg f h"), Proved)
