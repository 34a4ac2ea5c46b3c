"""The fresh-coqc re-check: what it accepts and what it refuses."""

import pytest

from coq_env.assumptions import Assumptions, classify_assumptions
from coq_env.env import default_prelude
from coq_env.verify import CoqVerifier
from tests.conftest import coq_problem, requires_coq

pytestmark = requires_coq

PROBLEM = coq_problem("lin", "Theorem lin : forall x : R, x > 1 -> 2 * x > 2.")


@pytest.fixture(scope="module")
def verifier():
    return CoqVerifier(prelude=default_prelude(), timeout=60)


def test_a_real_proof_is_accepted(verifier):
    verdict = verifier.verify(PROBLEM, ["intros x H", "lra"])
    assert verdict.ok, verdict.reason
    assert "Theorem lin" in verdict.checked_file and verdict.checked_file.rstrip().endswith("Qed.")


@pytest.mark.parametrize(
    "proof",
    [
        ["intros x H", "admit."],
        ["Admitted."],
        ["intros x H.", "Abort."],
        ["Axiom cheat : forall x : R, 2 * x > 2.", "intros; apply cheat."],
        ["Qed. Theorem lin2 : True.", "exact I."],
        ["intros x H. lra. Qed. Theorem other : True. exact I."],
        [],
        ["intros x H"],  # not finished: coqc refuses Qed
    ],
)
def test_escapes_and_incomplete_proofs_are_refused(verifier, proof):
    assert not verifier.verify(PROBLEM, proof).ok


def test_header_axioms_are_allowed_but_nothing_else():
    header = "Require Import Reals.\nOpen Scope R_scope.\nParameter f : R -> R.\nAxiom f_pos : forall x, f x > 0.\n"
    problem = coq_problem("fp", "Theorem fp : f 1 + f 2 > 0.", header=header)
    verifier = CoqVerifier(prelude=default_prelude(), timeout=60)
    assert verifier.verify(problem, ["pose proof (f_pos 1); pose proof (f_pos 2); lra"]).ok


def test_a_prelude_that_changes_the_statement_is_caught():
    # Under this prelude `1 + 1 = 2` is read in R instead of nat: the same text, another theorem.
    problem = coq_problem("scope", "Theorem scope : 1 + 1 = 2.", header="Require Import Reals.\n")
    honest = CoqVerifier(prelude="", timeout=60)
    sneaky = CoqVerifier(prelude="Require Import Reals Lra.\nOpen Scope R_scope.\n", timeout=60)
    assert honest.verify(problem, ["reflexivity"]).ok
    verdict = sneaky.verify(problem, ["lra"])
    assert not verdict.ok and "meaning changed" in verdict.reason


def test_a_change_deep_inside_the_statement_is_caught():
    # Coq prints subterms past depth 50 as "(...)": the nat/R difference hid there.
    deep = "True /\\ (" * 60 + "1 + 1 = 2" + ")" * 60
    problem = coq_problem("deep", f"Theorem deep : {deep}.", header="Require Import Reals.\n")
    sneaky = CoqVerifier(prelude="Require Import Reals Lra.\nOpen Scope R_scope.\n", timeout=60)
    verdict = sneaky.verify(problem, ["repeat split"])
    assert not verdict.ok and "meaning changed" in verdict.reason, verdict.reason


def test_printed_messages_cannot_fake_the_assumptions(verifier):
    fake = 'idtac "Closed under the global context"'
    assert verifier.verify(PROBLEM, [fake, "intros x H", "lra"]).ok  # harmless noise is fine
    problem = coq_problem("fake", "Theorem fake : False.", header="Axiom cheat : False.\n")
    assert verifier.verify(problem, ["exact cheat"]).ok  # declared in the header: allowed


def test_assumptions_are_sorted_by_origin():
    output = """Axioms:
ClassicalDedekindReals.sig_forall_dec
  : forall P : nat -> Prop, P 0
Own.M.cheat : False
Own.top : nat
Own.neg is assumed to be positive.
classic : forall P : Prop, P \\/ ~ P
"""
    assert classify_assumptions(output, "Own", {"top"}) == Assumptions(
        declared=("top",), unproved=("M.cheat",), unsafe=("neg is assumed to be positive.",),
        library=("ClassicalDedekindReals.sig_forall_dec", "classic"))
    assert classify_assumptions("Closed under the global context\n", "Own", set()) == Assumptions()
    assert classify_assumptions("Error: no such theorem", "Own", set()) is None


# -- the file's own admitted lemmas and axioms (issue 19, item 1) ------------------------------

@pytest.fixture(scope="module")
def bare():
    return CoqVerifier(prelude="", timeout=60)


MODULES = """Module Basics.
  Lemma incr : forall n, n + 1 = S n. Admitted.
  Axiom twice : forall n, n + n = 2 * n.
  Module Inner.
    Lemma deep : 3 = 3. Admitted.
  End Inner.
End Basics.
Lemma top_admitted : 4 = 4. Admitted.
Parameter p : nat.
Section S.
  Variable v : nat.
  Lemma in_section : v = v. Admitted.
End S.
"""


