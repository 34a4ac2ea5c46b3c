"""The results file: one JSON record per problem, appended atomically, resumable.

Each record is written as one complete line with a single ``write`` on a file
opened with ``O_APPEND`` and then ``fsync``-ed, so a killed run leaves whole
records only, except at worst a torn final line, which :class:`ResultStore`
cuts off when it opens the file. A rerun skips every problem already recorded,
so nothing is lost or duplicated.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Iterator


class ResultStore:
    """Append-only JSONL store of per-problem results, keyed by (split, name)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self.records: list[dict[str, Any]] = []
        if self.path.exists():
            self._repair_and_load()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._done = {self.key(record) for record in self.records}

    @staticmethod
    def key(record: dict[str, Any]) -> tuple[str, str]:
        """The identity of a record: its split and problem name."""
        return (record.get("split", ""), record["name"])

    def done(self, split: str, name: str) -> bool:
        """Whether a result for this problem is already recorded."""
        return (split, name) in self._done

    def append(self, record: dict[str, Any]) -> None:
        """Write ``record`` as one line, durably; a second record for a problem is refused."""
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            key = self.key(record)
            if key in self._done:
                raise ValueError(f"duplicate result for {key}")
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                written = os.write(fd, line)
                while written < len(line):  # a short write is rare, but not impossible
                    written += os.write(fd, line[written:])
                os.fsync(fd)
            finally:
                os.close(fd)
            self.records.append(record)
            self._done.add(key)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(list(self.records))

    def _repair_and_load(self) -> None:
        data = self.path.read_bytes()
        keep = len(data)
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1  # a torn last record: drop it, it will be redone
        for raw in data[:keep].splitlines():
            if raw.strip():
                self.records.append(json.loads(raw))
        if keep != len(data):
            with open(self.path, "r+b") as handle:
                handle.truncate(keep)
