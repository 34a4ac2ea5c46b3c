"""``prove fill``'s whole-file check of an Isabelle theory, against recorded server replies.

The recordings are of a theory laid out as ``Example.thy``: their messages point to line 5.
Each file here is laid out so that line 5 is the place under test: a proof's line (an error
of the file), or the line of a lemma's ``thm_oracles`` audit (an error there refuses the
lemma; the passing recording's message there, ``theorem ...``, names no oracle). What
``thm_oracles`` prints has no recording, so the ``skip_proof`` case is not tested here.
"""

from __future__ import annotations

from isabelle_env.holes import IsabelleFiles, find_holes
from prover.fill import FileCheck, FillStatus, HoleOutcome, settle
from tests.isabelle_env.conftest import checks, session_script
from tests.isabelle_env.replay import Answer, ReplayServer

FAILED = "Failed to finish proof:\ngoal (1 subgoal):\n 1. \\<And>x y. x = y"
#: The proof on line 5, where the failing recording's error is.
OWN_LINE = 'theory Example\nimports Main\nbegin\nlemma foo: "\\<forall>x y. x = y"\n  sorry\nend\n'
#: The proof on line 4, so that the audit of ``foo`` is line 5.
ONE_LINE = 'theory Example\nimports Main\nbegin\nlemma foo: "\\<forall>x y. x = y" sorry\nend\n'


def lines(text: str) -> list[str]:
    return text.split("\n")


def files_on(script: list[Answer]) -> tuple[IsabelleFiles, ReplayServer]:
    server = ReplayServer(script).__enter__()
    return IsabelleFiles(timeout=30.0, server=server.info_line), server


def test_a_passing_check_runs_in_a_fresh_session_under_a_fresh_name_with_every_line_kept():
    files, server = files_on(session_script(*checks("use_theories")))
    try:
        assert files.check_file(OWN_LINE) == FileCheck(None, ())
    finally:
        server.__exit__()
    assert [r.command for r in server.replay.requests] == [
        "session_start", "use_theories", "purge_theories", "session_stop"]
    sent = server.replay.requests[1].theory
    name = server.replay.requests[1].arguments["theories"][0]
    assert name.startswith("Fill_") and lines(sent) == [f"theory {name}", *lines(OWN_LINE)[1:]]
    assert server.replay.unexpected == []


def test_a_failing_check_names_the_first_errors_line_in_the_users_file():
    files, server = files_on(session_script(*checks("use_theories.Fail")))
    try:
        assert files.check_file(OWN_LINE.replace("sorry", "by auto")) == FileCheck((5, FAILED), ())
    finally:
        server.__exit__()


def settled_after_a_failing_check(text: str) -> tuple[HoleOutcome, str, FileCheck, ReplayServer]:
    """Settle ``text``'s one hole filled with ``by auto`` against a failing check, then a passing one."""
    (hole,) = find_holes(text, "Example")
    outcome = HoleOutcome(hole, FillStatus.FILLED, ["by auto"], "by auto")
    files, server = files_on(session_script(*checks("use_theories.Fail")) + session_script(*checks("use_theories")))
    try:
        output, check = settle(text, [outcome], files)
    finally:
        server.__exit__()
    return outcome, output, check, server


def test_a_filled_proof_that_breaks_the_file_is_put_back_and_the_file_checked_again():
    outcome, output, check, server = settled_after_a_failing_check(OWN_LINE)
    assert output == OWN_LINE and check == FileCheck(None, ())
    assert outcome.status is FillStatus.REVERTED and f"line 5: {FAILED}" in outcome.detail
    first = lines(server.replay.requests[1].theory)
    assert (first[4], first[5], first[6]) == ("  by auto", "thm_oracles foo", "end")
    assert "thm_oracles" not in server.replay.requests[5].theory  # nothing filled is left to audit


def test_an_error_on_a_lemmas_audit_line_refuses_that_lemma_and_is_no_error_of_the_file():
    outcome, output, check, server = settled_after_a_failing_check(ONE_LINE)
    assert outcome.status is FillStatus.REVERTED and f"its audit failed: {FAILED}" in outcome.detail
    audited = lines(server.replay.requests[1].theory)
    assert (audited[3], audited[4], audited[5]) == ('lemma foo: "\\<forall>x y. x = y" by auto', "thm_oracles foo", "end")
    assert output == ONE_LINE and check == FileCheck(None, ())


def test_an_audit_line_whose_message_names_no_oracle_passes_and_a_proof_still_saying_sorry_does_not():
    filled = ONE_LINE.replace("sorry", "by auto")
    files, server = files_on(session_script(*checks("use_theories")) + session_script(*checks("use_theories")))
    try:
        (hole,) = find_holes(ONE_LINE, "Example")
        offset = filled.index("lemma")
        assert files.check_file(filled, [(offset, hole)]) == FileCheck(None, ("",))
        assert files.check_file(ONE_LINE, [(offset, hole)]) == FileCheck(None, ("its proof still says sorry",))
    finally:
        server.__exit__()
    assert server.replay.unexpected == []


def test_a_check_past_its_timeout_is_an_error_and_its_task_cancelled():
    script = [Answer("session_start", "session_start"), Answer("use_theories", "use_theories", held=True),
              Answer("cancel", "cancel"), Answer("purge_theories", "purge_theories"),
              Answer("session_stop", "session_stop")]
    server = ReplayServer(script).__enter__()
    try:
        check = IsabelleFiles(timeout=1.0, server=server.info_line).check_file(OWN_LINE)
    finally:
        server.__exit__()
    assert check.error == (0, "the Isabelle server did not finish `use_theories` within 1 s")
    assert server.replay.unexpected == []
