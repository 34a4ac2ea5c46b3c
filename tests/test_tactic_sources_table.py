"""benchmarks/tactic_sources.py: the comparison table counts what the results files say."""

from __future__ import annotations

import json

from benchmarks.tactic_sources import load, row


def _write(path, records) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def _record(name, verified, expansions=1, stop="exhausted", error="", proof=()):
    return {"name": name, "split": "test", "verified": verified, "expansions": expansions, "stop_reason": stop,
            "error": error, "skipped": "", "wall_time": 60.0, "proof": list(proof)}


def test_rows_count_the_last_record_of_each_problem_and_compare_with_the_baseline(tmp_path) -> None:
    base = load(_write(tmp_path / "b.jsonl", [_record("a", True, proof=["lia"]), _record("b", False), _record("c", False)]))
    run = load(_write(tmp_path / "r.jsonl", [
        _record("a", False, error="internal error"), _record("a", False, 100, "budget"),  # retried: the last one counts
        _record("b", True, 7, "proved", proof=["apply b_lemma"]), _record("c", False, 40, "time limit"),
    ]))  # fmt: skip
    assert len(run) == 3
    cells = row("run", run, {"a"})
    assert cells[1:4] == ["3", "1 (33.3%)", "0"]
    assert cells[4] == f"{(100 + 7 + 40) / 3:.1f}" and cells[5] == "70.0"  # mean expansions: all, unproved
    assert cells[6] == "budget 1, time limit 1" and cells[7] == "3"
    assert cells[8] == "0" and cells[9] == "no: +1, -1 (a)"
    assert row("base", base, {"a"})[9] == "yes, +0"
    named = load(_write(tmp_path / "n.jsonl", [_record("Lib.b_lemma", True, proof=["apply b_lemma"])]))
    assert row("n", named, None)[8] == "1"  # a proof that names the lemma it proves is counted


def test_a_sweep_folder_is_one_run_per_cell_and_split_keeps_one_split(tmp_path, capsys) -> None:
    from benchmarks.tactic_sources import main
    from prover.sweep import write_index

    sweep = tmp_path / "sweep"
    for key, verified in [("k1", [True, False]), ("k2", [True, True])]:
        (sweep / key).mkdir(parents=True)
        _write(sweep / key / "results.jsonl", [_record("t", verified[0]), {**_record("v", verified[1]), "split": "valid"}])
    write_index(sweep, [{"key": "k1", "label": "portfolio", "results": "k1/results.jsonl"},
                        {"key": "k2", "label": "best", "results": "k2/results.jsonl"}])
    assert main([str(sweep), "--split", "valid", "--baseline", "portfolio"]) == 0
    lines = capsys.readouterr().out.splitlines()
    portfolio, best = (next(line for line in lines if line.startswith(f"| {label} |")) for label in ("portfolio", "best"))
    assert "| 1 | 0 (0.0%) |" in portfolio and "| 1 | 1 (100.0%) |" in best and best.endswith("| yes, +1 |")
    assert main([str(sweep), "--baseline", "portfolio"]) == 0
    assert "| 2 | 1 (50.0%) |" in next(l for l in capsys.readouterr().out.splitlines() if l.startswith("| portfolio |"))
