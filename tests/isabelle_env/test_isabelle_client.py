"""The server client against recorded replies: sessions, checks, errors, broken and slow replies."""

from __future__ import annotations

import time

import pytest

from isabelle_env.client import ServerAddress, ServerClient
from isabelle_env.errors import IsabelleCommandError, IsabelleConnectionError, IsabelleTimeoutError
from isabelle_env.results import TheoryResult, goals_in
from isabelle_env.sledgehammer import try_this_proofs
from prover.env import Goal, ProverCrashError
from tests.isabelle_env.replay import PASSWORD, Answer, ReplayServer, recording


def client(server: ReplayServer) -> ServerClient:
    """A client of the replay server."""
    return ServerClient(ServerAddress("127.0.0.1", server.port, PASSWORD))


def use_theories(fixture: str) -> TheoryResult:
    """The result of one ``use_theories`` answered with the recording ``fixture``."""
    with ReplayServer([Answer("use_theories", fixture)]) as server:
        reply = client(server).request("use_theories", {"session_id": "s", "theories": ["Example"]},
                                       timeout=10, asynchronous=True)
    assert reply.kind == "FINISHED"
    return TheoryResult.from_json(reply.body)


def test_session_start_sends_the_password_first_and_returns_the_session_id():
    with ReplayServer([Answer("session_start", "session_start")]) as server:
        reply = client(server).request("session_start", {"session": "HOL"}, timeout=10, asynchronous=True)
        [request] = server.replay.requests
    assert (request.password, request.command, request.arguments) == (PASSWORD, "session_start", {"session": "HOL"})
    assert reply.kind == "FINISHED"
    assert reply.task == "f7c584bf-8f8c-43cc-b4c1-b26789d68719"
    assert reply.body["session_id"] == "167dd6d8-1eeb-4315-8022-c8c527d9bd87"
    assert len(reply.notes) == 15 and reply.notes[-1]["message"] == "Starting session Main ..."


def test_a_theory_that_checks_has_no_errors_and_positioned_messages():
    result = use_theories("use_theories")
    assert result.ok and result.errors == ()
    [message] = result.messages
    assert message.kind == "writeln" and message.text == "theorem \\<forall>x. \\<exists>y. x = y"
    assert (message.line, message.offset, message.end_offset, message.file) == (5, 59, 61, "Example.thy")


def test_a_failing_theory_maps_its_error_with_position_and_goals():
    result = use_theories("use_theories.Fail")
    assert not result.ok
    [error] = result.errors
    assert (error.line, error.offset, error.end_offset, error.file) == (5, 59, 61, "Example.thy")
    assert error.text == "Failed to finish proof:\ngoal (1 subgoal):\n 1. \\<And>x y. x = y"
    assert goals_in(error.text) == (Goal((), "\\<And>x y. x = y"),)
    assert result.on_lines(5, 5)[0].kind == "writeln" and result.on_lines(6, 9) == ()


def test_sledgehammer_answers_become_candidate_proofs_without_timings():
    result = use_theories("use_theories.Sledgehammer")
    assert try_this_proofs(result.on_lines(5, 5)) == [
        "by presburger", "by simp", "by auto", "by blast", "by fast", "by metis"]


def test_purge_theories_is_synchronous():
    with ReplayServer([Answer("purge_theories", "purge_theories")]) as server:
        reply = client(server).request("purge_theories", {"session_id": "s", "theories": ["Mock"]}, timeout=10)
    assert reply.kind == "OK" and reply.body["purged"][0]["theory_name"] == "Draft.Mock"


def test_an_unknown_command_is_a_command_error():
    with ReplayServer([Answer("unknown", "unknown")]) as server:
        with pytest.raises(IsabelleCommandError, match="Bad command 'unknown'") as caught:
            client(server).request("unknown", timeout=10)
    assert caught.value.command == "unknown"


@pytest.mark.parametrize("cut", [
    len(recording("use_theories")) - 200,  # inside the FINISHED message's counted bytes
    recording("use_theories").index(b"161\n") + 2,  # inside a byte-count line
    recording("use_theories").index(b"NOTE") + 30,  # inside a NOTE's counted bytes
])
def test_a_connection_closed_mid_reply_is_a_clear_error_at_once(cut):
    with ReplayServer([Answer("use_theories", "use_theories", cut=cut)]) as server:
        started = time.monotonic()
        with pytest.raises(IsabelleConnectionError, match="closed the connection in the middle of its reply "
                                                          "to `use_theories`") as caught:
            client(server).request("use_theories", {"session_id": "s", "theories": ["Example"]},
                                   timeout=30, asynchronous=True)
    assert time.monotonic() - started < 10
    assert isinstance(caught.value, ProverCrashError)


def test_a_task_past_its_timeout_is_cancelled():
    script = [Answer("use_theories", "use_theories", held=True), Answer("cancel", "cancel")]
    with ReplayServer(script) as server:
        started = time.monotonic()
        with pytest.raises(IsabelleTimeoutError, match="within 1 s"):
            client(server).request("use_theories", {"session_id": "s", "theories": ["Example"]},
                                   timeout=1.0, asynchronous=True)
        elapsed = time.monotonic() - started
        cancel = server.replay.requests[-1]
    assert elapsed < 10
    assert (cancel.command, cancel.arguments) == ("cancel", {"task": "18c8e507-96c8-4bc8-9cb0-db4558bda07f"})
    assert server.replay.unexpected == []


def test_no_server_listening_is_a_connection_error():
    with ReplayServer([]) as server:
        port = server.port
    with pytest.raises(IsabelleConnectionError, match="cannot connect"):
        ServerClient(ServerAddress("127.0.0.1", port, PASSWORD)).request("help", timeout=5)
