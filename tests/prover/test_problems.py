"""Loading problems: every record checked when loaded, errors naming the file and line."""

from __future__ import annotations

import json

import pytest

from prover.problems import BenchmarkError, load_benchmark
from prover.run_config import RunConfig
from prover.runner import select_entries

GOOD = {"name": "good", "split": "test", "coq": {"header": "", "statement": "Theorem good : True."},
        "lean4": {"header": "", "statement": "theorem good : True :="}}


@pytest.mark.parametrize("line, why", [
    ("{not json", "not JSON"),
    ('["a", "list"]', "a problem is a JSON object, not a list"),
    ('"a string"', "a problem is a JSON object, not a str"),
    ('{"split": "test", "coq": {"statement": "Theorem x : True."}}', "the problem has no 'name'"),
    ('{"name": 7, "coq": {"statement": "Theorem x : True."}}', "the problem has no 'name'"),
    ('{"name": "x", "coq": ["Theorem x : True."]}', "x: 'coq' must be an object"),
    ('{"name": "x", "coq": {"statement": 5}}', "x: 'statement' must be a string, not int"),
    ('{"name": "x", "coq": {"statement": "Theorem x : True.", "header": ["Require"]}}', "'header' must be a string"),
    ('{"name": "x", "coq": {"statement": "Theorem x : True"}}', "x: the Coq statement does not end with a period"),
    ('{"name": "x", "coq": {"statement": "Theorem x : True. Theorem y : True."}}', "is one sentence, this is 2"),
    ('{"name": "x", "coq": {"statement": "Theorem x : (* open comment True."}}', "unclosed comment"),
    ('{"name": "good", "split": "test", "coq": {"statement": "Theorem good : True."}}', "already on"),
])
def test_a_bad_record_stops_the_load_with_its_file_and_line(tmp_path, line, why):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(GOOD) + "\n\n" + line + "\n")
    with pytest.raises(BenchmarkError) as caught:
        load_benchmark(str(path), "coq")
    message = str(caught.value)
    assert message.startswith(f"{path}:3: ") and why in message and "\n" not in message


def test_lean_statements_are_checked_with_the_lean_rules(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({**GOOD, "lean4": {"statement": "theorem good : True"}}) + "\n")
    assert load_benchmark(str(path), "coq")[0].problem.statement == "Theorem good : True."
    with pytest.raises(BenchmarkError, match=r":1: good: the statement does not end with ':='"):
        load_benchmark(str(path), "lean")


def test_a_record_without_the_backends_statement_is_skipped_not_dropped(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"name": "coq_only", "coq": GOOD["coq"]}) + "\n")
    [entry] = load_benchmark(str(path), "lean")
    assert entry.problem.name == "coq_only" and entry.problem.split == "custom"
    assert entry.skip_reason == f"no lean statement in {path}"


def test_leandojo_problems_are_the_lean_statements():
    lean = load_benchmark("minif2f", "lean", split="valid")
    leandojo = load_benchmark("minif2f", "leandojo", split="valid")
    assert [e.problem for e in leandojo] == [e.problem for e in lean] and len(lean) == 244
    assert all(e.problem.statement.startswith("theorem ") for e in leandojo)


def test_the_runner_skips_a_minif2f_name_with_another_statement_for_every_backend(tmp_path):
    [vendored] = load_benchmark("minif2f", "lean", names=["mathd_algebra_10"])
    weakened = vendored.problem.statement.replace("= 10 :=", "≤ 10 :=")
    assert weakened != vendored.problem.statement
    path = tmp_path / "p.jsonl"
    same = {"name": "mathd_algebra_10", "lean4": {"header": vendored.problem.header,
                                                 "statement": vendored.problem.statement}}
    path.write_text(json.dumps(same) + "\n")
    assert select_entries(RunConfig(benchmark=str(path), backend="lean", split=None))[0].skip_reason == ""
    path.write_text(json.dumps({**same, "lean4": {**same["lean4"], "statement": weakened}}) + "\n")
    [entry] = select_entries(RunConfig(benchmark=str(path), backend="lean", split=None))
    assert "the header or statement of mathd_algebra_10 differs from the vendored miniF2F one" in entry.skip_reason
    path.write_text(json.dumps({**GOOD, "name": "my_own"}) + "\n")  # a name of one's own is never judged
    assert select_entries(RunConfig(benchmark=str(path), backend="coq", split=None))[0].skip_reason == ""


def test_a_file_selects_the_splits_it_declares_and_names_them_for_an_unknown_one(tmp_path):
    path = tmp_path / "p.jsonl"
    records = [{**GOOD, "name": "a", "split": "heldout"}, {**GOOD, "name": "b", "split": "heldout"},
               {**GOOD, "name": "c", "split": "dev"}, {"name": "d", "coq": GOOD["coq"]}]  # no split: "custom"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert [e.problem.name for e in load_benchmark(str(path), "coq", split="heldout")] == ["a", "b"]
    assert [e.problem.name for e in load_benchmark(str(path), "coq", split="custom")] == ["d"]
    assert len(load_benchmark(str(path), "coq")) == 4
    with pytest.raises(BenchmarkError, match=rf"^{path} has no split 'test'; its splits: custom, dev, heldout$"):
        load_benchmark(str(path), "coq", split="test")
    with pytest.raises(BenchmarkError, match=r"^prover/data/minif2f.jsonl has no split 'heldout'; its splits: test, valid$"):
        load_benchmark("minif2f", "coq", split="heldout")
