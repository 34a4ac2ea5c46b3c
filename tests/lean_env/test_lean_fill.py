"""``prove fill`` on Lean files: holes found in the text, searched and checked against recorded REPL replies.

The REPL is the replay server in ``--any-order`` mode (each request answered with the real
REPL's reply to the identical request). ``fill_assumption`` is ``assumption_proof`` plus the
two constructed replies of the whole-file check (see ``transcripts/README.md``); the other
transcripts are upstream recordings, unchanged.
"""

from __future__ import annotations

import json
import shlex

import pytest

from lean_env import LeanEnv
from lean_env.holes import LeanFiles, find_holes, masked, proof_text
from prover.entrypoints.cli import main
from prover.fill import FillStatus, fill_holes, splice
from prover.generators.replay import ReplayGenerator
from prover.search import SearchConfig
from tests.lean_env.conftest import FIXTURES, TRANSCRIPTS, replay_argv

LIBRARY = '''import Mathlib

open Real

/-- The first one. -/
@[simp]
theorem first (x : ℕ) (h : x = 2) : x + 0 = 2 := by
  sorry

-- a comment about `sorry`
theorem proved : 1 = 1 := rfl

namespace Foo

lemma second {a b : ℝ} (h₀ : a = b) : (fun y => y) a = b := by
  have h : a = b := by
    sorry
  set_option maxRecDepth 100 in
  simp [h]

example : True := sorry

private theorem hidden : True := sorry

theorem third : "sorry" = "sorry" := sorry -- the last one
end Foo

theorem eqns : ℕ → ℕ
  | 0 => sorry
  | n + 1 => n
'''
AA = "theorem aa (x : Nat) (h1 : x  = 2) : x = 2 := by sorry"


def test_holes_are_the_theorems_whose_proof_holds_sorry_with_the_span_a_proof_replaces():
    holes = find_holes(LIBRARY, "Lib")
    assert [(h.name, h.line, h.kind, bool(h.unsupported)) for h in holes] == [
        ("Lib.first", 6, "sorry", False), ("Lib.Foo.second", 15, "sorry", False), ("Lib.example", 21, "sorry", True),
        ("Lib.Foo.hidden", 23, "sorry", True), ("Lib.Foo.third", 25, "sorry", False), ("Lib.eqns", 28, "sorry", True)]
    first, second, third = holes[0], holes[1], holes[4]
    assert first.statement.startswith("/-- The first one. -/\n@[simp]\ntheorem first")
    assert first.statement.endswith("x + 0 = 2 :=") and LIBRARY[first.start:first.end] == " by\n  sorry"
    assert LIBRARY[second.start:second.end].endswith("set_option maxRecDepth 100 in\n  simp [h]")
    assert LIBRARY[third.start:third.end] == " sorry" and third.full_name == "Foo.third"
    assert "private" in holes[3].unsupported and "equations" in holes[5].unsupported


def test_a_proof_replaces_only_the_proof_and_every_other_byte_stays():
    holes = find_holes(LIBRARY, "Lib")
    edits = [(holes[0], proof_text(holes[0], ["omega"])), (holes[4], proof_text(holes[4], ["rfl", "done"]))]
    out, _ = splice(LIBRARY, edits)
    assert "theorem first (x : ℕ) (h : x = 2) : x + 0 = 2 := by\n  omega\n\n-- a comment about `sorry`" in out
    assert 'theorem third : "sorry" = "sorry" := by\n  rfl\n  done -- the last one\nend Foo' in out
    assert out.replace(" by\n  omega", " by\n  sorry", 1).replace(" by\n  rfl\n  done", " sorry") == LIBRARY


def test_comments_and_strings_are_masked_without_moving_anything():
    text = 'a -- sorry\n/- x\nsorry -/ "s\\"orry" b'
    assert len(masked(text)) == len(text) and masked(text).split() == ["a", "b"]
    assert masked(text).count("\n") == text.count("\n")


@pytest.fixture
def files(tmp_path):
    def make(transcript: str, root=TRANSCRIPTS) -> LeanFiles:
        return LeanFiles(timeout=30, project_dir=str(tmp_path), repl_command=replay_argv(transcript, "--any-order", root=root))
    return make


def test_a_hole_is_filled_re_checked_and_the_whole_file_checked_in_a_fresh_repl(files):
    backend = files("fill_assumption")
    env = LeanEnv(**backend.env_options)
    try:
        assert backend.check_file(AA).error is None  # the file as it is: a warning, no error
        report = fill_holes(AA, backend.find_holes(AA, "aa"), backend, env, ReplayGenerator(["linarith", "assumption"]),
                            SearchConfig(budget=4))
    finally:
        env.close()
    assert [o.status for o in report.outcomes] == [FillStatus.FILLED] and report.filled[0].proof == ["assumption"]
    assert report.text == "theorem aa (x : Nat) (h1 : x  = 2) : x = 2 := by\n  assumption"
    assert report.check is not None and report.check.error is None and report.check.refusals == ("",)


def test_a_proof_the_re_check_refuses_leaves_the_hole_as_it_was(files):
    backend = files("self_proof_check", root=FIXTURES)
    text = "theorem ex : False := by sorry"
    env = LeanEnv(**backend.env_options)
    try:
        report = fill_holes(text, backend.find_holes(text, "ex"), backend, env, ReplayGenerator(["exact?"]),
                            SearchConfig(budget=4))
    finally:
        env.close()
    assert [o.status for o in report.outcomes] == [FillStatus.NOT_FOUND]
    assert report.text == text and report.check is None


def test_a_file_that_does_not_compile_names_its_first_error_line(files):
    check = files("have_by_sorry", root=FIXTURES).check_file(
        "theorem foo (x : Int) : x = x := by\n  have h : x = 1 := by sorry")
    assert check.error is not None and check.error[0] == 1 and check.error[1].startswith("unsolved goals")


def test_prove_fill_on_a_lean_file_end_to_end(tmp_path, monkeypatch, capsys):
    source, tactics = tmp_path / "aa.lean", tmp_path / "tactics.txt"
    source.write_text(AA)
    tactics.write_text("linarith\nassumption\n")
    monkeypatch.setenv("LLEMMA_PROVER_LEAN_REPL", shlex.join(replay_argv("fill_assumption", "--any-order", root=TRANSCRIPTS)))
    assert main(["fill", str(source), "--generator", "replay", "--tactics", str(tactics), "--budget", "4", "--json"]) == 0
    holes = json.loads(capsys.readouterr().out)["holes"]
    assert [(h["lemma"], h["status"], h["proof"]) for h in holes] == [("aa.aa", "filled", ["assumption"])]
    assert (tmp_path / "aa_filled.lean").read_text() == "theorem aa (x : Nat) (h1 : x  = 2) : x = 2 := by\n  assumption"
    assert source.read_text() == AA


def test_prove_fill_without_lean_says_how_to_install(tmp_path, monkeypatch, capsys):
    source = tmp_path / "aa.lean"
    source.write_text(AA)
    monkeypatch.delenv("LLEMMA_PROVER_LEAN_REPL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("LLEMMA_PROVER_LEAN_WORKSPACE", str(tmp_path / "none"))
    assert main(["fill", str(source)]) == 2
    assert "prove setup lean" in capsys.readouterr().err
