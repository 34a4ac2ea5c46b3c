import json

import pytest

from prover.records import ResultRecord
from prover.results import ResultsFileError, ResultsInUseError, ResultStore
from prover.search import StopReason

#: A record exactly as the dict-building runner wrote them before records were typed.
OLD_LINE = {"name": "mathd_algebra_107", "split": "test", "backend": "coq", "generator": "portfolio",
            "budget": 100, "samples": 16, "proved": True, "verified": True, "proof": ["intros", "lra"],
            "logprobs": [-0.1, -0.3], "expansions": 2, "steps": 18, "stop_reason": "proved",
            "verdict": "coqc accepted the proof", "rejected": 0, "error": "", "wall_time": 1.25}
OLD_SKIPPED = {"name": "amc12a_2020_p15", "split": "test", "backend": "coq", "generator": "portfolio",
               "budget": 100, "samples": 16, "proved": False, "verified": False,
               "skipped": "statement does not compile", "error": "", "wall_time": 0.0}


def record(name, split="test", **fields):
    return ResultRecord(name=name, split=split, **fields)


def test_append_and_resume(tmp_path):
    path = tmp_path / "r.jsonl"
    with ResultStore(path) as store:
        store.append(record("a", proved=True))
        store.append(record("b"))
    with ResultStore(path) as again:
        assert again.done("test", "a") and again.done("test", "b") and not again.done("valid", "a")
        with pytest.raises(ValueError):
            again.append(record("a"))


def test_a_torn_last_line_is_dropped_and_redone(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"name": "a", "split": "test"}) + "\n" + '{"name": "b", "spl')
    with ResultStore(path) as store:
        assert store.done("test", "a") and not store.done("test", "b")
        store.append(record("b"))
    lines = path.read_text().splitlines()
    assert [json.loads(line)["name"] for line in lines] == ["a", "b"]


def test_an_error_may_be_superseded_and_the_last_record_counts(tmp_path):
    path = tmp_path / "r.jsonl"
    with ResultStore(path) as store:
        store.append(record("a", error="internal error: server unreachable"))
        store.append(record("b"))
        assert store.failed("test", "a") and not store.failed("test", "b") and store.done("test", "a")
        store.append(record("a", verified=True))
        with pytest.raises(ValueError):
            store.append(record("a"))  # a result without error is final
    with ResultStore(path) as again:
        assert [(r.name, r.verified) for r in again] == [("a", True), ("b", False)]
        assert len(again) == 2 and not again.failed("test", "a")
    assert len(path.read_text().splitlines()) == 3  # the old line stays: appended, never rewritten


def test_old_records_read_as_typed_records_and_write_the_same_fields():
    typed = ResultRecord.from_json(OLD_LINE)
    assert typed.stop_reason is StopReason.PROVED and typed.proof == ["intros", "lra"] and typed.verified
    assert {key: typed.to_json()[key] for key in OLD_LINE} == OLD_LINE
    skipped = ResultRecord.from_json(OLD_SKIPPED)
    assert skipped.stop_reason is None and skipped.skipped and skipped.to_json()["stop_reason"] == ""
    newer = ResultRecord.from_json({**OLD_LINE, "tokens": 12})
    assert newer.to_json()["tokens"] == 12  # a field from a newer version survives


def test_a_second_store_on_the_same_file_is_refused_until_the_first_closes(tmp_path):
    path = tmp_path / "r.jsonl"
    first = ResultStore(path)
    with pytest.raises(ResultsInUseError, match="in use by another prove run"):
        ResultStore(path)
    first.close()
    ResultStore(path).close()


@pytest.mark.parametrize("bad, why", [
    ('{"name": "b", "split": "test"', "damaged results line"),
    ('["b", "test"]', "a record is a JSON object, not list"),
    ('{"split": "test"}', "no 'name'"),
    ('{"name": "b", "split": "test", "verified": "yes"}', "field 'verified' has a str, not a bool"),
    ('{"name": "b", "split": "test", "stop_reason": "bored"}', "unknown stop_reason"),
])
def test_a_damaged_line_names_the_file_and_the_line(tmp_path, bad, why):
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join([json.dumps(OLD_LINE), bad, json.dumps(OLD_SKIPPED)]) + "\n")
    with pytest.raises(ResultsFileError) as caught:
        ResultStore(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:2: ") and why in message and "\n" not in message
    assert len(path.read_text().splitlines()) == 3  # nothing cut or rewritten


def test_a_path_that_is_not_a_regular_file_is_refused_without_reading_it(tmp_path):
    with pytest.raises(ResultsFileError, match="not a regular file"):
        ResultStore("/dev/full")  # reading it would never end
    with pytest.raises(ResultsFileError, match="cannot open the results file"):
        ResultStore(tmp_path)  # a folder


def test_the_store_knows_the_configuration_of_the_last_record_that_has_one(tmp_path):
    path = tmp_path / "r.jsonl"
    with ResultStore(path) as store:
        store.append(record("a", config={"search": {"budget": 1}}))
        store.append(record("b", config={"search": {"budget": 2}}))
        store.append(record("c"))  # as records of older versions
        assert store.config == {"search": {"budget": 2}}
    with ResultStore(path) as again:
        assert again.config == {"search": {"budget": 2}} and [r.name for r in again] == ["a", "b", "c"]
