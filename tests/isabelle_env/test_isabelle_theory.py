"""The checked files, the rules for a step, goal text and Sledgehammer's answers."""

from __future__ import annotations

import pytest

from isabelle_env.backend import IsabelleEnv
from isabelle_env.results import goals_in
from isabelle_env.sledgehammer import SLEDGEHAMMER, gap_tactics, try_this_proof
from isabelle_env import theory as thy
from prover.env import Goal
from prover.problems import load_benchmark


def test_the_file_renames_the_theory_and_knows_where_each_part_is():
    header = 'theory aime_1983_p1 imports Complex_Main\n  "HOL-Number_Theory.Number_Theory"\nbegin\n'
    file = thy.build_theory("Step_1", header, 'theorem t:\n  shows "x = x"', ["apply simp", "apply (auto\n simp: f)"])
    assert file.text.startswith('theory Step_1 imports Complex_Main\n  "HOL-Number_Theory.Number_Theory"\nbegin\n')
    assert file.layout == thy.Layout(statement=(4, 5), steps=((6, 6), (7, 8)), probe=9, end=10)
    assert file.text.split("\n")[8:10] == ["done", "end"]
    assert thy.build_theory("C", header, "lemma x", ["by simp"], probe=None).layout.probe == 0
    with pytest.raises(ValueError):
        thy.rename_theory("imports Main begin", "X")


@pytest.mark.parametrize("step, why", [
    ("apply auto", None), ("by (simp add: field_simps)", None), ('using assms unfolding f_def', None),
    ("..", None), ('by (metis "sorry")', None), ("(* oops *) by auto", None),
    ("sorry", "starts with"), ("apply auto sorry", "sorry"), ("by simp oops", "oops"),
    ("have x: \"a = b\" by simp", "starts with"), ("apply simp\nML \\<open>1\\<close>", "ML"),
    ("by auto\naxiomatization where f: False", "axiomatization"), ("   ", "empty"),
    ("by (tactic \\<open>Skip_Proof.cheat_tac \\<^context> 1\\<close>)", "tactic"),
    ("apply (raw_tactic \u2039all_tac\u203a)", "raw_tactic"),
])
def test_step_rules(step, why):
    found = thy.step_problem(step)
    assert (found is None) if why is None else (why in found)


@pytest.mark.parametrize("step, found, terminal", [
    ("apply simp\ndone", ["apply", "done"], True), ("apply (rule by_cases)", ["apply"], False),
    ("using add.commute by simp", ["using", "by"], True), ('by (metis "by")', ["by"], True), ("..", [".."], True),
    ("unfolding f_def apply simp (* done *)", ["unfolding", "apply"], False),
])
def test_a_step_ends_the_proof_when_its_last_command_does(step, found, terminal):
    assert thy.commands(step) == found and thy.is_terminal(step) is terminal


def test_only_the_last_step_may_end_the_proof():
    assert thy.proof_problem(["apply simp", "apply auto\ndone"]) is None
    assert "before the last step" in thy.proof_problem(["apply simp\ndone", "by auto"])


def test_every_vendored_minif2f_statement_and_header_is_accepted():
    entries = load_benchmark("minif2f", "isabelle", split=None)
    assert len(entries) > 400
    for entry in entries:
        assert thy.header_problem(entry.problem.header) is None, entry.problem.name
        assert IsabelleEnv.statement_problem(entry.problem.statement) is None, entry.problem.name
    assert IsabelleEnv.statement_problem('theorem t: "P" by simp') is not None
    assert IsabelleEnv.statement_problem('definition f where "f = 1"') is not None


def test_goals_are_read_one_a_subgoal():
    text = ("Failed to finish proof:\ngoal (2 subgoals):\n 1. \\<And>x. 0 < x \\<Longrightarrow>\n"
            "       x * x > 0\n 2. (a::nat) + b = b + a")
    assert goals_in(text) == (Goal((), "\\<And>x. 0 < x \\<Longrightarrow>\nx * x > 0"),
                              Goal((), "(a::nat) + b = b + a"))
    assert goals_in("Undefined method: \"foo\"") is None


@pytest.mark.parametrize("message, proof", [
    ("cvc5: Try this: by (smt (verit) add.commute mult.commute) (23 ms)", "by (smt (verit) add.commute mult.commute)"),
    ("e: Try this: using assms by (metis le_refl) (1.2 s)", "using assms by (metis le_refl)"),
    ("vampire: Try this: by (metis foo) (> 1.0 s, timed out)", "by (metis foo)"),
    ("zipperposition: Try this: by blast", "by blast"),
    ("Sledgehammering...", None), ("simp found a proof...", None),
])
def test_try_this_timings_are_stripped(message, proof):
    assert try_this_proof(message) == proof


def test_the_gap_filling_list_ends_with_sledgehammer():
    tactics = gap_tactics()
    assert tactics[:3] == ["by auto", "by simp", "by blast"] and tactics[-1] == SLEDGEHAMMER
    assert "by (auto simp: field_simps)" in tactics and "by sos" in tactics
    assert all(thy.step_problem(t) is None for t in tactics[:-1])
    assert all(thy.step_problem(t) is None for t, _ in IsabelleEnv.portfolio())
    assert thy.step_problem(IsabelleEnv.automation()) is None
