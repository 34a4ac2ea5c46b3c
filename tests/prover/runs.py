"""Helpers for tests that run ``prove``: problem files, results files, and runs as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REALS

#: Problems the replay tactics below prove in two steps, a second or so each.
EASY = {f"easy_{i}": f"Theorem easy_{i} : forall x : R, x > {i} -> x + 1 > {i + 1}." for i in range(6)}
#: A problem whose proof coqtop accepts at once (``exact_no_check``) and whose ``Qed`` keeps
#: ``coqc`` busy for many seconds (the kernel runs three million successor steps).
SLOW = {"slow": "Theorem slow : Pos.iter Pos.succ 1%positive 3000000%positive = 3000001%positive."}
TACTICS = ["intros", "lra", "exact_no_check (eq_refl 3000001%positive)"]


def write_problems(path: Path, statements: dict[str, str]) -> Path:
    """A problems file in miniF2F's format with Coq statements over the reals."""
    with open(path, "w", encoding="utf-8") as handle:
        for name, statement in statements.items():
            record = {"name": name, "split": "custom", "coq": {"header": REALS, "statement": statement}}
            handle.write(json.dumps(record) + "\n")
    return path


def read(path: Path) -> list[dict]:
    """The records of a results file, in order (a torn last line left out)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n")[:-1]]


def replay_run(tmp_path: Path, statements: dict[str, str], out: Path | str, *extra: str) -> list[str]:
    """The ``python -m prover`` command that replays :data:`TACTICS` on ``statements``, one worker."""
    problems = write_problems(tmp_path / "problems.jsonl", statements)
    tactics = tmp_path / "tactics.txt"
    tactics.write_text("\n".join(TACTICS) + "\n")
    return [sys.executable, "-m", "prover", "--benchmark", str(problems), "--generator", "replay",
            "--tactics", str(tactics), "--out", str(out), "--workers", "1", *extra]


def start(command: list[str], tmpdir: Path) -> subprocess.Popen:
    """Start ``command`` in its own session (as a shell starts a job), temp folders under ``tmpdir``."""
    tmpdir.mkdir(exist_ok=True)
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ, "TMPDIR": str(tmpdir)})


def descendants(pid: int) -> dict[int, str]:
    """``pid -> command`` of every live process below ``pid``."""
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found[child] = command_of(child)
                frontier.append(child)
    return found


def command_of(pid: int) -> str:
    """The command line of ``pid`` ('' once it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a reaper does not)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(condition, timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def checking_slow(process: subprocess.Popen, out: Path) -> bool:
    """Whether the run recorded its first problem and a ``coqc`` checks the slow one now."""
    recorded = out.exists() and len(read(out)) >= 1
    return recorded and any(command.startswith("coqc") for command in descendants(process.pid).values())
