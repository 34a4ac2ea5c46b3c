"""CoqEnv against a live coqtop."""

import pytest

from prover.env import ProblemSetupError, Progress, Proved, TacticError, Timeout, UnknownStateError
from tests.conftest import LOOP, coq_problem, requires_coq

pytestmark = requires_coq

CONJ = coq_problem("conj", "Theorem conj : forall (n : nat) (x : R), (n + 0 = n)%nat /\\ x + 0 = x.")


def test_open_gives_structured_goal(coq_env):
    state = coq_env.open(CONJ)
    assert len(state.goals) == 1 and state.goals[0].hypotheses == ()
    assert state.goals[0].target.startswith("forall")


def test_steps_branch_from_any_earlier_state(coq_env):
    root = coq_env.open(CONJ)
    intro = coq_env.step(root.id, "intros n x")
    assert isinstance(intro, Progress)
    assert intro.state.goals[0].hypotheses == ("n : nat", "x : R")
    split = coq_env.step(intro.state.id, "split")
    assert isinstance(split, Progress) and len(split.state.goals) == 2
    # every goal carries its own hypotheses, not only the first
    assert [g.hypotheses for g in split.state.goals] == [("n : nat", "x : R")] * 2
    # branch back to the root with other names: the split branch stays usable
    other = coq_env.step(root.id, "intros m y")
    assert other.state.goals[0].hypotheses == ("m : nat", "y : R")
    first = coq_env.step(split.state.id, "lia")
    assert isinstance(first, Progress) and first.state.goals[0].target == "x + 0 = x"
    done = coq_env.step(first.state.id, "lra")
    assert isinstance(done, Proved)
    assert coq_env.sentences_to(done.state.id) == ["intros n x.", "split.", "lia.", "lra."]


def test_failing_tactic_leaves_state_usable(coq_env):
    root = coq_env.open(CONJ)
    error = coq_env.step(root.id, "lra")
    assert isinstance(error, TacticError) and "Error" in error.message
    garbage = coq_env.step(root.id, "}} this is not coq ((")
    assert isinstance(garbage, TacticError)
    assert isinstance(coq_env.step(root.id, "intros"), Progress)


def test_timeout_restarts_coq_and_states_survive(coq_env):
    root = coq_env.open(CONJ)
    intro = coq_env.step(root.id, "intros n x")
    result = coq_env.step(intro.state.id, LOOP)
    assert isinstance(result, Timeout) and coq_env.restarts == 1
    # the state from before the restart is still reachable (by replay)
    split = coq_env.step(intro.state.id, "split")
    assert isinstance(split, Progress) and len(split.state.goals) == 2


# A number notation whose printer runs 10^8 steps: posing a `slow` value is instant, showing it is not.
SLOW_TO_SHOW = """Require Import Coq.PArith.PArith.
Inductive slow := Slow (b : bool).
Declare Scope slow_scope.
Definition slow_of_uint (u : Number.uint) : option slow := None.
Definition slow_to_uint (s : slow) : option Number.uint :=
  match s with Slow b => if Pos.iter negb b 100000000%positive then None else None end.
Number Notation slow slow_of_uint slow_to_uint : slow_scope.
Open Scope slow_scope.
"""


def test_goals_too_slow_to_show_are_a_timeout_and_the_search_goes_on(coq_env):
    # coqtop prints the first goal after the tactic, at once; only the second goal's hypotheses hold
    # the slow value, so the `Show 2.` that reads them is what runs past the timeout. That must come
    # back as a Timeout, not escape as an exception that ends the problem.
    problem = coq_problem("slow_show", "Theorem slow_show : True /\\ True.", header=SLOW_TO_SHOW)
    root = coq_env.open(problem)
    assert isinstance(coq_env.step(root.id, "split; [ | pose (s := Slow true) ]"), Timeout)
    assert coq_env.restarts == 1
    assert isinstance(coq_env.step(root.id, "split; exact I"), Proved)


def test_escapes_are_tactic_errors(coq_env):
    root = coq_env.open(CONJ)
    for tactic in ["admit.", "Admitted.", "Abort.", "Axiom cheat : False."]:
        assert isinstance(coq_env.step(root.id, tactic), TacticError), tactic


def test_unknown_state_is_a_typed_error(coq_env):
    coq_env.open(CONJ)
    with pytest.raises(UnknownStateError):
        coq_env.step(999, "intros")


def test_bad_statement_is_a_setup_error_and_env_recovers(coq_env):
    with pytest.raises(ProblemSetupError):
        coq_env.open(coq_problem("bad", "Theorem bad : forall x : R, x +* 1 = x."))
    with pytest.raises(ProblemSetupError):
        coq_env.open(coq_problem("bad_header", "Theorem ok : True.", header="Require Import NoSuchLibrary.\n"))
    state = coq_env.open(CONJ)
    assert isinstance(coq_env.step(state.id, "intros"), Progress)


def test_one_process_serves_many_problems(coq_env):
    for index in range(3):
        problem = coq_problem(f"p{index}", f"Theorem p{index} : {index} + 1 = 1 + {index}.")
        root = coq_env.open(problem)
        assert isinstance(coq_env.step(root.id, "lra"), Proved)
    assert coq_env.restarts == 0


def test_a_tactic_that_exhausts_memory_restarts_coq_and_the_search_goes_on():
    from coq_env import CoqEnv

    env = CoqEnv(timeout=20, memory_limit_mb=1500)
    try:
        root = env.open(CONJ)
        result = env.step(root.id, "let x := eval vm_compute in (Nat.pow 2 40) in idtac")
        assert isinstance(result, TacticError) and "memory" in result.message.lower()
        assert env.restarts == 1
        assert isinstance(env.step(root.id, "intros"), Progress)
    finally:
        env.close()


def test_the_automation_baseline_runs_under_nat_only_and_real_headers(coq_env):
    # Every alternative of the combined tactic must exist under every header (the prelude
    # provides ring and field), or Coq rejects the whole tactic before trying any of it.
    nat = coq_problem("natc", "Theorem natc : (2 ^ 10) mod 7 = 2.", header="Require Import Arith.\n")
    real = coq_problem("realc", "Theorem realc : forall x : R, x > 2 -> 2 * x > 4.")
    for problem in (nat, real):
        root = coq_env.open(problem)
        assert isinstance(coq_env.step(root.id, coq_env.automation()), Proved), problem.name
