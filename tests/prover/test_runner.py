"""The runner and the `prove` CLI end to end, against live Coq."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from prover.entrypoints.cli import main
from prover.records import ResultRecord
from tests.conftest import REALS, requires_coq
from tests.prover.runs import EASY, read, write_problems

pytestmark = requires_coq


def test_bad_problems_get_their_own_error_and_the_run_goes_on(tmp_path, capsys):
    problems = write_problems(tmp_path / "p.jsonl", {
        "unparsable": "Theorem unparsable : forall x : R, x +* = 1.",
        "good": "Theorem good : forall x : R, x > 1 -> x + 1 > 2.",
    })
    out = tmp_path / "r.jsonl"
    assert main(["--benchmark", str(problems), "--out", str(out), "--workers", "1", "--json"]) == 0
    records = {r["name"]: r for r in read(out)}
    assert "ProblemSetupError" in records["unparsable"]["error"]
    assert records["good"]["verified"] and records["good"]["error"] == ""
    assert records["good"]["setup"] == {"prelude": "full"}
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["verified"] == 1 and summary["errors"] == 1 and summary["problems"] == 2


def test_killed_run_resumes_without_loss_or_duplicates(tmp_path):
    problems, out = write_problems(tmp_path / "p.jsonl", EASY), tmp_path / "r.jsonl"
    command = [sys.executable, "-m", "prover", "--benchmark", str(problems), "--out", str(out), "--workers", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not out.exists() or len(read(out)) < 2):
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
                   "--workers", "--out", "--generator", "--tactics", "--model", "--engine", "--time-limit",
                   "--allow-config-change", "--tactic-timeout"]:
        assert option in text


def one_error_line(capsys) -> str:
    """The run's stderr, which must be exactly one ``error:`` line."""
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    return err.strip()


def test_unknown_problem_name_is_a_clean_error(tmp_path, capsys):
    assert main(["--problems", "no_such_problem", "--out", str(tmp_path / "r.jsonl")]) == 2
    assert "unknown problem names" in one_error_line(capsys)


@pytest.mark.parametrize("option, value", [
    ("--budget", "0"), ("--budget", "-1"), ("--samples", "0"), ("--workers", "0"), ("--time-limit", "-5"),
    ("--limit", "-1"), ("--tactic-timeout", "0"), ("--max-depth", "0"), ("--time-limit", "nan"), ("--max-tactic-chars", "0"),
])
def test_impossible_numbers_are_refused_before_any_work(tmp_path, capsys, option, value):
    out = tmp_path / "r.jsonl"
    assert main(["--problems", "mathd_algebra_107", "--out", str(out), option, value]) == 2
    assert one_error_line(capsys).startswith(f"error: {option} must be")
    assert not out.exists()


def test_an_empty_selection_is_an_error(tmp_path, capsys):
    empty = tmp_path / "none.jsonl"
    empty.write_text("\n")
    assert main(["--benchmark", str(empty), "--out", str(tmp_path / "r.jsonl")]) == 2
    assert "no problems selected" in one_error_line(capsys)


def test_an_unknown_split_is_one_line_naming_the_files_splits(tmp_path, capsys):
    problems = write_problems(tmp_path / "p.jsonl", {"good": EASY["easy_0"].replace("easy_0", "good")})
    assert main(["--benchmark", str(problems), "--split", "heldout", "--out", str(tmp_path / "r.jsonl")]) == 2
    assert one_error_line(capsys) == f"error: {problems} has no split 'heldout'; its splits: custom"


def test_a_bad_benchmark_record_is_one_line_naming_the_file_and_line(tmp_path, capsys):
    problems = write_problems(tmp_path / "p.jsonl", {"good": EASY["easy_0"].replace("easy_0", "good")})
    with open(problems, "a", encoding="utf-8") as handle:
        handle.write('["a list", "where an object belongs"]\n')
    assert main(["--benchmark", str(problems), "--out", str(tmp_path / "r.jsonl")]) == 2
    assert one_error_line(capsys) == f"error: {problems}:2: a problem is a JSON object, not a list"


