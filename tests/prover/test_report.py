"""``prove report``: the tables' numbers for known results files, the plots, the index, sweep folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prover.comparison import budget_points, category, load, only_solved_by
from prover.entrypoints.report import main

pytest.importorskip("matplotlib", reason="prove report's plots need matplotlib (pip install .[report])")

PNG = b"\x89PNG\r\n\x1a\n"


def record(name: str, verified: bool, expansions: int, budget: int = 8, wall_time: float = 1.0, **extra) -> dict:
    """A results line as the runner writes it (the fields the report reads)."""
    return {"name": name, "split": "test", "verified": verified, "proved": verified, "expansions": expansions,
            "budget": budget, "wall_time": wall_time, "stop_reason": "proved" if verified else "budget",
            "error": "", "skipped": "", "proof": ["lia"] if verified else [], **extra}


def write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


#: Run A verifies 3 of 6: with 1, 3 and 8 expansions; run B 2 of 6, one of them (amc12a) A did not.
RUN_A = [record("mathd_algebra_1", True, 1), record("mathd_algebra_2", False, 8), record("amc12a_2000_p1", False, 8),
         record("imo_1959_p1", True, 3, wall_time=30.0), record("custom_lemma", True, 8),
         record("mathd_numbertheory_5", False, 8)]
RUN_B = [record("mathd_algebra_1", True, 2, budget=4), record("mathd_algebra_2", False, 4, budget=4),
         record("amc12a_2000_p1", True, 4, budget=4), record("imo_1959_p1", False, 4, budget=4),
         record("custom_lemma", False, 4, budget=4), record("mathd_numbertheory_5", False, 4, budget=4)]


def table(path: Path) -> dict[str, list[str]]:
    """A markdown page's first table: row label -> the other cells."""
    rows = [line.strip("|").split(" | ") for line in path.read_text().splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [cell.strip() for cell in cells[1:]] for cells in rows}


def test_categories_follow_minif2f_name_prefixes() -> None:
    names = {"mathd_algebra_10": "mathd_algebra", "mathd_numbertheory_3": "mathd_numbertheory",
             "amc12a_2002_p6": "amc12", "amc12_2001_p9": "amc12", "aime_1983_p1": "aime", "aimeI_2000_p7": "aime",
             "imo_1959_p1": "imo", "induction_12dvd4expnp1p20": "induction", "algebra_sqineq_at2malt1": "algebra",
             "numbertheory_2dvd4expn": "numbertheory", "easy_0": "others"}
    assert {name: category(name) for name in names} == names


def test_the_report_counts_what_the_results_files_say(tmp_path) -> None:
    a, b = write(tmp_path / "a.jsonl", RUN_A), write(tmp_path / "b.jsonl", RUN_B)
    out = tmp_path / "report"
    assert main([f"A={a}", f"B={b}", "--out", str(out)]) == 0

    runs = table(out / "runs.md")
    assert runs["A"][:3] == ["6", "3 (50.0%)", "0"] and runs["B"][:3] == ["6", "2 (33.3%)", "0"]

    categories = table(out / "categories.md")
    assert categories["run"] == ["mathd_algebra", "mathd_numbertheory", "amc12", "imo", "others", "all"]
    assert categories["A"] == ["1/2 (50.0%)", "0/1 (0.0%)", "0/1 (0.0%)", "1/1 (100.0%)", "1/1 (100.0%)", "3/6 (50.0%)"]
    assert categories["B"] == ["1/2 (50.0%)", "0/1 (0.0%)", "1/1 (100.0%)", "0/1 (0.0%)", "0/1 (0.0%)", "2/6 (33.3%)"]

    budget = table(out / "budget.md")
    assert budget["run"] == ["budget 1", "budget 2", "budget 4", "budget 8"]
    # A: verified after 1, 3 and 8 expansions; B (budget 4) after 2 and 4, and nothing known past 4
    assert budget["A"] == ["1/6 (16.7%)", "1/6 (16.7%)", "2/6 (33.3%)", "3/6 (50.0%)"]
    assert budget["B"] == ["0/6 (0.0%)", "1/6 (16.7%)", "2/6 (33.3%)", "-"]

    differences = table(out / "differences.md")
    assert differences["A"] == ["-", "2"] and differences["B"] == ["1", "-"]
    text = (out / "differences.md").read_text()
    assert "**A** and not **B** (2): custom_lemma, imo_1959_p1" in text and "**B** and not **A** (1): amc12a_2000_p1" in text

    for figure in ("budget.png", "time.png"):
        assert (out / figure).read_bytes().startswith(PNG) and (out / figure).stat().st_size > 5000
    index = (out / "index.md").read_text()
    for page in ("runs.md", "categories.md", "budget.md", "budget.png", "time.png", "differences.md"):
        assert f"]({page})" in index


def test_a_sweep_folder_reports_one_run_per_cell(tmp_path) -> None:
    sweep = tmp_path / "sweep"
    for key, records in [("k1", RUN_A), ("k2", RUN_B)]:
        (sweep / key).mkdir(parents=True)
        write(sweep / key / "results.jsonl", records)
    cells = [{"key": "k1", "label": "budget=8", "results": "k1/results.jsonl"},
             {"key": "k2", "label": "budget=4", "results": "k2/results.jsonl"},
             {"key": "k3", "label": "budget=16", "results": "k3/results.jsonl"}]  # not run yet: left out
    (sweep / "sweep.json").write_text(json.dumps({"cells": cells}))
    out = tmp_path / "report"
    assert main([str(sweep), "--out", str(out)]) == 0
    assert table(out / "runs.md")["budget=8"][1] == "3 (50.0%)" and "budget=16" not in table(out / "runs.md")
    assert main([str(tmp_path / "missing.jsonl"), "--out", str(out)]) == 2


def test_budget_points_and_problems_in_common() -> None:
    assert budget_points(1) == [1] and budget_points(8) == [1, 2, 4, 8] and budget_points(100)[-2:] == [64, 100]
    assert only_solved_by(RUN_A, RUN_B[:1]) == []  # only the problems both runs have count


def test_the_last_record_of_a_problem_counts(tmp_path) -> None:
    path = write(tmp_path / "r.jsonl", [record("x", False, 1, error="crash"), record("x", True, 2)])
    assert [(r["name"], r["verified"]) for r in load(path)] == [("x", True)]
