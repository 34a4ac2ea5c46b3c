"""The fresh-coqc re-check: what it accepts and what it refuses."""

import pytest

from coq_env.verify import CoqVerifier, parse_axioms
from coq_env.env import default_prelude
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


def test_printed_messages_cannot_fake_the_assumptions(verifier):
    fake = 'idtac "Closed under the global context"'
    assert verifier.verify(PROBLEM, [fake, "intros x H", "lra"]).ok  # harmless noise is fine
    problem = coq_problem("fake", "Theorem fake : False.", header="Axiom cheat : False.\n")
    assert verifier.verify(problem, ["exact cheat"]).ok  # declared in the header: allowed


def test_parse_axioms():
    output = "Axioms:\nClassicalDedekindReals.sig_forall_dec\n  : forall P : nat -> Prop, P 0\ncheat : False\n"
    assert parse_axioms(output) == ["ClassicalDedekindReals.sig_forall_dec", "cheat"]
    assert parse_axioms("Closed under the global context\n") == []
