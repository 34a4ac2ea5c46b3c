"""Raw samples to distinct, usable tactics."""

from __future__ import annotations

from prover.generators.base import Suggestion
from prover.engines.base import Sample, cut_at_stop
from prover.generators.cleaning import clean_samples, clean_tactic
from prover.generators.prompting import PromptTemplate

COQ = PromptTemplate.for_backend("coq")
LEAN = PromptTemplate.for_backend("lean")


def test_cut_at_the_earliest_stop() -> None:
    assert cut_at_stop("lia.\n---\nmore", ("\n---",)) == "lia."
    assert cut_at_stop("a\n\nb\n---", ("\n---", "\n\n")) == "a"
    assert cut_at_stop("no stop here", ("\n---",)) == "no stop here"


def test_coq_tactics_are_one_sentence_ending_with_a_dot() -> None:
    assert clean_tactic("  intros x y. lia.\n---", COQ) == "intros x y."
    assert clean_tactic("lia", COQ) == "lia."
    assert clean_tactic("rewrite Nat.add_comm.", COQ) == "rewrite Nat.add_comm."
    assert clean_tactic("assert (h : x = 1.5).", COQ) == "assert (h : x = 1.5)."
    assert clean_tactic("apply\n  foo.", COQ) == "apply foo."


def test_lean_tactics_keep_their_lines() -> None:
    assert clean_tactic("nlinarith [sq_nonneg (a - b)]\n---", LEAN) == "nlinarith [sq_nonneg (a - b)]"


def test_empty_and_overlong_tactics_are_dropped() -> None:
    assert clean_tactic("   \n---", COQ) is None
    assert clean_tactic(".", COQ) is None
    assert clean_tactic("---", LEAN) is None
    assert clean_tactic("x" * (COQ.max_tactic_chars + 1), COQ) is None


def test_duplicates_keep_their_best_logprob_and_order_is_best_first() -> None:
    samples = [
        Sample("lia.\n---", -3.0),
        Sample(" lia.", -1.0),
        Sample("nra.\n---", -2.0),
        Sample("\n---", -0.1),
        Sample("lia", -5.0),
    ]
    assert clean_samples(samples, COQ, k=8) == [Suggestion("lia.", -1.0), Suggestion("nra.", -2.0)]
    assert clean_samples(samples, COQ, k=1) == [Suggestion("lia.", -1.0)]
