"""Data sources: which files a source lists, and the records of text, JSONL, parquet and ``datasets`` sources."""

from __future__ import annotations

import itertools
import json
import sys
import types
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="train/ needs torch (pip install torch==2.13.0)")

from train.config import SourceConfig  # noqa: E402
from train.data.cursor import Position, RecordCursor  # noqa: E402
from train.data.sources import Source, build_sources  # noqa: E402

THEORIES = Path("/usr/lib/ocaml/coq/theories")
needs_theories = pytest.mark.skipif(not THEORIES.is_dir(), reason="the Coq stdlib sources are absent (apt-get install libcoq-stdlib)")


def _jsonl(path: Path, items: list) -> Path:
    path.write_text("".join((item if isinstance(item, str) else json.dumps(item)) + "\n" for item in items), encoding="utf-8")
    return path


def _texts(source: Source) -> list[str]:
    return [record[0] for _, record in RecordCursor(source, seed=None, wrap=False)]


@needs_theories
def test_a_folder_lists_its_files_with_the_extensions_recursively_sorted() -> None:
    source = Source(SourceConfig(name="sorting", paths=[str(THEORIES / "Sorting")], extensions=[".v"]), 0)
    expected = sorted(str(p) for p in (THEORIES / "Sorting").rglob("*.v"))
    assert source.files == expected and len(expected) > 3
    assert _texts(source) == [Path(p).read_text(encoding="utf-8") for p in expected]


@needs_theories
def test_files_globs_and_folders_combine_in_entry_order_without_duplicates() -> None:
    first = THEORIES / "Bool" / "Bool.v"
    config = SourceConfig(paths=[str(first), str(THEORIES / "Bool" / "*.v"), str(THEORIES / "Relations")])
    files = Source(config, 3).files
    assert files[0] == str(first) and files.count(str(first)) == 1
    assert files[1:] == sorted(set(map(str, (THEORIES / "Bool").glob("*.v"))) - {str(first)}) + sorted(
        str(p) for p in (THEORIES / "Relations").rglob("*.v")
    )
    assert Source(config, 3).name == "source3"


def test_a_source_without_files_or_with_a_missing_path_names_itself(tmp_path: Path) -> None:
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    with pytest.raises(ValueError, match="source 'web': no documents: no files ending in .txt"):
        Source(SourceConfig(name="web", paths=[str(tmp_path)], extensions=[".txt"]), 0)
    with pytest.raises(ValueError, match=f"source 'web': {tmp_path / 'gone'} does not exist"):
        Source(SourceConfig(name="web", paths=[str(tmp_path / "gone")]), 0)
    with pytest.raises(ValueError, match="source 'web': no paths and no dataset"):
        Source(SourceConfig(name="web"), 0)


def test_a_source_whose_files_hold_no_documents_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    _jsonl(tmp_path / "blank.jsonl", [{"text": ""}, ""])
    cursor = RecordCursor(Source(SourceConfig(name="hollow", paths=[str(tmp_path)]), 0), seed=0)
    with pytest.raises(ValueError, match=r"source 'hollow': no documents in its 2 file\(s\)"):
        next(cursor)


def test_jsonl_records_one_per_line_from_any_line(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "d.jsonl", [{"text": "a", "id": 1}, "", {"text": "b"}, {"text": "c"}])
    source = Source(SourceConfig(paths=[str(path)]), 0)
    assert list(source.records(0)) == [(0, ("a",)), (2, ("b",)), (3, ("c",))]
    assert list(source.records(0, start=1)) == [(2, ("b",)), (3, ("c",))]
    cursor = RecordCursor(source, seed=None, position=Position(0, 0, 3))
    assert [next(cursor) for _ in range(2)] == [(Position(0, 0, 3), ("c",)), (Position(1, 0, 0), ("a",))]


@pytest.mark.parametrize("line, problem", [
    ('{"text": "ok"', "not JSON"),
    ('{"body": "x"}', "no field 'text'"),
    ('{"text": 3}', "a int, not a string, in field 'text'"),
    ('["text"]', "expected an object with 'text', got list"),
])
def test_a_bad_jsonl_line_is_an_error_naming_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    path = _jsonl(tmp_path / "bad.jsonl", [{"text": "fine"}, "", line])
    with pytest.raises(ValueError, match=f"^{path}:3: {problem}"):
        list(Source(SourceConfig(paths=[str(path)]), 0).records(0))


