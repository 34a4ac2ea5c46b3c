"""Problems cut from real Coq files (`prove data problems`), loaded, searched and verified with live Coq."""

import json

import pytest

from coq_env.problem_files import problems_from_files, problems_from_text
from prover.entrypoints.cli import main
from prover.env import Proved
from prover.problems import load_benchmark
from tests.conftest import requires_coq

FILE = """(** A small library. *)
Require Import List.
Compute 1 + 1.
Module M.
  Section S.
    Variable n : nat.
    (* the first lemma *)
    Lemma refl_n : n = n.
    Proof. reflexivity. Qed.
    Lemma admitted_one : n + 0 = n. Admitted.
  End S.
  Example e : 1 + 1 = 2. Proof (eq_refl 2).
End M.
Module Type T. Parameter x : nat. End T.
Module F (X : T).
  Lemma in_functor : X.x = X.x. Proof. reflexivity. Qed.
End F.
Theorem app_nil {A} (l : list A) : l ++ nil = l.
Proof using. apply app_nil_r. Defined.
Goal True. exact I. Qed.
#[global] Program Lemma prog : True.
Lemma unfinished : True.
"""


def test_each_proved_lemma_becomes_a_problem_with_the_file_before_it_as_header():
    problems, skipped = problems_from_text(FILE, "Lib", "lib/Lib.v")
    assert [p.name for p in problems] == ["Lib.M.refl_n", "Lib.M.e", "Lib.app_nil"]
    first = problems[0]
    assert first.statement == "Lemma refl_n : n = n." and first.line == 8
    assert FILE.startswith(first.header) and first.header.endswith("(* the first lemma *)\n    ")
    assert problems[2].header == FILE[: FILE.index("Theorem app_nil")]
    assert first.record("mine") == {"name": "Lib.M.refl_n", "split": "mine",
                                    "coq": {"header": first.header, "statement": first.statement},
                                    "source": {"file": "lib/Lib.v", "line": 8}}
    assert {(s.name, s.reason.split(" (")[0].split(":")[0]) for s in skipped} == {
        ("Lib.M.admitted_one", "the file leaves it unproved"),
        ("Lib.F.in_functor", "inside the functor"),
        ("Lib.prog", "a Program statement"),
        ("Lib.unfinished", "its proof does not end in the file"),
    }


def test_a_name_taken_by_an_earlier_file_and_a_file_that_does_not_split_are_skipped(tmp_path, capsys):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "Same.v").write_text("Lemma x : True. Proof. exact I. Qed.\n")
    (tmp_path / "Bad.v").write_text("(* never closed\nLemma y : True. Proof. exact I. Qed.\n")
    files = [tmp_path / "a" / "Same.v", tmp_path / "Bad.v", tmp_path / "b" / "Same.v"]
    problems, skipped = problems_from_files(files)
    assert [p.file for p in problems] == [str(tmp_path / "a" / "Same.v")]
    assert [s.reason for s in skipped] == ["cannot read the file as Coq sentences: unclosed comment",
                                           f"a problem of this name comes from {tmp_path / 'a' / 'Same.v'}:1"]
    out = tmp_path / "p.jsonl"
    assert main(["data", "problems", *map(str, files), "--out", str(out)]) == 1
    assert len(out.read_text().splitlines()) == 1 and "Bad.v" in capsys.readouterr().err


@requires_coq
@pytest.mark.timeout(240)
def test_a_files_problems_load_prove_and_verify_by_split(tmp_path, capsys, coq_env):
    source = tmp_path / "Lib.v"
    source.write_text(FILE)
    out = tmp_path / "p.jsonl"
    assert main(["data", "problems", str(source), "--split", "heldout", "--out", str(out)]) == 0
    assert "wrote 3 problems of split 'heldout' from 1 files" in capsys.readouterr().err
    assert {json.loads(line)["split"] for line in out.read_text().splitlines()} == {"heldout"}
    entries = load_benchmark(str(out), "coq", split="heldout")
    proofs = {"Lib.M.refl_n": ["reflexivity"], "Lib.M.e": ["reflexivity"], "Lib.app_nil": ["apply app_nil_r"]}
    for entry in entries:
        problem = entry.problem
        root = coq_env.open(problem)
        assert isinstance(coq_env.step(root.id, proofs[problem.name][0]), Proved), problem.name
        verdict = coq_env.verify(problem, proofs[problem.name])
        assert verdict.ok, (problem.name, verdict.reason)
    verdict = coq_env.verify(entries[1].problem, ["assert (1 + 0 = 1) by exact (admitted_one 1)", "reflexivity"])
    assert not verdict.ok and "M.admitted_one" in verdict.reason, verdict.reason


SEALED = """Module Type T.
  Parameter x : nat.
  Parameter y : nat.
End T.
Module Import M <: T.
  Definition x := 0.
  Lemma x_is_zero : x = 0.
  Proof. reflexivity. Qed.
  Definition y := 1.
End M.
"""


@requires_coq
@pytest.mark.timeout(120)
def test_a_lemma_in_a_module_with_a_module_type_verifies(tmp_path, coq_env):
    """``End M`` checks the module type against the whole module; cut before ``y``, the old header could never verify."""
    source = tmp_path / "Sealed.v"
    source.write_text(SEALED)
    out = tmp_path / "p.jsonl"
    assert main(["data", "problems", str(source), "--out", str(out)]) == 0
    [entry] = load_benchmark(str(out), "coq")
    verdict = coq_env.verify(entry.problem, ["reflexivity"])
    assert verdict.ok, verdict.reason
