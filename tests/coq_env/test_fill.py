"""`prove fill`: the holes of a Coq file found, filled in order with live Coq, and written back byte for byte."""

import json
import re
import shutil
import subprocess

import pytest

from coq_env.holes import CoqHole, find_holes, proof_text
from prover.entrypoints.cli import main
from tests.conftest import requires_coq

HOLES = """(* holes of every kind *)
Require Import Lia.
Lemma bare : forall n : nat, n + 0 = n. Admitted.
Lemma proved : True. Proof. exact I. Qed.
Lemma partial : True /\\ True.
Proof.
  split.
  - admit.
  - (* later *) admit.
Admitted.
Lemma given_up : False. Proof. Abort.
Definition opaque_def : nat. Admitted.
Module M.
  Section S.
    Variable k : nat.
    Lemma in_section : k = k.
    Proof using k. Admitted.
  End S.
End M.
Module Type T. Parameter x : nat. Lemma in_type : x = x. Admitted. End T.
Goal 1 = 1. Admitted.
#[global] Program Lemma prog : True. Admitted.
"""


def test_holes_are_the_lemmas_closed_with_admitted_with_the_span_a_proof_replaces():
    holes = find_holes(HOLES, "H")
    assert [(h.name, h.line, h.kind, h.unsupported.split(":")[0]) for h in holes] == [
        ("H.bare", 3, "Admitted", ""),
        ("H.partial", 5, "2 admits", ""),
        ("H.M.in_section", 16, "Admitted", ""),
        ("H.T.in_type", 20, "Admitted", "inside the module type T"),
        ("H.Goal", 21, "Admitted", "an anonymous Goal"),
        ("H.prog", 22, "Admitted", "a Program statement"),
    ]
    bare, partial, in_section = holes[:3]
    assert HOLES[: bare.statement_start] == HOLES[: HOLES.index("Lemma bare")]
    assert bare.statement == "Lemma bare : forall n : nat, n + 0 = n." and bare.lemma == "bare"
    assert HOLES[bare.start : bare.end] == "Admitted." and not bare.opener and not bare.in_section
    assert HOLES[partial.start : partial.end].startswith("Proof.\n  split.") and HOLES[partial.end - 10 : partial.end] == "\nAdmitted."
    assert partial.opener == "Proof." and in_section.opener == "Proof using k." and in_section.in_section


def _hole(text: str, lemma: str) -> CoqHole:
    return next(h for h in find_holes(text, "X") if h.lemma == lemma)


def test_a_proof_is_written_like_the_hole_one_line_or_indented_bullets_on_their_sentence():
    assert proof_text(HOLES, _hole(HOLES, "bare"), ["intros", "lia."]) == "Proof. intros. lia. Qed."
    indented = "Module N.\n    Lemma x : True /\\ True.\n    Proof.\n      admit.\n    Admitted.\nEnd N.\n"
    assert proof_text(indented, _hole(indented, "x"), ["split", "- exact I", "- exact I. "]) == (
        "Proof.\n      split.\n      - exact I.\n      - exact I.\n    Qed.")
    windows = indented.replace("\n", "\r\n")
    assert proof_text(windows, _hole(windows, "x"), ["exact (conj I I)"]) == "Proof.\r\n      exact (conj I I).\r\n    Qed."


def test_in_a_section_the_lemma_keeps_every_section_variable_unless_the_hole_says_which():
    section = "Section S.\nVariable k : nat.\nLemma a : k = k. Admitted.\nLemma b : k = k. Proof using k. Admitted.\nEnd S.\n"
    assert proof_text(section, _hole(section, "a"), ["reflexivity"]) == "Proof using All. reflexivity. Qed."
    assert proof_text(section, _hole(section, "b"), ["reflexivity"]) == "Proof using k. reflexivity. Qed."


#: Two easy holes, one the portfolio cannot prove, and one whose only proof (auto, through the
#: hint) uses an earlier hole; comments, odd spacing, a Compute and a section with variables whose
#: lemma must keep its type (the Check after the section applies it to every variable).
LIBRARY = """(** A library with holes. *)
Require Import Arith   Lia.

Compute 2 + 2.   (* prints *)

Lemma add_zero : forall n : nat, n + 0 = n.
Proof.
  intros n.
  (* not yet *) admit.
Admitted.

Lemma hard : forall n : nat, n * n = 2 -> False.
Admitted.

Lemma bound : forall n, n < 5 -> n * 1 < 10.   Admitted.
#[export] Hint Resolve bound : core.

(* needs bound, through the hint *)
Lemma use_bound : forall (P : nat -> Prop) n, n < 5 -> (n * 1 < 10 -> P n) -> P n.
Admitted.

Section S.
  Variables   k m : nat.
  Hypothesis Hk : k > 0.
    Lemma k_pos :   k <> 0.
    Admitted.
End S.
Check (fun H : 1 > 0 => k_pos 1 7 H).
"""


def _outside_holes_pattern(text: str, filled: set[str]) -> re.Pattern:
    """The input with each filled hole's span as a wildcard ``Proof ... Qed.``, the rest as it was."""
    parts, cursor = [], 0
    for hole in find_holes(text, "Lib"):
        if hole.lemma in filled:
            parts += [re.escape(text[cursor : hole.start]), r"Proof[^\n]*\.(?:.|\n)*?Qed\."]
            cursor = hole.end
    parts.append(re.escape(text[cursor:]))
    return re.compile("".join(parts))


def _coqc(folder, name: str) -> subprocess.CompletedProcess:
    return subprocess.run(["coqc", "-q", name], cwd=folder, capture_output=True, text=True, timeout=120)


