"""The soundness check, and the real best-first search running over recorded proofs."""

from __future__ import annotations

import pytest
from tests.lean_env.conftest import TRANSCRIPTS
from test_lean_backend import BRANCHING
from test_lean_process import BRANCHING_TACTICS

from lean_env import LeanEnv
from lean_env.check import (ALLOWED_AXIOMS, axiom_problem, parse_axioms, proof_file,
                            theorem_name)
from lean_env.protocol import CommandResponse, Message
from prover.env import Problem, Proved
from prover.generators.replay import ReplayGenerator
from prover.problems import load_benchmark
from prover.search import SearchConfig, search


def run_search(env, tactics=BRANCHING_TACTICS, problem=BRANCHING, check=False):
    """The project's best-first search, proposing every tactic of ``tactics`` everywhere."""
    accept = (lambda proof: env.verify(problem, proof)) if check else None
    return search(problem, env, ReplayGenerator(tactics), SearchConfig(budget=20, samples=8),
                  accept)


def test_search_runs_to_completed_on_proof_branching(replay_env):
    env = replay_env("proof_branching", "--any-order")
    result = run_search(env)
    assert result.proved and result.proof == BRANCHING_TACTICS
    assert result.steps > len(BRANCHING_TACTICS)  # it tried the other tactics everywhere too


def test_search_runs_to_completed_on_proof_step(replay_env):
    env = replay_env("proof_step", "--any-order")
    problem = Problem("f", "test", "", "def f : Nat :=")
    result = run_search(env, ["apply Int.natAbs", "have t : Nat := 42", "exact t"], problem)
    assert result.proved and result.proof == ["have t : Nat := 42", "exact t"]


def test_found_proof_passes_the_check(replay_env):
    env = replay_env("branching_check_ok", "--any-order", root=TRANSCRIPTS)
    result = run_search(env, check=True)
    assert result.proved and result.verified and result.verdict.ok
    assert result.verdict.checked_file == env.proof_script(BRANCHING, BRANCHING_TACTICS)


@pytest.mark.parametrize("transcript, reason", [
    ("branching_check_sorry", "the proof uses sorry"),
    ("branching_check_sorryax", "the proof uses sorry (sorryAx)"),
    ("branching_check_axiom", "the proof uses axioms beyond propext, Classical.choice, Quot.sound: "
                              "Lean.ofReduceBool, Lean.trustCompiler"),
])
def test_completed_proof_is_rejected_when_the_check_shows_sorry_or_axioms(replay_env, transcript,
                                                                          reason):
    env = replay_env(transcript, "--any-order", root=TRANSCRIPTS)
    result = run_search(env, check=True)
    assert result.proved and not result.verified and result.rejected == 1 and result.proof == []
    assert (result.verdict.ok, result.verdict.reason) == (False, reason)


def test_check_runs_on_the_header_environment_not_the_search_one(replay_env):
    """The strict replay proves the check command went to env 0 (the ``import Mathlib`` one)."""
    env = replay_env("exact_check_mathlib", root=TRANSCRIPTS)
    problem = Problem("test", "test", "import Mathlib\n", "theorem test : 0 < 1 :=")
    root = env.open(problem)
    assert isinstance(env.step(root.id, "exact?"), Proved)
    verdict = env.verify(problem, ["exact?"])
    assert verdict.ok, verdict.reason
    assert verdict.checked_file == "import Mathlib\n\ntheorem test : 0 < 1 := by\n  exact?\n"


@pytest.mark.parametrize("name, proof, reason", [
    ("app_type_mismatch", ["cases 1", "rfl", "apply ?succ"],
     "Lean error: (kernel) declaration has metavariables '_example'"),
    ("app_type_mismatch2", ["cases 1", "rfl", "have: true := by\n  apply ?succ\n  trivial"],
     "Lean error: (kernel) application type mismatch"),
])
def test_recorded_kernel_rejections_fail_the_check(replay_env, name, proof, reason):
    problem = Problem("ex", "test", "", "example : 1 = 0 :=")
    for fresh in (False, True):
        verdict = replay_env(name, fresh_process_check=fresh).verify(problem, proof)
        assert not verdict.ok and verdict.reason.startswith(reason)


def test_recorded_unsolved_goals_and_sorry_fail_the_check(replay_env):
    problem = Problem("foo", "test", "", "theorem foo (x : Int) : x = x :=")
    verdict = replay_env("have_by_sorry").verify(problem, ["have h : x = 1 := by sorry"])
    assert not verdict.ok and verdict.reason.startswith("Lean error: unsolved goals")


def test_check_that_never_answers_is_not_a_proof(replay_env, tmp_path):
    env = replay_env("branching_check_ok", "--hang-at", "5", root=TRANSCRIPTS, check_timeout=1.0)
    state = env.open(BRANCHING)
    for tactic in BRANCHING_TACTICS:
        state = env.step(state.id, tactic).state
    verdict = env.verify(BRANCHING, BRANCHING_TACTICS)
    assert not verdict.ok and "timed out" in verdict.reason


@pytest.mark.parametrize("proof, reason", [
    (["exact h1.left", "theorem complex_and' : True := trivial"], "the command 'theorem'"),
    (["skip\naxiom cheat : False", "exact cheat.elim"], "the command 'axiom'"),
    (["exact h1.left", "end"], "the command 'end'"),
])
def test_proofs_that_leave_the_theorem_are_rejected_before_lean_runs(replay_env, proof, reason):
    env = replay_env("import_lean", "--fail-start", "the check must not start Lean")
    verdict = env.verify(BRANCHING, proof)
    assert not verdict.ok and reason in verdict.reason


def test_a_statement_without_its_trailing_assignment_is_rejected(replay_env):
    env = replay_env("import_lean", "--fail-start", "the check must not start Lean")
    problem = Problem("x", "test", "", "theorem x : True")
    assert env.verify(problem, ["trivial"]).reason == "the statement does not end with ':='"


def _info(data: str) -> CommandResponse:
    return CommandResponse(1, (Message("info", data),))


def test_axiom_lists_are_parsed_and_judged():
    assert parse_axioms(_info("'a' does not depend on any axioms")) == frozenset()
    axioms = parse_axioms(_info("'a' depends on axioms: [Classical.choice, propext, Quot.sound]"))
    assert axioms == ALLOWED_AXIOMS and axiom_problem(axioms) is None
    assert parse_axioms(_info("Try this: exact rfl")) is None
    assert "cheat" in axiom_problem(frozenset({"propext", "cheat"}))


def test_every_minif2f_statement_names_its_theorem_and_builds_a_file():
    entries = load_benchmark("minif2f", "lean")
    assert len(entries) == 488
    for entry in entries:
        problem = entry.problem
        assert theorem_name(problem.statement).lower() == problem.name.lower()
        assert LeanEnv.statement_problem(problem.statement) is None
        text = proof_file(problem, ["norm_num"])
        assert text.startswith(problem.header.rstrip() + "\n\n" + problem.statement + " by\n")
        assert text.endswith(":= by\n  norm_num\n")
