"""``IsabelleEnv`` over a replay server: opening, steps, verification, Sledgehammer, timeouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from isabelle_env.backend import step_outcome
from isabelle_env.client import ServerAddress, ServerClient
from isabelle_env.results import TheoryResult
from isabelle_env.theory import Layout
from prover.env import Goal, ProverCrashError, Progress, Proved, TacticError, Timeout
from tests.isabelle_env.conftest import EXAMPLE, checks, session_script
from tests.isabelle_env.replay import PASSWORD, Answer, ReplayServer

GOAL = (Goal((), "\\<And>x y. x = y"),)


def lines(text: str) -> dict[int, str]:
    """``text``'s lines by their 1-based number, as Isabelle's positions count them."""
    return dict(enumerate(text.split("\n"), 1))


def test_open_checks_the_statement_with_the_probe_and_returns_its_goals(replay_env):
    env, server = replay_env(session_script(*checks("use_theories.Fail")))
    state = env.open(EXAMPLE)
    assert state.id == 0 and state.goals == GOAL
    start, check, purge = server.replay.requests
    assert start.arguments["session"] == "HOL-Number_Theory"
    name = check.arguments["theories"][0]
    assert check.arguments["session_id"] == "167dd6d8-1eeb-4315-8022-c8c527d9bd87"
    assert lines(check.theory)[1] == f"theory {name}" and name.startswith("Step_")
    assert [lines(check.theory)[n] for n in (4, 5, 6)] == ['lemma "\\<forall>x y. x = y"', "done", "end"]
    assert purge.arguments["theories"] == [name]
    assert not (Path(check.arguments["master_dir"]) / f"{name}.thy").exists()
    env.close()
    assert server.replay.requests[-1].command == "session_stop" and server.replay.unexpected == []


def test_a_failing_step_is_a_tactic_error_and_a_checking_one_proves(replay_env):
    env, server = replay_env(session_script(*checks("use_theories.Fail", "use_theories.Fail", "use_theories")))
    env.open(EXAMPLE)
    failed = env.step(0, "by auto")
    assert isinstance(failed, TacticError) and failed.message.startswith("Failed to finish proof:\ngoal (1 subgoal)")
    proved = env.step(0, "by simp")
    assert isinstance(proved, Proved) and proved.state.goals == ()
    by_auto = lines(server.replay.requests[3].theory)
    assert (by_auto[5], by_auto[6]) == ("by auto", "end")  # a step that ends the proof gets no probe
    assert server.replay.unexpected == []


def test_steps_that_break_the_rules_are_refused_without_asking_the_server(replay_env):
    env, server = replay_env(session_script(*checks("use_theories.Fail")))
    env.open(EXAMPLE)
    asked = len(server.replay.requests)
    for step in ("sorry", "apply auto sorry", "oops", "lemma foo: True by simp", "by auto\nend"):
        assert isinstance(env.step(0, step), TacticError), step
    assert len(server.replay.requests) == asked


def test_an_error_on_the_probe_line_gives_the_goals_left_by_the_step():
    with ReplayServer([Answer("use_theories", "use_theories.Fail")]) as server:
        reply = ServerClient(ServerAddress("127.0.0.1", server.port, PASSWORD)).request(
            "use_theories", {"session_id": "s", "theories": ["T"]}, timeout=10, asynchronous=True)
    result = TheoryResult.from_json(reply.body)
    # `apply ...` on line 4, the probe on line 5, where the recorded error lists the goal left.
    assert step_outcome(result, Layout(statement=(3, 3), steps=((4, 4),), probe=5, end=6)) == GOAL
    # The same error on the step's own line is the step's failure.
    assert isinstance(step_outcome(result, Layout(statement=(4, 4), steps=((5, 5),), probe=6, end=7)), TacticError)


def test_verify_checks_a_fresh_theory_without_probe_and_reports_the_first_error(replay_env):
    # Each check starts a session of its own (a fresh Isabelle process) and stops it after.
    env, server = replay_env(session_script(*checks("use_theories")) + session_script(*checks("use_theories.Fail")))
    good = env.verify(EXAMPLE, ["by auto"])
    assert good.ok and good.reason == ""
    text = lines(good.checked_file)
    assert text[1].startswith("theory Check_") and (text[4], text[5], text[6]) == (EXAMPLE.statement, "by auto", "end")
    bad = env.verify(EXAMPLE, ["apply auto"])
    assert not bad.ok and bad.reason.startswith("line 5: Failed to finish proof")
    assert lines(bad.checked_file)[6] == "done"  # an apply script is finished by `done`
    assert [r.command for r in server.replay.requests].count("session_stop") == 2
    assert server.replay.unexpected == []


@pytest.mark.parametrize("proof, why", [
    (["apply auto", "sorry"], "sorry"), (["by auto", "by simp"], "ends the proof before the last step"),
    (["apply simp", "oops"], "oops"), ([], "empty"), (["by (metis foo)\nlemma bar: False"], "lemma"),
])
def test_verify_rejects_cheating_proofs_before_checking(replay_env, proof, why):
    env, server = replay_env([])
    verdict = env.verify(EXAMPLE, proof)
    assert not verdict.ok and why in verdict.reason
    assert server.replay.requests == []


def test_sledgehammer_offers_its_try_this_proofs_for_a_state(replay_env):
    env, server = replay_env(session_script(*checks("use_theories.Fail", "use_theories.Sledgehammer")))
    env.open(EXAMPLE)
    assert env.sledgehammer(0) == ["by presburger", "by simp", "by auto", "by blast", "by fast", "by metis"]
    text = lines(server.replay.requests[-2].theory)
    assert (text[5], text[6]) == ("sledgehammer", "oops")


def test_a_step_past_its_timeout_is_a_timeout_and_its_task_cancelled(replay_env):
    script = session_script(*checks("use_theories.Fail"), Answer("use_theories", "use_theories", held=True),
                            Answer("cancel", "cancel"), Answer("purge_theories", "purge_theories"))
    env, server = replay_env(script, timeout=1.0)
    env.open(EXAMPLE)
    assert env.step(0, "apply auto") == Timeout(1.0)
    assert [r.command for r in server.replay.requests[-2:]] == ["cancel", "purge_theories"]


def test_a_reply_cut_off_mid_step_is_a_crash_not_a_hang(replay_env):
    script = session_script(*checks("use_theories.Fail"), Answer("use_theories", "use_theories", cut=300),
                            Answer("purge_theories", "purge_theories"))
    env, _ = replay_env(script, timeout=30.0)
    env.open(EXAMPLE)
    with pytest.raises(ProverCrashError, match="closed the connection in the middle"):
        env.step(0, "by auto")


def test_interrupt_refuses_further_work(replay_env):
    env, _ = replay_env(session_script(*checks("use_theories.Fail")))
    env.open(EXAMPLE)
    env.interrupt()
    with pytest.raises(ProverCrashError, match="interrupted"):
        env.step(0, "by auto")


def fake_isabelle(folder: Path, line: str) -> Path:
    """An ``isabelle`` executable that, like ``isabelle server``, prints ``line`` and stays up."""
    executable = folder / "isabelle"
    executable.write_text(f"#!/bin/sh\necho '{line}'\nexec sleep 60\n")
    executable.chmod(0o755)
    return executable


def test_without_a_server_one_is_started_with_isabelle_and_shut_down_on_close(tmp_path, monkeypatch):
    script = session_script(*checks("use_theories.Fail")) + [Answer("shutdown", "shutdown")]
    with ReplayServer(script) as server:
        monkeypatch.setenv("PATH", str(tmp_path))
        monkeypatch.delenv("LLEMMA_PROVER_ISABELLE_SERVER", raising=False)
        fake_isabelle(tmp_path, server.info_line)
        from isabelle_env import IsabelleEnv

        env = IsabelleEnv(timeout=10.0)
        assert env.open(EXAMPLE).goals == GOAL
        started = env._session._server
        env.close()
        assert started._proc.poll() is not None  # the server process is gone
        assert [r.command for r in server.replay.requests][-2:] == ["session_stop", "shutdown"]
        assert server.replay.unexpected == []


def test_a_server_that_prints_no_address_in_time_is_an_error(tmp_path):
    from isabelle_env.errors import IsabelleConnectionError
    from isabelle_env.server import ServerProcess

    executable = tmp_path / "isabelle"
    executable.write_text("#!/bin/sh\nexec sleep 60\n")
    executable.chmod(0o755)
    with pytest.raises(IsabelleConnectionError, match="printed no address within 1 s"):
        ServerProcess(str(executable), timeout=1.0)


def test_fill_gap_tries_the_list_in_order_then_sledgehammers_answers(replay_env):
    from isabelle_env.sledgehammer import SLEDGEHAMMER, fill_gap, gap_tactics

    tried = [tactic for tactic in gap_tactics() if tactic != SLEDGEHAMMER]
    script = session_script(*checks("use_theories.Fail", *["use_theories.Fail"] * len(tried),
                                    "use_theories.Sledgehammer", "use_theories"))
    env, server = replay_env(script)
    env.open(EXAMPLE)
    assert fill_gap(env, 0) == "by presburger"  # the first "Try this:" answer, which checks
    steps = [lines(r.theory)[5] for r in server.replay.requests if r.command == "use_theories"][1:]
    assert steps == [*tried, SLEDGEHAMMER, "by presburger"]
    assert server.replay.unexpected == []


def test_a_step_whose_last_command_ends_the_proof_gets_no_probe(replay_env):
    env, server = replay_env(session_script(*checks("use_theories.Fail", "use_theories")))
    env.open(EXAMPLE)
    assert isinstance(env.step(0, "apply simp\ndone"), Proved)
    text = lines(server.replay.requests[-2].theory)
    assert (text[5], text[6], text[7]) == ("apply simp", "done", "end")


def test_interrupt_stops_a_step_in_progress_at_once(replay_env):
    import threading
    import time

    script = session_script(*checks("use_theories.Fail"), Answer("use_theories", "use_theories", held=True),
                            Answer("cancel", "cancel"), Answer("purge_theories", "purge_theories"))
    env, server = replay_env(script, timeout=60.0)
    env.open(EXAMPLE)
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(env.step(0, "apply auto"))
        except ProverCrashError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    while not any(r.command == "use_theories" for r in server.replay.requests[2:]):
        time.sleep(0.05)
    time.sleep(0.3)  # the held reply's task line has arrived
    started = time.monotonic()
    env.interrupt()
    worker.join(10)
    assert not worker.is_alive() and time.monotonic() - started < 5
    assert isinstance(outcome[0], ProverCrashError) and "interrupted" in str(outcome[0])
    assert any(r.command == "cancel" and r.arguments == {"task": "18c8e507-96c8-4bc8-9cb0-db4558bda07f"}
               for r in server.replay.requests)


def test_the_best_first_search_proves_and_verifies_through_the_env(replay_env):
    from prover.generators.portfolio import PortfolioGenerator
    from prover.search import SearchConfig, search

    # The search's session: open (the goal), "by auto" fails, "by simp" checks. Then the verify's own
    # session, started and stopped; the search's session stops when the env is closed.
    searching = [Answer("session_start", "session_start"),
                 *checks("use_theories.Fail", "use_theories.Fail", "use_theories")]
    script = searching + session_script(*checks("use_theories")) + [Answer("session_stop", "session_stop")]
    env, server = replay_env(script)
    generator = PortfolioGenerator([("by auto", -0.1), ("by simp", -0.2), ("by blast", -0.3)])
    result = search(EXAMPLE, env, generator, SearchConfig(budget=1, samples=2),
                    accept=lambda proof: env.verify(EXAMPLE, proof))
    assert result.proved and result.verified and result.proof == ["by simp"]
    checked = [r for r in server.replay.requests if r.command == "use_theories"][-1]
    assert checked.arguments["theories"][0].startswith("Check_") and "\nby simp\nend\n" in checked.theory
    env.close()
    assert server.replay.unexpected == []
