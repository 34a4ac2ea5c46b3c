import json

import pytest

from prover.results import ResultStore


def test_append_and_resume(tmp_path):
    path = tmp_path / "r.jsonl"
    store = ResultStore(path)
    store.append({"name": "a", "split": "test", "proved": True})
    store.append({"name": "b", "split": "test", "proved": False})
    again = ResultStore(path)
    assert again.done("test", "a") and again.done("test", "b") and not again.done("valid", "a")
    with pytest.raises(ValueError):
        again.append({"name": "a", "split": "test"})


def test_a_torn_last_line_is_dropped_and_redone(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"name": "a", "split": "test"}) + "\n" + '{"name": "b", "spl')
    store = ResultStore(path)
    assert store.done("test", "a") and not store.done("test", "b")
    store.append({"name": "b", "split": "test"})
    lines = path.read_text().splitlines()
    assert [json.loads(line)["name"] for line in lines] == ["a", "b"]


def test_an_error_may_be_superseded_and_the_last_record_counts(tmp_path):
    path = tmp_path / "r.jsonl"
    store = ResultStore(path)
    store.append({"name": "a", "split": "test", "error": "internal error: server unreachable"})
    store.append({"name": "b", "split": "test", "error": ""})
    assert store.failed("test", "a") and not store.failed("test", "b") and store.done("test", "a")
    store.append({"name": "a", "split": "test", "error": "", "verified": True})
    with pytest.raises(ValueError):
        store.append({"name": "a", "split": "test", "error": ""})  # a result without error is final
    again = ResultStore(path)
    assert [(r["name"], r.get("verified", False)) for r in again] == [("a", True), ("b", False)]
    assert len(again) == 2 and not again.failed("test", "a")
    assert len(path.read_text().splitlines()) == 3  # the old line stays: appended, never rewritten
