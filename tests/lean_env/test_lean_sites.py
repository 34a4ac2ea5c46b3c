"""``prove suggest``/``prove repl`` on Lean files: the goal at a line, against recorded REPL replies."""

from __future__ import annotations

import json
import shlex

import pytest

from lean_env.sites import proof_script, proof_site
from prover.entrypoints.cli import main
from prover.proof_site import NoGoalThere
from tests.lean_env.conftest import FIXTURES, replay_argv

LIB = '''import Mathlib

theorem t (x : ℝ) (h : 0 < x) : 0 < x ^ 2 + x := by
  have h2 : 0 < x ^ 2 := by
    positivity -- a comment
  -- between
  nlinarith [h2,
    h]
  sorry

theorem u : True := trivial
'''
BRANCHING = ("theorem complex_and (p q r : Prop) (h1 : p ∧ q) (h2 : q → r) : p ∧ r := by\n"
             "  apply And.intro\n  exact h1.left\n  sorry\n")


@pytest.mark.parametrize("line, steps", [
    (4, []),
    (5, []),  # inside the `have`: the goal before the top-level tactic the line is in
    (7, [("have h2 : 0 < x ^ 2 := by\n  positivity", 5)]),
    (9, [("have h2 : 0 < x ^ 2 := by\n  positivity", 5), ("nlinarith [h2,\n  h]", 8)]),
])
def test_the_goal_at_a_line_is_the_state_after_the_top_level_tactics_that_end_before_it(line, steps):
    site = proof_site(LIB, line, "Lib.lean")
    assert [(step.tactic, step.line) for step in site.steps] == steps
    assert site.problem.header == "import Mathlib\n\n" and site.problem.statement.endswith("0 < x ^ 2 + x :=")
    assert site.label == f"Lib.lean:{line}, in t"


@pytest.mark.parametrize("line, why", [
    (2, "no theorem's statement ends before it"),
    (10, "uses sorry before line 10"),
    (12, "a term-mode proof"),
    (40, "there is no line 40"),
])
def test_a_line_with_no_goal_to_reach_is_refused_with_why(line, why):
    with pytest.raises(NoGoalThere, match=why):
        proof_site(LIB, line, "Lib.lean")


def test_a_proof_is_printed_after_by_one_tactic_a_line():
    assert proof_script(["intro h", "have : x := by\n  simp"], finished=False) == (
        "by\n  intro h\n  have : x := by\n    simp\n  sorry")


def test_suggest_at_a_line_of_a_lean_file_tries_each_tactic(tmp_path, monkeypatch, capsys):
    source, tactics = tmp_path / "branching.lean", tmp_path / "tactics.txt"
    source.write_text(BRANCHING)
    tactics.write_text("linarith\napply h2\n")
    monkeypatch.setenv("LLEMMA_PROVER_LEAN_REPL", shlex.join(replay_argv("proof_branching", "--any-order", root=FIXTURES)))
    assert main(["suggest", f"{source}:4", "--generator", "replay", "--tactics", str(tactics), "--json"]) == 0
    out = capsys.readouterr().out
    record = json.loads(out.splitlines()[-1])
    assert record["at"] == f"{source}:4, in complex_and" and record["goals"].endswith("⊢ r")
    effects = {row["tactic"]: row for row in record["tactics"]}
    assert effects["apply h2"]["effect"] == "progress" and "⊢ q" in effects["apply h2"]["goals"]
    assert effects["linarith"]["effect"] == "error"


def test_repl_on_a_lean_goal_steps_undoes_and_prints_the_re_checked_proof(tmp_path):
    import os
    import sys
    from pathlib import Path

    import pexpect

    from tests.lean_env.conftest import TRANSCRIPTS
    root = Path(__file__).resolve().parents[2]
    source = tmp_path / "branching.lean"
    source.write_text(BRANCHING)
    env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", "NO_COLOR": "1",
           "TERM": "dumb", "PYTHONIOENCODING": "utf-8",
           "LLEMMA_PROVER_LEAN_REPL": shlex.join(replay_argv("branching_check_ok", "--any-order", root=TRANSCRIPTS))}
    child = pexpect.spawn(sys.executable, ["-m", "prover", "repl", f"{source}:4"], cwd=str(tmp_path), env=env,
                          encoding="utf-8", timeout=60, dimensions=(50, 120))
    try:
        child.expect_exact("prove> ")
        assert "⊢ r" in child.before
        child.sendline("apply h2")
        child.expect_exact("prove> ")
        assert "⊢ q" in child.before
        child.sendline("undo")
        child.expect_exact("prove> ")
        assert "⊢ r" in child.before and "⊢ q" not in child.before
        child.sendline("apply h2")
        child.expect_exact("prove> ")
        child.sendline("exact h1.right")
        child.expect(pexpect.EOF)
        assert "by\r\n  apply And.intro\r\n  exact h1.left\r\n  apply h2\r\n  exact h1.right" in child.before
        assert "re-checked" in child.before
    finally:
        child.close()
    assert child.exitstatus == 0
