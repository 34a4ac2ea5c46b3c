import pytest

from coq_env.sentences import (
    SentenceError,
    check_tactic_sentence,
    sentence_spans,
    split_sentences,
    tactic_sentences,
)


def test_split_respects_comments_strings_and_qualified_names():
    text = 'Require Import Coq.Reals.Reals. (* a. comment (* nested. *) *) Open Scope R_scope.\nDefinition s := "a. b".'
    assert split_sentences(text) == [
        "Require Import Coq.Reals.Reals.",
        "(* a. comment (* nested. *) *) Open Scope R_scope.",
        'Definition s := "a. b".',
    ]


def test_bullets_and_braces_are_sentences_of_their_own():
    assert split_sentences("split. - lra. - { nia. }") == ["split.", "-", "lra.", "-", "{", "nia.", "}"]


def test_tactic_gets_a_final_period_and_whitespace_is_normalised():
    assert tactic_sentences("intros x\n  y") == ["intros x y."]
    assert tactic_sentences("intros. lra") == ["intros.", "lra."]


@pytest.mark.parametrize(
    "tactic",
    ["admit.", "give_up.", "Admitted.", "Abort.", "Qed.", "Axiom cheat : False.",
     "Theorem t2 : True.", "Require Import Classical.", "#[local] Hint Resolve I.", "intros. admit.",
     "solve [admit]."],
)
def test_escapes_and_vernacular_are_refused(tactic):
    with pytest.raises(SentenceError):
        tactic_sentences(tactic)


def test_unclosed_comment_is_refused_before_it_reaches_coq():
    with pytest.raises(SentenceError):
        tactic_sentences("lra. (* never closed")


def test_ordinary_tactics_pass():
    for sentence in ["lra.", "intros; first [lra | nia].", "-", "assert (H : 0 < 1) by lra.", "exact (admit_free 1)."]:
        assert check_tactic_sentence(sentence) is None, sentence


def test_spans_locate_each_sentence_and_its_first_code():
    text = "(* doc *)\nLemma a : True.\n  - exact I.\n(* tail *) Qed."
    spans = sentence_spans(text)
    assert [text[s.code : s.end] for s in spans] == ["Lemma a : True.", "-", "exact I.", "Qed."]
    assert text[spans[0].start : spans[0].end].startswith("(* doc *)")
    assert text[spans[3].start : spans[3].end].strip() == "(* tail *) Qed."


def test_a_goal_selector_opening_a_brace_is_a_sentence_of_its_own() -> None:
    """coqtop reads ``2:{`` as a sentence: sent with what follows, every later reply would be misread."""
    text = "replace a with b.\n  2:{ rewrite x. now f_equal. }\n  [H]: { auto. }\n  2: auto."
    assert split_sentences(text) == ["replace a with b.", "2:{", "rewrite x.", "now f_equal.", "}", "[H]: {", "auto.", "}", "2: auto."]


def test_an_ellipsis_ends_a_sentence_and_two_periods_do_not() -> None:
    """``tac...`` (``Proof with``'s terminator) is a sentence; ``..`` of recursive notations is not an end."""
    text = ("Proof with trivial.\n  apply Rsqr_inj...\n  prove_sup...\n"
            "Notation \"'ex2' x .. y , p\" := (ex (fun x => .. (ex (fun y => p)) ..)) (at level 200).\nQed.")
    assert split_sentences(text) == ["Proof with trivial.", "apply Rsqr_inj...", "prove_sup...",
                                     "Notation \"'ex2' x .. y , p\" := (ex (fun x => .. (ex (fun y => p)) ..)) (at level 200).", "Qed."]