def test_fine_tuning_records_are_pairs_and_plain_files_are_refused(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "pairs.jsonl", [{"goal": "x = x", "tactic": "reflexivity."}])
    config = SourceConfig(paths=[str(path)], prompt_field="goal", completion_field="tactic")
    assert list(Source(config, 0, pairs=True).records(0)) == [(0, ("x = x", "reflexivity."))]
    (tmp_path / "plain.txt").write_text("text")
    with pytest.raises(ValueError, match="source 'ft': .*plain.txt is plain text, not prompt/completion records"):
        Source(SourceConfig(name="ft", paths=[str(path), str(tmp_path / "plain.txt")]), 0, pairs=True)


def test_sources_need_distinct_names_and_one_at_least(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    with pytest.raises(ValueError, match="repeated: web"):
        build_sources([SourceConfig(name="web", paths=[str(tmp_path)])] * 2)
    with pytest.raises(ValueError, match="no data sources"):
        build_sources([])


def test_parquet_rows_are_records_from_any_row_across_row_groups(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow", reason="parquet sources need pyarrow (pip install pyarrow)")
    import pyarrow.parquet as pq

    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"text": [f"doc {i}" for i in range(10)], "n": list(range(10))}), path, row_group_size=3)
    source = Source(SourceConfig(paths=[str(path)]), 0)
    assert list(source.records(0)) == [(i, (f"doc {i}",)) for i in range(10)]
    assert list(source.records(0, start=4)) == [(i, (f"doc {i}",)) for i in range(4, 10)]
    with pytest.raises(ValueError, match=r"d.parquet: no column 'body' \(columns: text, n\)"):
        list(Source(SourceConfig(paths=[str(path)], text_field="body"), 0).records(0))
    pq.write_table(pa.table({"text": ["a", None]}), path)
    with pytest.raises(ValueError, match="d.parquet: row 1: a NoneType, not a string, in field 'text'"):
        list(Source(SourceConfig(paths=[str(path)]), 0).records(0))


def test_missing_optional_libraries_are_one_line_install_hints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(ImportError, match="source 'web' reads the Hugging Face dataset 'org/web' needs datasets: pip install datasets"):
        Source(SourceConfig(name="web", dataset="org/web"), 0)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    (tmp_path / "d.parquet").write_bytes(b"PAR1")
    with pytest.raises(ImportError, match="d.parquet needs pyarrow: pip install pyarrow"):
        list(Source(SourceConfig(paths=[str(tmp_path / "d.parquet")]), 0).records(0))


class _FakeStream:
    """What ``datasets.load_dataset(..., streaming=True)`` returns, as far as a source uses it."""

    def __init__(self, items: list[dict], skipped: list[int]) -> None:
        self.items, self.skipped = items, skipped

    def skip(self, n: int) -> _FakeStream:
        self.skipped.append(n)
        return _FakeStream(self.items[n:], self.skipped)

    def __iter__(self):
        return iter(self.items)


def test_a_dataset_source_streams_records_and_resumes_by_skipping(monkeypatch: pytest.MonkeyPatch) -> None:
    calls, skipped = [], []
    items = [{"content": f"record {i}"} for i in range(5)] + [{"other": 1}]

    def load_dataset(name, config, split, streaming):
        calls.append((name, config, split, streaming))
        return _FakeStream(items, skipped)

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    config = SourceConfig(name="web", dataset="org/web", dataset_config="en", split="validation", text_field="content")
    source = Source(config, 0)
    assert source.files == ["<dataset>"] and calls == []  # nothing is loaded before the first read
    assert list(itertools.islice(source.records(0, start=3), 2)) == [(3, ("record 3",)), (4, ("record 4",))]
    assert calls == [("org/web", "en", "validation", True)] and skipped == [3]
    with pytest.raises(ValueError, match="dataset 'org/web': record 5: no field 'content'"):
        list(source.records(0))
