"""Long tactics, odd bytes and huge goals: Coq sees what was sent, and Python's share of a step stays small."""

import re
import time

import pytest

from coq_env.goals import parse_display
from coq_env.session import Reply
from prover.env import Progress, Proved, TacticError, Timeout
from tests.conftest import LOOP, coq_problem, requires_coq

CONJ = coq_problem("conj", "Theorem conj : forall (n : nat) (x : R), (n + 0 = n)%nat /\\ x + 0 = x.")


@requires_coq
@pytest.mark.timeout(120)
def test_a_140_kB_tactic_runs_whole_in_seconds(coq_env):
    # Before: splitting it took minutes, and the terminal cut the line at 4095 bytes, so coqtop
    # waited for the rest of the sentence until the timeout.
    root = coq_env.open(CONJ)
    tactic = "idtac; " * 20_000 + "intros n x"
    started = time.perf_counter()
    result = coq_env.step(root.id, tactic)
    assert isinstance(result, Progress), result
    assert result.state.goals[0].hypotheses == ("n : nat", "x : R")
    assert time.perf_counter() - started < 10
    assert coq_env.restarts == 0


@requires_coq
@pytest.mark.parametrize("tactic", ["xx\x7f\x7fintros", "junk \x15intros", "intros \x03", "intros \x13"])
def test_control_characters_reach_coq_unedited(coq_env, tactic):
    # A terminal in line mode erased "xx" (DEL) or "junk " (^U) and ran `intros`, interrupted
    # coqtop (^C) or froze its output until the timeout (^S). Coq must reject the bytes it is sent.
    root = coq_env.open(CONJ)
    result = coq_env.step(root.id, tactic)
    assert isinstance(result, TacticError) and "Lexer" in result.message, result
    assert coq_env.restarts == 0
    assert isinstance(coq_env.step(root.id, "intros"), Progress)


@requires_coq
@pytest.mark.timeout(60)
def test_a_long_line_that_coqtop_stops_reading_cannot_block_the_step(coq_env):
    # Coq reads strings inside comments and the splitter does not, so Coq ends the comment at the
    # first "*)" and runs LOOP as a sentence of its own while 140 kB of the line are still unsent:
    # a plain blocking write then waited for coqtop forever.
    root = coq_env.open(CONJ)
    result = coq_env.step(root.id, f'(* " (* " *) {LOOP}. ' + "idtac; " * 20_000 + "*) intros")
    assert isinstance(result, Timeout) and coq_env.restarts == 1
    assert isinstance(coq_env.step(root.id, "intros"), Progress)


@requires_coq
def test_goals_that_cannot_be_printed_are_a_failed_step_not_an_empty_state(coq_env):
    root = coq_env.open(CONJ)
    # A 20,000-deep term: printing it may overflow coqtop's stack (it does with an 8 MB stack).
    result = coq_env.step(root.id, "let t := eval cbv in (Nat.iter 20000 (fun l => cons 0 l) nil) in pose (l := t)")
    if isinstance(result, TacticError):
        assert "could not be shown" in result.message
    else:
        assert result.state.goals and result.state.goals[0].hypotheses[0].startswith("l :=")
    assert isinstance(coq_env.step(root.id, "intros"), Progress)


@pytest.mark.timeout(60)
def test_twenty_thousand_goals_parse_in_one_pass():
    count = 20_000
    display = "".join(
        [f"{count} goals (ID 1)\n  \n  n : nat\n  ============================\n  n = 1\n\n"]
        + [f"goal {i} (ID {i + 1}) is:\n n = {i}\n\n" for i in range(2, count + 1)]
    )
    started = time.process_time()
    parsed = parse_display(display)
    assert time.process_time() - started < 5  # milliseconds here; the per-index search took minutes
    assert parsed.count == count and parsed.first.target == "n = 1"
    assert parsed.targets == {i: f"n = {i}" for i in range(2, count + 1)}


@pytest.mark.timeout(60)
def test_a_hypothesis_of_two_hundred_thousand_lines_parses_in_one_pass():
    lines = ["H : 0 ="] + ["      0 + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0 +"] * 200_000 + ["      0"]
    display = "1 goal (ID 3)\n  \n  " + "\n  ".join(lines) + "\n  ============================\n  True\n"
    started = time.process_time()
    parsed = parse_display(display)
    assert time.process_time() - started < 5  # joining line by line took 19 s
    (hypothesis,) = parsed.first.hypotheses
    assert hypothesis.count("\n") == 200_001 and parsed.first.target == "True"


@pytest.mark.timeout(60)
def test_unclosed_message_tags_are_stripped_in_one_pass():
    output = "Toplevel input:\n> idtac " + "<infomsg>" * 100_000 + ".\n<warning>W</warning>Error: x.\n"
    started = time.process_time()
    text = Reply(output, 1, 1, "t").text
    assert time.process_time() - started < 5  # the regular expression took minutes
    assert text == re.sub(r"<warning>W</warning>", "", output)
    small = "a<infomsg>b</infomsg>c<warning>d<infomsg>e</warning>f</infomsg>g<warning>h"
    assert Reply(small, 1, 1, "t").text == re.sub(r"<(infomsg|warning)>.*?</\1>", "", small, flags=re.S)


@requires_coq
@pytest.mark.timeout(180)
def test_headers_with_a_10_kB_and_a_1_MB_sentence_load_prove_and_verify(coq_env):
    # Each header sentence, with the comments before it, goes to coqtop as one write; a terminal in
    # line mode kept 4095 bytes of it and the problem hung until its setup timeout.
    items = " ; ".join(str(i % 10) for i in range(3000))
    ten_kB = f"(* {'a long leading comment ' * 2000} *)\nDefinition l10 : list nat := [{items}]."
    one_MB = f"Definition big : nat :=\n  (* {'x' * 1_000_000} *)\n  length l10."
    header = f"Require Import List.\nImport ListNotations.\n{ten_kB}\n{one_MB}\n"
    assert len(ten_kB) > 10_000 and len(one_MB) > 1_000_000
    problem = coq_problem("big", "Theorem big_is : big = 3000.", header=header)
    root = coq_env.open(problem)
    assert root.goals[0].target == "big = 3000"
    assert isinstance(coq_env.step(root.id, "reflexivity"), Proved)
    assert coq_env.verify(problem, ["reflexivity"]).ok


@requires_coq
def test_header_sentences_reach_coqtop_as_written(coq_env):
    # A line break inside a string is part of its value: the search once saw a space there.
    header = 'Require Import String Ascii.\nDefinition s := "a\nb"%string.\n'
    problem = coq_problem("nl", 'Theorem nl : String.get 1 s = Some "010"%char.', header=header)
    root = coq_env.open(problem)
    assert isinstance(coq_env.step(root.id, "reflexivity"), Proved)
