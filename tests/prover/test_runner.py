"""The runner and the `prove` CLI end to end, against live Coq."""

import json
import os
import signal
import subprocess
import sys
import time

from prover.cli import main
from tests.conftest import REALS, requires_coq

pytestmark = requires_coq


def write_problems(path, statements):
    with open(path, "w", encoding="utf-8") as handle:
        for name, statement in statements.items():
            record = {"name": name, "split": "custom", "coq": {"header": REALS, "statement": statement}}
            handle.write(json.dumps(record) + "\n")


EASY = {f"easy_{i}": f"Theorem easy_{i} : forall x : R, x > {i} -> x + 1 > {i + 1}." for i in range(6)}


def read(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def test_bad_problems_get_their_own_error_and_the_run_goes_on(tmp_path, capsys):
    problems = tmp_path / "p.jsonl"
    write_problems(problems, {
        "unparsable": "Theorem unparsable : forall x : R, x +* = 1.",
        "not_a_theorem": "Definition nope := 1.",
        "good": "Theorem good : forall x : R, x > 1 -> x + 1 > 2.",
    })
    out = tmp_path / "r.jsonl"
    assert main(["--benchmark", str(problems), "--out", str(out), "--workers", "1", "--json"]) == 0
    records = {r["name"]: r for r in read(out)}
    assert "ProblemSetupError" in records["unparsable"]["error"]
    assert records["not_a_theorem"]["error"] and not records["not_a_theorem"]["verified"]
    assert records["good"]["verified"] and records["good"]["error"] == ""
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["verified"] == 1 and summary["errors"] == 2 and summary["problems"] == 3


def test_killed_run_resumes_without_loss_or_duplicates(tmp_path):
    problems, out = tmp_path / "p.jsonl", tmp_path / "r.jsonl"
    write_problems(problems, EASY)
    command = [sys.executable, "-m", "prover.cli", "--benchmark", str(problems), "--out", str(out), "--workers", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not out.exists() or len(out.read_text().splitlines()) < 2):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    first = read(out)
    assert 2 <= len(first) < len(EASY), "the kill should land mid-run"
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    names = [r["name"] for r in read(out)]
    assert sorted(names) == sorted(EASY) and len(names) == len(set(names))
    assert [r["name"] for r in read(out)[: len(first)]] == [r["name"] for r in first]
    assert all(r["verified"] for r in read(out))


def test_skipped_problems_are_reported_with_their_reason(tmp_path):
    out = tmp_path / "r.jsonl"
    # one of the 11 Coquelicot complex-number statements that Debian's Coq cannot compile
    assert main(["--benchmark", "minif2f", "--problems", "mathd_algebra_302", "--out", str(out), "--workers", "1"]) == 0
    record = read(out)[0]
    assert record["name"] == "mathd_algebra_302" and not record["verified"]
    assert "does not compile" in record["skipped"]


def test_help_lists_every_option(capsys):
    try:
        main(["--help"])
    except SystemExit as exit_:
        assert exit_.code == 0
    text = capsys.readouterr().out
    for option in ["--benchmark", "--backend", "--split", "--budget", "--samples", "--limit", "--problems",
                   "--workers", "--out", "--generator", "--tactics", "--model", "--engine", "--time-limit"]:
        assert option in text


def test_unknown_problem_name_is_a_clean_error(tmp_path, capsys):
    assert main(["--problems", "no_such_problem", "--out", str(tmp_path / "r.jsonl")]) == 2
    assert "unknown problem names" in capsys.readouterr().err
