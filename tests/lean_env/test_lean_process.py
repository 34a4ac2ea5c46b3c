"""Framing and process robustness: split replies, unicode, crashes, hangs, restarts, limits."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from tests.lean_env.conftest import replay_argv
from test_lean_backend import BRANCHING

from lean_env.errors import ReplCrashError, ReplTimeoutError
from lean_env.process import ReplProcess
from lean_env.protocol import Command, ProofStep, UnpickleProofState
from prover.env import ProverCrashError, Progress, Proved, TacticError, Timeout

BRANCHING_TACTICS = ["apply And.intro", "exact h1.left", "apply h2", "exact h1.right"]


def run_branching(env) -> list:
    """Open ``complex_and`` and run its recorded proof, each step on the previous state."""
    state = env.open(BRANCHING)
    results = []
    for tactic in BRANCHING_TACTICS:
        result = env.step(state.id, tactic)
        while isinstance(result, (Timeout, TacticError)):  # the search retries after a restart
            results.append(result)
            result = env.step(state.id, tactic)
        results.append(result)
        state = result.state
    return results


def test_reply_split_across_reads_inside_utf8_characters():
    process = ReplProcess(replay_argv("mathlib/pickle_2", "--chunk", "3"))
    try:
        reply = process.request(UnpickleProofState("test/pickle.olean"), timeout=20)
    finally:
        process.close()
    assert reply.goals == ("x : ℕ\nh : 2 * (2 * (2 * (2 * x))) = 48\n⊢ x = 3",)


def test_a_full_stderr_pipe_does_not_block_the_repl():
    process = ReplProcess(replay_argv("proof_step", "--stderr-noise", "200000"))
    try:
        opened = process.request(Command("def f : Nat := by sorry"), timeout=20)
        step = process.request(ProofStep("apply Int.natAbs", 0), timeout=20)
    finally:
        process.close()
    assert opened.env == 0 and step.goals == ("⊢ Int",)
    assert process.stderr_tail.strip("w\n") == ""


def test_repl_that_dies_mid_reply_is_a_typed_crash():
    process = ReplProcess(replay_argv("proof_step", "--die-at", "1"))
    process.request(Command("def f : Nat := by sorry"), timeout=20)
    with pytest.raises(ReplCrashError, match="killed in the middle of a reply") as caught:
        process.request(ProofStep("apply Int.natAbs", 0), timeout=20)
    assert "partial reply" in str(caught.value)
    assert not process.alive


def test_repl_that_fails_to_start_reports_its_stderr(replay_env):
    env = replay_env("import_lean", "--fail-start", "error: unknown executable repl")
    with pytest.raises(ProverCrashError, match="unknown executable repl"):
        env.open(BRANCHING)


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] not in "ZX":
                members.append(int(entry.name))
    return members


def test_timeout_kills_the_whole_process_group():
    """Like ``lake env repl``: a wrapper whose child REPL must die with it."""
    command = " ".join(f"'{part}'" for part in replay_argv("proof_step", "--hang-at", "0"))
    process = ReplProcess(["/bin/sh", "-c", command + "; true"])
    deadline = time.monotonic() + 10
    while len(_group_members(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_group_members(process.pid)) == 2  # the shell and the REPL it started
    with pytest.raises(ReplTimeoutError):
        process.request(Command("def f : Nat := by sorry"), timeout=1.0)
    deadline = time.monotonic() + 10  # SIGKILL reaches the orphaned grandchild asynchronously
    while _group_members(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _group_members(process.pid) == []


def test_repl_that_never_answers_times_out_restarts_and_the_search_goes_on(replay_env, tmp_path):
    env = replay_env("proof_branching", "--hang-at", "2", "--marker", str(tmp_path / "hung"),
                     timeout=1.0)
    results = run_branching(env)
    assert [type(r) for r in results] == [Progress, Timeout, Progress, Progress, Proved]
    assert results[1].seconds == 1.0


def test_repl_that_dies_mid_step_restarts_and_the_search_goes_on(replay_env, tmp_path):
    env = replay_env("proof_branching", "--die-at", "3", "--marker", str(tmp_path / "died"))
    results = run_branching(env)
    assert [type(r) for r in results] == [Progress, Progress, TacticError, Progress, Proved]
    assert "died" in results[2].message


def test_restart_after_max_uses_rebuilds_states_by_replaying_their_paths(replay_env):
    """The REPL never frees states, so workers restart; the strict replay checks every resend."""
    env = replay_env("proof_branching", max_uses=2)
    results = run_branching(env)
    assert [type(r) for r in results] == [Progress, Progress, Progress, Proved]
    assert env._pool.worker("").generation == 4  # noqa: SLF001 - three restarts happened


MEMORY_PROBE = ("import json, resource, sys\n"
                "sys.stdin.readline(); sys.stdin.readline()\n"
                "soft = resource.getrlimit(resource.RLIMIT_AS)[0]\n"
                "print(json.dumps({'env': soft // (1024 * 1024)}, indent=1)); print(flush=True)\n")


def test_memory_cap_applies_to_the_repl_process():
    process = ReplProcess([sys.executable, "-c", MEMORY_PROBE], memory_limit_mb=3072)
    try:
        reply = process.request(Command("import Lean"), timeout=20)
    finally:
        process.close()
    assert reply.env == 3072


def test_closing_ends_the_process():
    process = ReplProcess(replay_argv("import_lean"))
    process.close()
    assert not process.alive
    with pytest.raises(ReplCrashError):
        process.request(Command("import Lean"), timeout=5)
    assert process.returncode is not None


def test_a_repl_over_its_memory_cap_dies_with_a_typed_crash():
    greedy = "import sys\nsys.stdin.readline()\nhog = bytearray(1 << 30)\nprint('{\"env\": 0}\\n')\n"
    process = ReplProcess([sys.executable, "-c", greedy], memory_limit_mb=256)
    with pytest.raises(ReplCrashError, match="MemoryError"):
        process.request(Command("import Mathlib"), timeout=20)


def test_interrupt_from_another_thread_ends_a_hanging_step_and_every_later_one(replay_env, tmp_path):
    import threading

    env = replay_env("proof_branching", "--hang-at", "2", "--marker", str(tmp_path / "hung"), timeout=60.0)
    state = env.open(BRANCHING)
    first = env.step(state.id, BRANCHING_TACTICS[0])
    assert isinstance(first, Progress)
    threading.Timer(0.5, env.interrupt).start()
    started = time.monotonic()
    cut = env.step(first.state.id, BRANCHING_TACTICS[1])  # the REPL never answers this one
    assert time.monotonic() - started < 10 and isinstance(cut, TacticError)
    with pytest.raises(ProverCrashError, match="interrupted"):
        env.step(first.state.id, BRANCHING_TACTICS[1])  # no restart after an interrupt
