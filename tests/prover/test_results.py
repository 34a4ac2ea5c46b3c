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
