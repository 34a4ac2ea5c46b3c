"""``prove --ray``: a run's problems on Ray actors, against live Coq and a local Ray with 2 CPUs."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from prover.entrypoints.cli import main
from prover.run_config import RunConfig, fingerprint
from tests.conftest import requires_coq
from tests.prover.runs import (EASY, SLOW, TACTICS, alive, descendants, read, replay_run, wait_for,
                               write_problems)

ray = pytest.importorskip("ray", reason="prove --ray needs Ray (pip install '.[ray]')")

pytestmark = requires_coq

#: Fields a problem's result is made of (not its timing, which differs run to run).
COMPARED = ("name", "split", "proved", "verified", "proof", "expansions", "steps", "stop_reason", "rejected", "verdict",
            "error", "config")
#: Three problems the replay tactics prove and one they cannot.
MIXED = {**dict(list(EASY.items())[:3]), "false": "Theorem false : forall x : R, x > 1 -> x + 1 > 5."}


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    """One local Ray instance for the module (``prove --ray`` uses a driver already connected)."""
    from prover.ray_pool import local_runtime_env

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env=local_runtime_env())
    yield
    ray.shutdown()


def run(tmp_path: Path, statements: dict[str, str], out: Path, *extra: str) -> int:
    """``prove`` in this process: replay :data:`TACTICS` on ``statements`` into ``out``."""
    problems = write_problems(tmp_path / "problems.jsonl", statements)
    tactics = tmp_path / "tactics.txt"
    tactics.write_text("\n".join(TACTICS) + "\n")
    return main(["--benchmark", str(problems), "--generator", "replay", "--tactics", str(tactics), "--out", str(out),
                 *extra])


def by_name(out: Path) -> dict[str, dict]:
    """Each problem's last record in ``out``."""
    return {record["name"]: record for record in read(out)}


def outcome(record: dict) -> dict:
    """The :data:`COMPARED` fields of ``record``, the re-check's random probe marker left out of its verdict."""
    return {field: re.sub(r"llemma-probe-(end-)?[0-9a-f]+", "PROBE", record[field]) if field == "verdict" else record[field]
            for field in COMPARED}


def test_a_ray_run_finds_what_the_local_pool_finds(tmp_path):
    local, remote = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    assert run(tmp_path, MIXED, local, "--workers", "2") == 0
    assert run(tmp_path, MIXED, remote, "--workers", "2", "--ray") == 0
    here, there = by_name(local), by_name(remote)
    assert sorted(there) == sorted(MIXED) and len(read(remote)) == len(MIXED)
    for name in MIXED:
        assert outcome(there[name]) == outcome(here[name]), name
    assert [there[name]["verified"] for name in MIXED] == [True, True, True, False]
    assert there["false"]["rejected"] >= 1 and "coqc rejected the proof" in there["false"]["verdict"]


def test_a_worker_killed_mid_run_costs_its_problem_not_the_run(tmp_path):
    out = tmp_path / "r.jsonl"
    statements = {**SLOW, **dict(list(EASY.items())[:3])}
    killed: list[int] = []
    killer = threading.Thread(target=lambda: killed.append(_kill_worker_checking("slow")), daemon=True)
    killer.start()
    assert run(tmp_path, statements, out, "--workers", "2", "--ray") == 0
    killer.join(5)
    assert killed, "the slow problem's worker was never killed"
    records = by_name(out)
    assert sorted(records) == sorted(statements) and len(read(out)) == len(statements)
    assert records["slow"]["error"].startswith(f"worker died ({socket.gethostname()} pid {killed[0]}): ")
    assert not records["slow"]["verified"]
    assert all(records[name]["verified"] and not records[name]["error"] for name in EASY if name in statements)
    assert run(tmp_path, statements, out, "--workers", "2", "--ray", "--retry-errors") == 0
    again = read(out)
    assert len(again) == len(statements) + 1 and again[-1]["name"] == "slow"
    assert again[-1]["verified"] and not again[-1]["error"]