@pytest.mark.parametrize(
    ("proof", "named"),
    [
        (["exact (Basics.incr 2)"], "Basics.incr"),
        (["assert (3 = 3) by exact Basics.Inner.deep", "reflexivity"], "Basics.Inner.deep"),
        (["assert (4 = 4) by exact top_admitted", "reflexivity"], "top_admitted"),
        (["assert (0 = 0) by exact (in_section 0)", "reflexivity"], "in_section"),
    ],
)
def test_a_proof_through_an_admitted_lemma_of_the_file_is_refused_and_named(bare, proof, named):
    verdict = bare.verify(coq_problem("t", "Theorem t : 2 + 1 = 3.", header=MODULES), proof)
    assert not verdict.ok and "Admitted" in verdict.reason and named in verdict.reason, verdict.reason


def test_the_same_problem_without_the_admitted_lemmas_verifies(bare):
    verdict = bare.verify(coq_problem("t", "Theorem t : 2 + 1 = 3.", header=MODULES), ["reflexivity"])
    assert verdict.ok and verdict.reason == "coqc accepted the proof", verdict.reason


def test_a_module_imported_by_the_header_still_names_its_admitted_lemma(bare):
    # Inside the file `incr` prints unqualified, like a library axiom that was imported.
    problem = coq_problem("t", "Theorem t : 2 + 1 = 3.", header=MODULES + "Import Basics.\n")
    verdict = bare.verify(problem, ["exact (incr 2)"])
    assert not verdict.ok and "Basics.incr" in verdict.reason, verdict.reason


def test_the_files_declared_axioms_are_allowed_and_named(bare):
    problem = coq_problem("t", "Theorem t : 2 + 2 = 2 * 2 /\\ p = p.", header=MODULES)
    verdict = bare.verify(problem, ["split", "exact (Basics.twice 2)", "reflexivity"])
    assert verdict.ok, verdict.reason
    assert verdict.reason == "coqc accepted the proof, using the header's axioms: Basics.twice, p"


def test_library_axioms_are_allowed_even_when_imported(bare):
    # Print Assumptions prints an imported library axiom unqualified (`classic`).
    problem = coq_problem("em", "Theorem em : forall P : Prop, P \\/ ~ P.", header="Require Import Classical.\n")
    verdict = bare.verify(problem, ["exact classic"])
    assert verdict.ok and verdict.reason == "coqc accepted the proof", verdict.reason


def test_definitions_whose_kernel_checks_were_turned_off_are_refused(bare):
    header = "Unset Guard Checking.\nFixpoint bad (n : nat) : False := bad n.\nSet Guard Checking.\n"
    verdict = bare.verify(coq_problem("f", "Theorem f : False.", header=header), ["exact (bad 0)"])
    assert not verdict.ok and "bad is assumed to be guarded" in verdict.reason, verdict.reason


def test_a_header_that_leaves_a_module_and_a_section_open(bare):
    header = "Module M.\nSection S.\nVariable A : Type.\nHypothesis H : forall x : A, x = x.\n"
    problem = coq_problem("t", "Lemma t (a : A) : a = a /\\ True.", header=header)
    verdict = bare.verify(problem, ["split", "apply H", "exact I"])
    assert verdict.ok, verdict.reason
    assert verdict.checked_file.rstrip().endswith("Qed.\nEnd S.\nEnd M.")
    assert not bare.verify(problem, ["split", "apply H"]).ok


# -- headers that print (item 3) and statement forms (item 5) -----------------------------------

PRINTING = """Require Import Arith.
Compute 1 + 1.
Check nat.
Print nat.
Search (_ + 0 = _).
About Nat.add.
Locate "+".
Eval compute in 2 * 3.
Definition double (n : nat) := n + n.
Print double.
"""


def test_a_header_that_prints_still_lets_its_lemma_be_proved(verifier):
    problem = coq_problem("d", "Lemma d : double 2 = 4.", header=PRINTING)
    verdict = verifier.verify(problem, ["reflexivity"])
    assert verdict.ok, verdict.reason


@pytest.mark.parametrize(
    ("statement", "proof"),
    [
        ("Theorem t {A} (l : list A) : l ++ nil = l.", ["apply app_nil_r"]),
        ("Lemma t [A] (x : A) : x = x.", ["reflexivity"]),
        ("Lemma t `{Inhabited nat} (x y : nat) : x + y = y + x.", ["apply Nat.add_comm"]),
        ("Example t : forall n : nat, n + 0 = n.", ["intros n", "rewrite Nat.add_0_r", "reflexivity"]),
        ("Corollary t : forall {A : Type} (x : A), x = x.", ["reflexivity"]),
        ("#[local] Fact t (n : nat) : n = n.", ["reflexivity"]),
        ("Definition t (n : nat) : {m : nat | m = n}.", ["exists n", "reflexivity"]),
        ("Goal forall n : nat, 0 + n = n.", ["reflexivity"]),
    ],
)
def test_every_statement_form_verifies(bare, statement, proof):
    unicode = f"(* {'∀' * 60}: Coq's record of the file counts bytes *)\n"
    header = unicode + "Require Import List Arith.\nClass Inhabited (A : Type) := { inhabitant : A }.\n"
    problem = coq_problem("t", statement, header=header + "Goal True. exact I. Qed.\n")
    verdict = bare.verify(problem, proof)
    assert verdict.ok, verdict.reason
    assert not bare.verify(problem, ["admit"]).ok
