"""Every recorded request/reply pair replayed through the real client code.

Each transcript runs in its own replay REPL process (a fresh REPL per ``.in``
file, as upstream runs them). The client encodes the typed request, the
server checks it against the recording the way the REPL parses input, and the
recorded reply must come back as the right typed result or typed error with
nothing lost.
"""

from __future__ import annotations

import json

import pytest
from tests.lean_env.conftest import FIXTURES, pair_names, replay_argv
from lean_replay import read_replies, read_requests

from lean_env.errors import (LeanError, ReplMessageError, UnknownEnvironmentError,
                             UnknownProofStateError)
from lean_env.process import ReplProcess
from lean_env.protocol import (COMMAND_REQUESTS, Command, CommandResponse, Message,
                               ProofStep, ProofStepResponse, Sorry, encode_request,
                               request_from_json)
from prover.env import UnknownStateError


def _pos(data):
    return None if data is None else (data["line"], data["column"])


def assert_message(message: Message, recorded: dict) -> None:
    assert message.severity == recorded["severity"]
    assert message.data == recorded["data"]
    assert (message.pos.line, message.pos.column) == _pos(recorded["pos"])
    assert (message.end_pos.line, message.end_pos.column) == _pos(recorded["endPos"])


def assert_sorry(sorry: Sorry, recorded: dict) -> None:
    assert sorry.goal == recorded["goal"]
    assert sorry.proof_state == recorded.get("proofState")
    assert (sorry.pos and (sorry.pos.line, sorry.pos.column)) == _pos(recorded.get("pos"))
    assert (sorry.end_pos and (sorry.end_pos.line, sorry.end_pos.column)) == _pos(
        recorded.get("endPos"))


def assert_reply(reply, recorded: dict) -> None:
    """The typed reply carries every field of the recorded JSON reply."""
    assert len(reply.messages) == len(recorded.get("messages", []))
    for message, raw in zip(reply.messages, recorded.get("messages", [])):
        assert_message(message, raw)
    assert len(reply.sorries) == len(recorded.get("sorries", []))
    for sorry, raw in zip(reply.sorries, recorded.get("sorries", [])):
        assert_sorry(sorry, raw)
    if isinstance(reply, CommandResponse):
        assert set(recorded) <= {"env", "messages", "sorries", "tactics", "infotree"}
        assert reply.env == recorded["env"]
        assert reply.infotree == recorded.get("infotree")
        assert [(t.tactic, t.goals, t.proof_state, t.used_constants) for t in reply.tactics] == [
            (t["tactic"], t["goals"], t["proofState"], tuple(t["usedConstants"]))
            for t in recorded.get("tactics", [])]
    else:
        assert isinstance(reply, ProofStepResponse)
        assert set(recorded) <= {"proofState", "goals", "proofStatus", "messages", "sorries",
                                 "traces"}
        assert reply.proof_state == recorded["proofState"]
        assert list(reply.goals) == recorded["goals"]
        assert reply.proof_status == recorded["proofStatus"]
        assert reply.completed == (recorded["proofStatus"] == "Completed")
        assert list(reply.traces) == recorded.get("traces", [])
    assert reply.errors == tuple(m for m in reply.messages if m.severity == "error")


ALL_PAIRS = pair_names()


def test_all_71_recorded_pairs_are_vendored():
    assert len(ALL_PAIRS) == 71
    assert sum(len(read_requests(FIXTURES / f"{name}.in")) for name in ALL_PAIRS) > 200


@pytest.mark.parametrize("name", ALL_PAIRS)
def test_recorded_pair_replays_into_typed_results(name):
    requests = read_requests(FIXTURES / f"{name}.in")
    replies = [json.loads(text) for text in read_replies(FIXTURES / f"{name}.expected.out")]
    assert len(requests) == len(replies)
    process = ReplProcess(replay_argv(name))
    try:
        for raw_request, recorded in zip(requests, replies):
            request = request_from_json(raw_request)
            assert request.to_json() == raw_request
            if "message" in recorded:
                with pytest.raises(ReplMessageError) as caught:
                    process.request(request, timeout=20)
                assert caught.value.message == recorded["message"]
                continue
            reply = process.request(request, timeout=20)
            expected = CommandResponse if isinstance(request, COMMAND_REQUESTS) else ProofStepResponse
            assert isinstance(reply, expected)
            assert_reply(reply, recorded)
    finally:
        process.close()
    assert process.returncode == 0, process.stderr_tail


@pytest.mark.parametrize("name, index, error", [
    ("unknown_environment", 0, UnknownEnvironmentError),
    ("unknown_proof_state", 1, UnknownProofStateError),
    ("unknown_tactic", 1, LeanError),
    ("self_proof_check", 2, LeanError),
    ("app_type_mismatch2", 6, LeanError),
    ("mathlib/exact", 4, LeanError),
])
def test_recorded_error_replies_become_typed_errors(name, index, error):
    requests = [request_from_json(r) for r in read_requests(FIXTURES / f"{name}.in")]
    process = ReplProcess(replay_argv(name))
    try:
        for request in requests[:index]:
            process.request(request, timeout=20)
        with pytest.raises(error) as caught:
            process.request(requests[index], timeout=20)
    finally:
        process.close()
    if error is UnknownProofStateError:
        assert isinstance(caught.value, UnknownStateError)
    if error is LeanError:
        assert caught.value.detail and not caught.value.detail.startswith("Lean error")


def test_failed_tactic_still_returns_a_proof_state_with_an_error():
    """``invalid_tactic``: the step is answered, but only its error message says it failed."""
    process = ReplProcess(replay_argv("invalid_tactic"))
    try:
        opened = process.request(Command("theorem my_theorem (x : Nat) : x = x := by sorry"), 20)
        step = process.request(ProofStep("exact my_fake_premise", opened.sorries[0].proof_state), 20)
    finally:
        process.close()
    assert [m.severity for m in opened.messages] == ["warning"] and not opened.errors
    assert step.proof_state == 1 and step.goals == ()
    assert not step.completed
    assert [m.data for m in step.errors] == ["Unknown identifier `my_fake_premise`"]


def test_requests_are_one_json_line_then_a_blank_line():
    tactic = "induction x with\n| zero => sorry\n| succ x => sorry"
    data = encode_request(ProofStep(tactic, 0))
    assert data.endswith(b"}\n\n") and data.count(b"\n") == 2
    assert json.loads(data.decode("utf-8")) == {"tactic": tactic, "proofState": 0}
    assert "⊢ ℝ".encode("utf-8") in encode_request(Command("example : ⊢ ℝ"))
