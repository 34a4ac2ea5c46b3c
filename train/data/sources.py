"""Where documents come from: a source's files (or ``datasets`` stream) and the records in each.

A :class:`Source` wraps one :class:`~train.config.SourceConfig`. Its ``paths`` are
files, folders (searched recursively for files ending in one of ``extensions``)
or glob patterns, listed in sorted order per path entry. Each file is read by its
suffix: ``.jsonl`` holds one record per line, ``.parquet`` one per row, and any
other file is one plain-text document (UTF-8, undecodable bytes replaced). A
``dataset`` source is one Hugging Face ``datasets`` stream, read as if it were a
single file. A record is addressed by ``(file, index)``: the 0-based line of a JSONL
file, the row of a parquet file or stream, 0 for a plain file, so that a reader
can start anywhere by re-reading (never re-tokenizing) the file up to there.
"""

from __future__ import annotations

import glob
import importlib
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from train.config import SourceConfig

#: A record's values: ``(text,)`` for pretraining, ``(prompt, completion)`` for fine-tuning.
Record = tuple[str, ...]

#: The pseudo-file that stands for a ``datasets`` stream.
DATASET_FILE = "<dataset>"


class Source:
    """One configured source: its name, its files, and their records from any position."""

    def __init__(self, config: SourceConfig, index: int, pairs: bool = False) -> None:
        """``index`` is the source's place in its list (its default name); ``pairs`` reads
        ``(prompt, completion)`` records instead of ``(text,)``."""
        self.config = config
        self.index = index
        self.name = config.name or f"source{index}"
        self.fields = (config.prompt_field, config.completion_field) if pairs else (config.text_field,)
        self._dataset: Any = None
        if config.dataset:
            self._datasets()  # fail now, not at the first read, when the library is missing
            self.files = [DATASET_FILE]
        else:
            self.files = list_files(config, self.name)
        plain = [f for f in self.files if _kind(f) == "text"]
        if pairs and plain:
            raise ValueError(f"source {self.name!r}: {plain[0]} is plain text, not prompt/completion records (use JSONL or parquet)")

    def records(self, file: int, start: int = 0) -> Iterator[tuple[int, Record]]:
        """``(index, record)`` for the records of ``self.files[file]`` from index ``start`` on."""
        path = self.files[file]
        kind = _kind(path)
        if kind == "dataset":
            return self._dataset_records(start)
        if kind == "jsonl":
            return _jsonl_records(path, self.fields, start)
        if kind == "parquet":
            return _parquet_records(path, self.fields, start)
        return iter([(0, (Path(path).read_text(encoding="utf-8", errors="replace"),))] if start == 0 else [])

    def _dataset_records(self, start: int) -> Iterator[tuple[int, Record]]:
        if self._dataset is None:
            self._dataset = self._datasets().load_dataset(
                self.config.dataset, self.config.dataset_config or None, split=self.config.split, streaming=True
            )
        stream = self._dataset.skip(start) if start else self._dataset
        where = f"dataset {self.config.dataset!r}"
        for index, item in enumerate(stream, start):
            yield index, _fields(item, self.fields, f"{where}: record {index}")

    def _datasets(self) -> Any:
        return _import("datasets", f"source {self.name!r} reads the Hugging Face dataset {self.config.dataset!r}")


def _kind(path: str) -> str:
    """How a file is read: ``dataset`` (the stream), ``jsonl``, ``parquet`` or ``text``."""
    if path == DATASET_FILE:
        return "dataset"
    return next((kind for kind in ("jsonl", "parquet") if path.lower().endswith("." + kind)), "text")


def list_files(config: SourceConfig, name: str) -> list[str]:
    """The files of a local source, in order: each path entry's files sorted, duplicates dropped.

    A folder contributes its files ending in ``config.extensions``; a file named
    outright or matched by a glob pattern is taken whatever its suffix.
    """
    if not config.paths:
        raise ValueError(f"source {name!r}: no paths and no dataset")
    files: dict[str, None] = {}
    for entry in config.paths:
        if Path(entry).is_file():
            files.setdefault(str(Path(entry)), None)
            continue
        matches = [entry] if Path(entry).is_dir() else sorted(glob.glob(entry, recursive=True))
        if not matches and not glob.has_magic(entry):
            raise ValueError(f"source {name!r}: {entry} does not exist")
        for match in matches:
            found = _folder_files(Path(match), config.extensions) if Path(match).is_dir() else [match]
            files.update(dict.fromkeys(found))
    if not files:
        raise ValueError(f"source {name!r}: no documents: no files ending in {', '.join(config.extensions)} under {', '.join(config.paths)}")
    return list(files)


def _folder_files(folder: Path, extensions: list[str]) -> list[str]:
    suffixes = tuple(e.lower() for e in extensions)
    return sorted(str(p) for p in folder.rglob("*") if p.name.lower().endswith(suffixes) and p.is_file())


def _jsonl_records(path: str, fields: tuple[str, ...], start: int) -> Iterator[tuple[int, Record]]:
    with open(path, encoding="utf-8") as lines:
        for index, line in enumerate(itertools.islice(lines, start, None), start):
            if not line.strip():
                continue
            where = f"{path}:{index + 1}"
            try:
                item = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{where}: not JSON ({error.msg})") from None
            yield index, _fields(item, fields, where)


def _parquet_records(path: str, fields: tuple[str, ...], start: int) -> Iterator[tuple[int, Record]]:
    parquet = _import("pyarrow.parquet", f"reading {path}", package="pyarrow")
    data = parquet.ParquetFile(path)
    missing = [f for f in fields if f not in data.schema_arrow.names]
    if missing:
        raise ValueError(f"{path}: no column {missing[0]!r} (columns: {', '.join(data.schema_arrow.names)})")
    first = 0  # index of the row group's first row
    for group in range(data.num_row_groups):
        rows = data.metadata.row_group(group).num_rows
        if first + rows > start:
            table = data.read_row_group(group, columns=list(fields))
            columns = [table.column(f).to_pylist() for f in fields]
            for offset in range(max(start - first, 0), rows):
                item = {f: column[offset] for f, column in zip(fields, columns)}
                yield first + offset, _fields(item, fields, f"{path}: row {first + offset}")
        first += rows


def _fields(item: Any, fields: tuple[str, ...], where: str) -> Record:
    if not isinstance(item, dict):
        raise ValueError(f"{where}: expected an object with {', '.join(map(repr, fields))}, got {type(item).__name__}")
    for f in fields:
        if not isinstance(item.get(f), str):
            problem = "no field" if f not in item else f"a {type(item[f]).__name__}, not a string, in field"
            raise ValueError(f"{where}: {problem} {f!r}")
    return tuple(item[f] for f in fields)


def _import(module: str, purpose: str, package: str = "") -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{purpose} needs {package or module}: pip install {package or module}") from None


def build_sources(configs: list[SourceConfig], pairs: bool = False) -> list[Source]:
    """The :class:`Source` of each config; an empty list or two sources of one name are errors."""
    if not configs:
        raise ValueError("no data sources configured")
    sources = [Source(config, index, pairs) for index, config in enumerate(configs)]
    names = [s.name for s in sources]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"data sources need distinct names; repeated: {', '.join(repeated)}")
    return sources