def test_a_finished_ray_run_recomputes_nothing(tmp_path):
    out = tmp_path / "r.jsonl"
    statements = dict(list(EASY.items())[:3])
    # 3 actors on Ray's 2 CPUs: the third never starts, and gets no problem to hold
    assert run(tmp_path, statements, out, "--workers", "3", "--ray") == 0
    before = out.read_bytes()
    assert len(read(out)) == 3 and all(r["verified"] for r in read(out))
    assert run(tmp_path, statements, out, "--workers", "3", "--ray") == 0
    assert out.read_bytes() == before


def test_ray_leaves_the_fingerprint_alone_so_a_local_run_resumes_under_ray(tmp_path):
    assert fingerprint(RunConfig(ray="auto")) == fingerprint(RunConfig()) == fingerprint(RunConfig(ray="local"))
    out = tmp_path / "r.jsonl"
    statements = dict(list(EASY.items())[:3])
    assert run(tmp_path, statements, out, "--workers", "1", "--limit", "1") == 0
    first = read(out)
    assert [r["name"] for r in first] == ["easy_0"]
    assert run(tmp_path, statements, out, "--workers", "2", "--ray") == 0  # a fingerprint change would exit 2
    records = read(out)
    assert records[0] == first[0] and sorted(r["name"] for r in records) == sorted(statements)
    assert all(r["config"] == first[0]["config"] and r["verified"] for r in records)


def test_ctrl_c_records_only_finished_problems_and_leaves_no_worker(tmp_path):
    out = tmp_path / "r.jsonl"
    # its own session, as a shell starts a job (not runs.start: a long TMPDIR breaks Ray's socket paths)
    run = subprocess.Popen(replay_run(tmp_path, EASY, out, "--ray", "--workers", "2"), stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, start_new_session=True)
    wait_for(lambda: out.exists() and len(read(out)) >= 1 or run.poll() is not None, 120, "the Ray run's first record")
    started = descendants(run.pid)  # Ray's processes, its workers and their coqtops
    assert any("coqtop" in command for command in started.values()), started
    os.killpg(run.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the driver and its Ray processes
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130, err
    records = read(out)
    assert 1 <= len(records) < len(EASY) and all(r["verified"] and not r["error"] for r in records)
    assert "did not finish" in err
    wait_for(lambda: not any(alive(pid) for pid in started), 20, "the run's processes to end")


def test_a_worker_that_cannot_start_stops_the_run_before_any_problem(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    problems = write_problems(tmp_path / "problems.jsonl", dict(list(EASY.items())[:1]))
    assert main(["--benchmark", str(problems), "--generator", "replay", "--tactics", str(tmp_path / "missing.txt"),
                 "--out", str(out), "--ray"]) == 2
    assert "a Ray worker could not start: FileNotFoundError" in capsys.readouterr().err
    assert read(out) == []


def test_without_ray_a_ray_run_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(__import__("sys").modules, "ray", None)  # `import ray` raises ImportError
    assert run(tmp_path, dict(list(EASY.items())[:1]), tmp_path / "r.jsonl", "--ray") == 2
    assert "pip install '.[ray]'" in capsys.readouterr().err


def _kill_worker_checking(name: str) -> int:
    """SIGKILL the Ray worker whose ``coqc`` re-checks problem ``name``, once one does; its pid."""
    found: list[int] = []

    def checking() -> bool:
        found[:] = [pid for pid, command in descendants(os.getpid()).items()
                    if command.startswith("coqc") and _compiles(pid, f"Theorem {name} ")]
        return bool(found)

    wait_for(checking, 120, f"a worker to check {name}")
    worker = int(Path(f"/proc/{found[0]}/stat").read_text().rsplit(")", 1)[1].split()[1])
    os.kill(worker, signal.SIGKILL)
    return worker


def _compiles(pid: int, text: str) -> bool:
    """Whether the ``coqc`` ``pid`` compiles a file holding ``text``."""
    try:
        return any(text in path.read_text() for path in Path(f"/proc/{pid}/cwd").glob("*.v"))
    except OSError:
        return False
