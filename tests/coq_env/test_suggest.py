"""`prove suggest` and `prove repl` on Coq: the goal at a line of a file, tactics tried live, a session in a terminal."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

from coq_env.sites import proof_script, proof_site
from prover.entrypoints.cli import main
from prover.proof_site import NoGoalThere
from tests.conftest import requires_coq

ROOT = Path(__file__).resolve().parents[2]

LIB = """Require Import Arith Lia.
Lemma a : True. Proof. exact I. Qed.
Lemma add_zero : forall n : nat, n + 0 = n /\\ True.
Proof.
  intros n. (* the goal at line 5 is before this *)
  Check n.
  split.
  - lia.
  -
    exact I.
Qed.
Lemma open_end : True.
Proof using.
  idtac.
"""


def test_the_goal_at_a_line_is_the_state_after_the_proof_sentences_that_end_before_it():
    steps = {line: [(s.tactic, s.line) for s in proof_site(LIB, line, "dir/Lib.v").steps] for line in range(4, 12)}
    assert steps[4] == steps[5] == [] and steps[6] == steps[7] == [("intros n.", 5)]  # Check is left out
    assert steps[9] == [("intros n.", 5), ("split.", 7), ("-", 8), ("lia.", 8)]
    assert steps[11] == steps[10] + [("exact I.", 10)]  # on the Qed line the proof is still open
    site = proof_site(LIB, 9, "dir/Lib.v")
    assert site.problem.name == "Lib.add_zero" and site.problem.header == LIB[: LIB.index("Lemma add_zero")]
    assert site.problem.statement == "Lemma add_zero : forall n : nat, n + 0 = n /\\ True." and site.opener == "Proof."
    assert site.label == "dir/Lib.v:9, in add_zero"
    unclosed = proof_site(LIB, 15, "Lib.v")
    assert unclosed.opener == "Proof using." and [s.tactic for s in unclosed.steps] == ["idtac."]


@pytest.mark.parametrize("line, message", [
    (1, "line 1 is not inside a proof: no lemma's statement ends before it"),
    (3, "line 3 is not inside a proof: the proof of a (line 2) ends on line 2"),
    (12, "line 12 is not inside a proof: the proof of add_zero (line 3) ends on line 11"),
    (17, "Lib.v has 15 lines: there is no line 17"),
])  # fmt: skip
def test_a_line_in_no_proof_is_refused_with_why(line, message):
    with pytest.raises(NoGoalThere, match=re.escape(message)):
        proof_site(LIB, line, "Lib.v")


def test_a_proof_with_commands_before_the_line_cannot_be_replayed_and_says_where():
    text = "Lemma x : True.\nProof.\n  Set Printing All.\n  exact I.\nQed.\n"
    with pytest.raises(NoGoalThere, match=r"line 3: vernacular command 'Set' .* cannot be replayed yet"):
        proof_site(text, 4, "X.v")


def test_a_proof_is_printed_one_sentence_a_line_bullets_with_their_sentence():
    assert proof_script(["intros n.", "split.", "-", "lia.", "- exact I."]) == (
        "Proof.\n  intros n.\n  split.\n  - lia.\n  - exact I.\nQed.")
    assert proof_script(["idtac."], "Proof using.", finished=False) == "Proof using.\n  idtac.\nAdmitted."


def _rows(out: str) -> dict[str, str]:
    """The table's rows by tactic: the text of each row's cells, continuation lines joined."""
    rows: dict[str, str] = {}
    tactic = ""
    for line in out.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if len(cells) == 5 and cells[0].isdigit():
            tactic = cells[1]
            rows[tactic] = cells[3]
        elif len(cells) == 5 and tactic and not cells[0]:
            rows[tactic] += "\n" + cells[3]
    return rows


@requires_coq
def test_suggest_lists_each_tactic_with_the_goals_it_leaves_or_its_error(tmp_path, capsys):
    source = tmp_path / "Lib.v"
    source.write_text(LIB)
    assert main(["suggest", f"{source}:5", "-k", "8", "--tactic-timeout", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{source}:5, in add_zero\n============================\nforall n : nat, n + 0 = n /\\ True\n")
    rows = _rows(out)
    assert list(rows)[:2] == ["lia", "nia"] and rows["lia"] == rows["nia"] == "proves it"  # finished first
    assert rows["intros"] == "n : nat\n============================\nn + 0 = n /\\ True"
    assert rows["lra"].startswith("error: The reference lra was not found")  # the file does not import Lra


@requires_coq
def test_suggest_on_a_statement_uses_the_prelude_and_a_header_file(tmp_path, capsys):
    header = tmp_path / "defs.v"
    header.write_text("Definition double (n : nat) := n + n.\n")
    statement = "Theorem t : forall n : nat, double n = 2 * n."
    assert main(["suggest", "--statement", statement, "--header-file", str(header), "-k", "4", "--json"]) == 0
    out = capsys.readouterr().out
    rows = _rows(out)
    assert rows["lra"].startswith("error: ") and rows["intros"].startswith("n : nat\n")
    assert '"at": "the statement"' in out and '"effect": "progress"' in out
    assert main(["suggest", "--statement", "Theorem t : True"]) == 2
    assert capsys.readouterr().err == "error: --statement: the Coq statement does not end with a period\n"


@requires_coq
def test_suggest_names_the_line_of_a_step_before_the_goal_that_does_not_run(tmp_path, capsys):
    source = tmp_path / "Bad.v"
    source.write_text("Lemma x : True.\nProof.\n  intros n.\n  exact I.\nQed.\n")
    assert main(["suggest", f"{source}:4"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {source}:4, in x: line 3: the step 'intros n.' before the goal does not run")


@requires_coq
def test_repl_in_a_terminal_undo_suggestions_and_the_finished_proof(tmp_path):
    source = tmp_path / "Lib.v"
    source.write_text(LIB)
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", "NO_COLOR": "1",
           "TERM": "dumb", "PYTHONIOENCODING": "utf-8"}
    child = pexpect.spawn(sys.executable, ["-m", "prover", "repl", f"{source}:5", "-k", "8", "--tactic-timeout", "3"],
                          cwd=str(ROOT), env=env, encoding="utf-8", timeout=60, dimensions=(50, 120))
    try:
        child.expect_exact("prove> ")
        assert "forall n : nat, n + 0 = n /\\ True" in child.before
        child.sendline("induction n.")
        child.expect_exact("prove> ")
        assert "goal 2 of 2" in child.before and "IHn : n + 0 = n /\\ True" in child.before
        child.sendline("undo")
        child.expect_exact("prove> ")
        assert "forall n : nat, n + 0 = n /\\ True" in child.before and "IHn" not in child.before
        child.sendline("intros n.")
        child.expect_exact("prove> ")
        child.sendline("?")
        child.expect_exact("prove> ")
        first = re.search(r"[│|] 1 [│|] (\S+)\s+[│|][^│|]*[│|] proves it", child.before)
        assert first, child.before
        child.sendline("1")
        child.expect(pexpect.EOF)
        assert f"Proof.\r\n  intros n.\r\n  {first.group(1)}.\r\nQed." in child.before
        assert "re-checked in a fresh process: coqc accepted the proof" in child.before
    finally:
        child.close()
    assert child.exitstatus == 0
