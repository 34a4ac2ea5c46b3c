"""``prove`` as a user runs it, as real processes: Ctrl-C, two runs on one file, ``kill -9``, a full disk."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time

from prover.records import ResultRecord
from prover.results import ResultStore
from tests.conftest import requires_coq
from tests.prover.runs import (EASY, SLOW, alive, checking_slow, descendants, read, replay_run, start,
                               wait_for)

pytestmark = requires_coq

FIRST_EASY_SLOW_SECOND = {"easy_0": EASY["easy_0"], **SLOW, "easy_1": EASY["easy_1"]}


def test_ctrl_c_stops_within_seconds_with_one_line_and_no_record_for_unfinished_problems(tmp_path):
    out = tmp_path / "r.jsonl"
    run = start(replay_run(tmp_path, FIRST_EASY_SLOW_SECOND, out), tmp_path / "tmp")
    wait_for(lambda: checking_slow(run, out), 60, "the run to check the slow problem")
    provers = descendants(run.pid)
    os.killpg(run.pid, signal.SIGINT)  # what a terminal does: the whole foreground group
    sent = time.monotonic()
    _, stderr = run.communicate(timeout=30)
    assert time.monotonic() - sent < 5, "Ctrl-C must stop the run within seconds"
    assert run.returncode == 130 and "Traceback" not in stderr
    assert [line for line in stderr.splitlines() if "interrupted" in line] == [
        f"interrupted (SIGINT): this run recorded 1 problems in {out}, 2 did not finish; run the same command again to go on"]
    records = read(out)
    assert [(r["name"], r["verified"], r["error"]) for r in records] == [("easy_0", True, "")]
    assert not [pid for pid in provers if alive(pid)]
    assert not list((tmp_path / "tmp").iterdir()), "every temporary folder is removed on the way out"


def test_a_second_run_on_the_same_results_file_stops_at_once(tmp_path):
    out = tmp_path / "r.jsonl"
    command = replay_run(tmp_path, FIRST_EASY_SLOW_SECOND, out)
    first = start(command, tmp_path / "tmp")
    try:
        wait_for(lambda: checking_slow(first, out), 60, "the first run to be under way")
        started = time.monotonic()
        second = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert time.monotonic() - started < 10
        assert second.returncode == 2 and second.stderr.strip().count("\n") == 0
        assert f"error: {out} is in use by another prove run" in second.stderr
        assert first.poll() is None, "the first run goes on"
    finally:
        os.killpg(first.pid, signal.SIGINT)
        first.communicate(timeout=30)
    assert [r["name"] for r in read(out)] == ["easy_0"]


def test_kill_9_leaves_no_prover_running_and_the_next_run_removes_the_folders(tmp_path):
    out, tmpdir = tmp_path / "r.jsonl", tmp_path / "tmp"
    run = start(replay_run(tmp_path, FIRST_EASY_SLOW_SECOND, out), tmpdir)
    wait_for(lambda: checking_slow(run, out), 60, "the run to check the slow problem")
    provers = descendants(run.pid)
    assert {command.split()[0] for command in provers.values()} >= {"coqtop", "coqc"}
    run.kill()
    run.communicate()
    wait_for(lambda: not [pid for pid in provers if alive(pid)], 5, f"the provers to die: {provers}")
    left = sorted(path.name for path in tmpdir.iterdir())  # nothing can clean up after a kill -9 ...
    assert left and all(name.startswith("llemma-coq") and f"-{run.pid}-" in name for name in left)
    rerun = subprocess.run(replay_run(tmp_path, {"easy_0": EASY["easy_0"]}, tmp_path / "again.jsonl"),
                           capture_output=True, text=True, timeout=120, env={**os.environ, "TMPDIR": str(tmpdir)})
    assert rerun.returncode == 0, rerun.stderr
    assert not list(tmpdir.iterdir())  # ... but the next run removes what a dead run left


def test_a_failed_write_stops_the_run_at_once_and_keeps_what_was_recorded(tmp_path):
    out = tmp_path / "r.jsonl"
    command = replay_run(tmp_path, {"easy_0": EASY["easy_0"], "easy_1": EASY["easy_1"], **SLOW}, out)
    subprocess.run([*command, "--limit", "1"], check=True, capture_output=True, timeout=120)
    with open(out, "a", encoding="utf-8") as handle:  # other problems' records, so coqc's own files fit the limit
        for index in range(1000):
            handle.write(json.dumps(ResultRecord(f"pad_{index}", "custom", verdict="x" * 200).to_json()) + "\n")
    size = out.stat().st_size

    def small_files() -> None:  # room for a few bytes more: the next record's write fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size + 20, resource.RLIM_INFINITY))

    started = time.monotonic()
    failed = subprocess.run(command, capture_output=True, text=True, timeout=120, preexec_fn=small_files)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert f"error: cannot write to the results file {out}: File too large; the run stopped" in failed.stderr
    assert time.monotonic() - started < 15, "the run stopped at the failed write, before the slow problem"
    assert out.stat().st_size == size + 20  # a torn line ...
    with ResultStore(out) as store:  # ... cut off when the file is next opened
        assert {"easy_0", "pad_999"} <= {r.name for r in store} and not store.done("custom", "easy_1")
    assert out.stat().st_size == size


def test_an_unusable_results_path_is_refused_before_the_first_problem(tmp_path):
    for out in ("/dev/full", str(tmp_path)):
        done = subprocess.run(replay_run(tmp_path, {"easy_0": EASY["easy_0"]}, out),
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert "error: " in done.stderr and "verified" not in done.stderr


def test_python_m_prover_is_the_prove_command():
    prove = os.path.join(os.path.dirname(sys.executable), "prove")
    module = subprocess.run([sys.executable, "-m", "prover", "--help"], capture_output=True, text=True, timeout=60)
    script = subprocess.run([prove, "--help"], capture_output=True, text=True, timeout=60)
    assert module.returncode == script.returncode == 0
    assert module.stdout == script.stdout and "--allow-config-change" in module.stdout