@requires_coq
@pytest.mark.timeout(120)
def test_fill_proves_the_easy_holes_in_order_and_leaves_the_rest_byte_for_byte(tmp_path, capsys):
    source = tmp_path / "Lib.v"
    source.write_text(LIBRARY)
    assert _coqc(tmp_path, "Lib.v").returncode == 0
    assert main(["fill", str(source), "--in-place", "--budget", "5", "--json"]) == 0
    captured = capsys.readouterr()
    holes = {h["lemma"]: h for h in json.loads(captured.out)["holes"]}
    assert {name: h["status"] for name, h in holes.items()} == {
        "Lib.add_zero": "filled", "Lib.hard": "not found", "Lib.bound": "filled", "Lib.use_bound": "filled",
        "Lib.k_pos": "filled"}  # fmt: skip
    assert (tmp_path / "Lib.v.bak").read_text() == LIBRARY
    filled = source.read_text()
    assert _outside_holes_pattern(LIBRARY, {"add_zero", "bound", "use_bound", "k_pos"}).fullmatch(filled), filled
    assert "Lemma hard : forall n : nat, n * n = 2 -> False.\nAdmitted.\n" in filled
    assert "    Lemma k_pos :   k <> 0.\n    Proof using All. " in filled
    shutil.copy(source, tmp_path / "Out.v")
    compiled = _coqc(tmp_path, "Out.v")
    assert compiled.returncode == 0, compiled.stderr
    assert "filled 4 of 5 holes" in captured.err and "add_zero" in captured.err


#: A hint-driven proof of ``use_small`` needs ``small_of_lt``, which stays unproved; ``target``
#: would follow from ``later_fact``, which comes after it; ``after`` may use it.
SOUNDNESS = """Require Import Lia.
Definition small (n : nat) : Prop := n * 1 < 10.
Lemma small_of_lt : forall n, n < 5 -> small n.
Proof. intros n H. unfold small. admit. Admitted.
#[export] Hint Resolve small_of_lt : core.
Lemma use_small : forall (P : nat -> Prop) n, n < 5 -> (small n -> P n) -> P n.
Admitted.
Lemma target : forall n : nat, n * 1 = n. Admitted.
Lemma later_fact : forall n : nat, n * 1 = n. Proof. lia. Qed.
Lemma after : forall n : nat, n * 1 = n. Admitted.
"""


@requires_coq
@pytest.mark.timeout(120)
def test_a_proof_may_use_neither_an_unfilled_hole_nor_a_later_lemma(tmp_path, capsys):
    source, tactics = tmp_path / "Sound.v", tmp_path / "tactics.txt"
    source.write_text(SOUNDNESS)
    tactics.write_text("auto\napply later_fact\n")
    out = tmp_path / "Filled.v"
    assert main(["fill", str(source), "--out", str(out), "--generator", "replay", "--tactics", str(tactics),
                 "--budget", "3", "--json"]) == 0
    holes = {h["lemma"]: h for h in json.loads(capsys.readouterr().out)["holes"]}
    assert holes["Sound.small_of_lt"]["status"] == "not found"
    assert holes["Sound.use_small"]["status"] == "not found"
    assert "small_of_lt" in holes["Sound.use_small"]["detail"]  # auto found a proof through the hint: refused
    assert holes["Sound.target"]["status"] == "not found"
    assert holes["Sound.after"] == {**holes["Sound.after"], "status": "filled", "proof": ["apply later_fact"]}
    assert out.read_text() == SOUNDNESS.replace(
        "Lemma after : forall n : nat, n * 1 = n. Admitted.", "Lemma after : forall n : nat, n * 1 = n. Proof. apply later_fact. Qed.")


@requires_coq
@pytest.mark.timeout(60)
def test_a_file_that_does_not_compile_is_refused_with_its_line_and_one_without_holes_is_left_alone(tmp_path, capsys):
    broken = tmp_path / "Broken.v"
    broken.write_text("Lemma ok : True. Admitted.\n\nLemma bad : True.\nProof. exact no_such_thing. Qed.\n")
    assert main(["fill", str(broken)]) == 2
    error = capsys.readouterr().err
    assert "does not compile before filling: line 4:" in error and "no_such_thing" in error
    whole = tmp_path / "Whole.v"
    whole.write_text("Lemma ok : True. Proof. exact I. Qed.\n")
    assert main(["fill", str(whole)]) == 0
    assert "has no holes" in capsys.readouterr().err
    assert not (tmp_path / "Whole_filled.v").exists() and not (tmp_path / "Broken_filled.v").exists()


@requires_coq
@pytest.mark.timeout(120)
def test_a_hole_inside_a_module_with_a_module_type_is_filled(tmp_path, capsys):
    """The module type names ``y``, defined after the hole: checked alone, the hole's module could not end."""
    sealed = ("Module Type T.\n  Parameter x y : nat.\nEnd T.\n"
              "Module M <: T.\n  Definition x := 0.\n  Lemma x_is_zero : x = 0. Admitted.\n  Definition y := 1.\nEnd M.\n")
    source, tactics, out = tmp_path / "Sealed.v", tmp_path / "tactics.txt", tmp_path / "Filled.v"
    source.write_text(sealed)
    tactics.write_text("reflexivity\n")
    assert main(["fill", str(source), "--out", str(out), "--generator", "replay", "--tactics", str(tactics),
                 "--budget", "2", "--json"]) == 0
    [hole] = json.loads(capsys.readouterr().out)["holes"]
    assert hole["status"] == "filled", hole
    assert out.read_text() == sealed.replace("x = 0. Admitted.", "x = 0. Proof. reflexivity. Qed.")
