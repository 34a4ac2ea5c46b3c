"""The goal at a line of an Isabelle theory (``prove suggest``/``repl FILE:LINE``), read from the text."""

from __future__ import annotations

import re

import pytest

from isabelle_env.sites import IsabelleSites, proof_script
from prover.proof_site import NoGoalThere
from prover.registry import site_backend

THEORY = '''theory Lists
  imports Main
begin

lemma rev_rev: "rev (rev xs) = (xs::nat list)"
  using rev_def
  apply (induct xs)
   thm rev.simps
   apply simp
  apply auto
  done

lemma isar: "A \\<longrightarrow> A"
proof
  assume "A"
  then show "A" .
qed
end
'''


def test_the_goal_at_a_line_is_the_statement_and_the_steps_that_end_before_it():
    site = IsabelleSites().proof_site(THEORY, 9, "dir/Lists.thy")
    assert site.problem.name == "Lists.rev_rev" and site.problem.statement == 'lemma rev_rev: "rev (rev xs) = (xs::nat list)"'
    assert site.problem.header == THEORY[:THEORY.index("lemma rev_rev")]
    assert [(step.tactic, step.line) for step in site.steps] == [("using rev_def", 6), ("apply (induct xs)", 7)]
    assert site.label == "dir/Lists.thy:9, in rev_rev"
    assert IsabelleSites().proof_site(THEORY, 6, "Lists.thy").steps == ()


@pytest.mark.parametrize("line, why", [
    (2, "no lemma's statement ends before it"), (12, "the proof of rev_rev (line 5) ends on line 11"),
    (16, "`proof` is not an apply-style step"), (40, "there is no line 40"),
])
def test_a_line_in_no_apply_style_proof_has_no_goal(line, why):
    with pytest.raises(NoGoalThere, match=re.escape(why)):
        IsabelleSites().proof_site(THEORY, line, "Lists.thy")


def test_a_proof_is_printed_one_step_a_line_finished_with_done_or_left_with_sorry():
    assert proof_script(["apply (induct xs)", "apply auto"]) == "  apply (induct xs)\n  apply auto\n  done"
    assert proof_script(["by simp"]) == "  by simp"
    assert proof_script(["apply simp"], finished=False) == "  apply simp\n  sorry"
    assert isinstance(site_backend("isabelle"), IsabelleSites)