def test_a_statement_without_its_final_period_is_refused_when_loaded(tmp_path, capsys):
    problems = write_problems(tmp_path / "p.jsonl", {
        "good": "Theorem good : forall x : R, x > 1 -> x + 1 > 2.",
        "no_period": "Theorem no_period : forall x : R, x > 1 -> x + 1 > 2",
        "not_a_theorem": "Definition nope := 1.",
    })
    started = time.monotonic()
    assert main(["--benchmark", str(problems), "--out", str(tmp_path / "r.jsonl"), "--time-limit", "5"]) == 2
    assert time.monotonic() - started < 5
    assert one_error_line(capsys) == f"error: {problems}:2: no_period: the Coq statement does not end with a period"


def test_coqc_missing_is_found_before_the_first_problem(tmp_path, capsys, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "coqtop").symlink_to(subprocess.run(["which", "coqtop"], capture_output=True, text=True).stdout.strip())
    monkeypatch.setenv("PATH", f"{bin_dir}:/nonexistent")
    out = tmp_path / "r.jsonl"
    assert main(["--problems", "mathd_algebra_107", "--out", str(out)]) == 2
    assert one_error_line(capsys).startswith("error: `coqc` is not on PATH")
    assert not out.exists()


def run_easy(tmp_path, *options: str) -> int:
    problems = write_problems(tmp_path / "p.jsonl", {"easy_0": EASY["easy_0"]})
    return main(["--benchmark", str(problems), "--out", str(tmp_path / "r.jsonl"), "--workers", "1", *options])


def test_a_results_file_of_another_configuration_is_refused_unless_allowed(tmp_path, capsys):
    assert run_easy(tmp_path, "--budget", "1") == 0
    capsys.readouterr()
    assert run_easy(tmp_path, "--budget", "20") == 2
    assert "search.budget: 1 in the file, 20 now" in one_error_line(capsys)
    assert run_easy(tmp_path, "--budget", "1", "--tactic-timeout", "3") == 2
    assert "env_options.timeout: 5.0 in the file, 3.0 now" in one_error_line(capsys)
    assert run_easy(tmp_path, "--budget", "1", "--workers", "2", "--limit", "1") == 0  # speed is not configuration
    assert run_easy(tmp_path, "--budget", "20", "--allow-config-change") == 0
    [record] = read(tmp_path / "r.jsonl")  # every record says how it was made
    assert record["config"]["search"]["budget"] == 1 and record["config"]["env_options"] == {"timeout": 5.0}
    assert record["config"]["generator"]["name"] == "portfolio"


def test_a_results_file_from_before_records_carried_their_configuration_is_judged_by_its_fields(tmp_path, capsys):
    old = ResultRecord("other", "custom", backend="coq", generator="portfolio", budget=1, samples=16)
    (tmp_path / "r.jsonl").write_text(json.dumps(old.to_json()) + "\n")
    assert run_easy(tmp_path, "--budget", "20") == 2
    assert "search.budget: 1 in the file, 20 now" in one_error_line(capsys)
    assert run_easy(tmp_path, "--budget", "1") == 0


def test_a_problem_with_a_minif2f_name_but_another_statement_is_skipped(tmp_path):
    weakened = "Theorem mathd_algebra_107 : forall x : R, x > 1 -> x + 1 > 2."
    problems = tmp_path / "p.jsonl"
    problems.write_text(json.dumps({"name": "mathd_algebra_107", "split": "test",
                                    "coq": {"header": REALS, "statement": weakened}}) + "\n")
    out = tmp_path / "r.jsonl"
    assert main(["--benchmark", str(problems), "--out", str(out), "--workers", "1"]) == 0
    record = read(out)[0]
    assert not record["verified"] and not record["proved"]
    assert "differs from the vendored miniF2F one" in record["skipped"]
