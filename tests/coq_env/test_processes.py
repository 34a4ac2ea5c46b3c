"""Coq processes: own process groups, stopped from another thread, temporary folders of dead runs removed."""

from __future__ import annotations

import os
import subprocess
import threading
import time

import pytest

from coq_env import CoqEnv
from coq_env.processes import clean_stale_workdirs
from prover.env import ProverCrashError, ProverNotInstalledError
from tests.conftest import LOOP, coq_problem, requires_coq
from tests.prover.runs import descendants

SLOW = coq_problem("slow", "Theorem slow : Pos.iter Pos.succ 1%positive 3000000%positive = 3000001%positive.")


def test_only_the_folders_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    names = [f"llemma-coqtop-{dead.pid}-a", f"llemma-coq-{dead.pid}-b", f"llemma-coqtop-{os.getpid()}-c",
             "llemma-coqtop-old_style", "llemma-coq-notapid-d", "other-folder"]
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "Check.v").write_text("x")
    removed = clean_stale_workdirs(tmp_path)
    assert sorted(path.name for path in removed) == sorted(names[:2])
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(names[2:])


@pytest.mark.parametrize("statement, reason", [
    ("Theorem t : True.", None),
    ("Theorem t : forall x : nat,\n  x = x. (* trailing comment *)", None),
    ("Theorem t : True", "does not end with a period"),
    ("Definition t := 1.", "with a body (:=) opens no proof"),
    ("Lemma t := 1.", "with a body (:=) opens no proof"),
    ("Theorem t : True. Proof.", "one sentence, this is 2"),
    ('Theorem t : "unclosed = 1.', "unclosed string"),
])
def test_statements_are_judged_without_coq(statement, reason):
    found = CoqEnv.statement_problem(statement)
    assert found is None if reason is None else reason in found


def test_a_missing_coqc_is_found_when_the_env_is_made(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ProverNotInstalledError, match="`coqtop` is not on PATH"):
        CoqEnv()
    with pytest.raises(ProverNotInstalledError, match="`coqc` is not on PATH"):
        CoqEnv(coqtop="/bin/true")


@requires_coq
def test_interrupt_ends_a_running_tactic_and_the_env_takes_no_more_work(coq_env):
    coq_env.timeout = 60.0
    root = coq_env.open(SLOW)
    threading.Timer(0.5, coq_env.interrupt).start()
    started = time.monotonic()
    with pytest.raises(ProverCrashError, match="interrupted"):
        coq_env.step(root.id, LOOP)
    assert time.monotonic() - started < 5
    with pytest.raises(ProverCrashError):
        coq_env.open(SLOW)


@requires_coq
def test_interrupt_ends_a_running_check_and_its_coqc(coq_env):
    proof = ["exact_no_check (eq_refl 3000001%positive)"]
    coq_env.open(SLOW)  # the check then uses the prelude SLOW was loaded with
    threading.Timer(1.0, coq_env.interrupt).start()
    started = time.monotonic()
    with pytest.raises(ProverCrashError, match="interrupted"):
        coq_env.verify(SLOW, proof)  # coqc's Qed runs for many seconds
    assert time.monotonic() - started < 5
    time.sleep(0.2)  # the kill is delivered asynchronously
    assert not [command for command in descendants(os.getpid()).values() if command.startswith("coqc")]


@requires_coq
def test_kill_ends_a_stopped_coqtop_and_its_group() -> None:
    """A coqtop that cannot act on signals (stopped, or slow to be reaped on a loaded machine) still ends."""
    import signal

    from coq_env.session import CoqtopSession

    session = CoqtopSession()
    session.start()
    process = session._process
    pid = process.pid
    os.kill(pid, signal.SIGSTOP)
    real_isalive, calls = process.ptyproc.isalive, []

    def slow_to_end() -> bool:  # the kernel reaps it late, as on a loaded machine
        calls.append(1)
        return True if len(calls) <= 30 else real_isalive()

    process.ptyproc.isalive = slow_to_end
    session.kill()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    session.close()
