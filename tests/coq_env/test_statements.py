"""Reading a statement's keyword and name, and the sections and modules a header leaves open."""

import pytest

from coq_env.sentences import SentenceError
from coq_env.statements import Block, closing_sentences, open_blocks, parse_statement, theorem_name, without_module_types


@pytest.mark.parametrize(
    ("statement", "keyword", "name"),
    [
        ("Theorem mathd_algebra_107:\n  forall x : R, x = x.", "Theorem", "mathd_algebra_107"),
        ("Theorem t {A} (l : list A) : l = l.", "Theorem", "t"),
        ("Lemma t{A}: forall l : list A, l = l.", "Lemma", "t"),
        ("Lemma t [A] (l : list A) : l = l.", "Lemma", "t"),
        ("Lemma t `{Eq A} (x y : nat) : x = x.", "Lemma", "t"),
        ("(* doc *) Corollary c' : True.", "Corollary", "c'"),
        ("#[local] Fact f : True.", "Fact", "f"),
        ("Local Remark r : True.", "Remark", "r"),
        ("#[universes(polymorphic)] Polymorphic Proposition p : True.", "Proposition", "p"),
        ("Property q : True.", "Property", "q"),
        ("Example e : 1 + 1 = 2.", "Example", "e"),
        ("Definition d (n : nat) : nat.", "Definition", "d"),
        ("Definition d (f : nat -> nat := S) : let x := 1 in x = x.", "Definition", "d"),
        ("Definition d : {x : nat | x = 1}.", "Definition", "d"),
        ("Lemma αβ : True.", "Lemma", "αβ"),
        ("Goal forall n : nat, n = n.", "Goal", None),
        ("Goal(True).", "Goal", None),
    ],
)
def test_every_statement_form_gives_its_keyword_and_name(statement, keyword, name):
    assert parse_statement(statement).keyword == keyword
    assert parse_statement(statement).name == name
    assert theorem_name(statement) == (name or "Unnamed_thm")


@pytest.mark.parametrize("statement", ["Definition d := 1.", "Definition d (n : nat) : nat := n.",
                                       "Example e : True := I.", "Definition d : let x := 1 in nat := 2.",
                                       "Lemmas x : True.", "Program Lemma p : True.", "Fixpoint f (n : nat) : nat.",
                                       "Theorem : True.", "Goals True.", "lra."])
def test_what_opens_no_named_proof_is_refused(statement):
    with pytest.raises(SentenceError):
        parse_statement(statement)


def test_open_blocks_follow_sections_and_modules():
    header = """
Module A.
  Module B := Nat.
  Module C : Nat := Nat.
  Section S. Variable x : nat. End S.
  Module Import D.
    (* Module Fake. *)
    Section T.
"""
    assert open_blocks(header) == [Block("Module", "A"), Block("Module", "D"), Block("Section", "T")]
    assert closing_sentences(open_blocks(header)) == "End T.\nEnd D.\nEnd A.\n"
    assert open_blocks(header + "End T. End D. End A.") == []


def test_functors_and_module_types_are_marked():
    assert open_blocks("Module F (X : T) <: S.") == [Block("Module", "F", functor=True)]
    assert open_blocks("Module Type T.") == [Block("Module Type", "T")]
    assert open_blocks("Module M : T with Definition t := nat.") == [Block("Module", "M")]
    assert open_blocks("Module Export M <: T.") == [Block("Module", "M")]
    assert not Block("Section", "S").qualifies and Block("Module", "M").qualifies


def test_modules_left_open_lose_their_module_type_and_nothing_else_changes():
    text = (
        "Module Type T. Parameter x : nat. End T.\n"
        "Module Closed <: T. Definition x := 0. End Closed.\n"
        "Module Import Outer (* the outer one *) : T with Definition x := 1.\n"
        "  Module Inner <: T <: T.\n"
        "    Module Plain.\n"
        "      Module Alias : T := Closed.\n"
        "      Definition y := 2.\n"
    )
    assert without_module_types(text) == (
        "Module Type T. Parameter x : nat. End T.\n"
        "Module Closed <: T. Definition x := 0. End Closed.\n"
        "Module Import Outer.\n"
        "  Module Inner.\n"
        "    Module Plain.\n"
        "      Module Alias : T := Closed.\n"
        "      Definition y := 2.\n"
    )
    assert without_module_types("Module Type S.\n  Parameter z : nat.\n") == "Module Type S.\n  Parameter z : nat.\n"
