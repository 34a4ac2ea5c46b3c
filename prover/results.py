"""The results file: one JSON record per problem, appended atomically, resumable.

Each record is written as one complete line with a single ``write`` on a file
opened with ``O_APPEND`` and then ``fsync``-ed, so a killed run leaves whole
records only, except at worst a torn final line, which :class:`ResultStore`
cuts off when it opens the file. A rerun skips every problem already recorded,
so nothing is lost or duplicated.

A problem whose record holds an ``error`` (a crashed prover, an unreachable
model server) may be run again (``prove --retry-errors``): its new record is
appended after the old one, and the last record of a problem is its result.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Iterator


class ResultStore:
    """Append-only JSONL store of per-problem results, keyed by (split, name); the last record counts."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._latest: dict[tuple[str, str], dict[str, Any]] = {}  # insertion order: first recorded first
        if self.path.exists():
            self._repair_and_load()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def key(record: dict[str, Any]) -> tuple[str, str]:
        """The identity of a record: its split and problem name."""
        return (record.get("split", ""), record["name"])

    def done(self, split: str, name: str) -> bool:
        """Whether a result for this problem is already recorded."""
        return (split, name) in self._latest

    def failed(self, split: str, name: str) -> bool:
        """Whether this problem's result is an error (it may be run again)."""
        return bool(self._latest.get((split, name), {}).get("error"))

    def append(self, record: dict[str, Any]) -> None:
        """Write ``record`` as one line, durably; a second record is refused unless the first is an error."""
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            key = self.key(record)
            if key in self._latest and not self._latest[key].get("error"):
                raise ValueError(f"duplicate result for {key}")
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                written = os.write(fd, line)
                while written < len(line):  # a short write is rare, but not impossible
                    written += os.write(fd, line[written:])
                os.fsync(fd)
            finally:
                os.close(fd)
            self._latest[key] = record

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Each problem's result (its last record), in the order problems were first recorded."""
        with self._lock:
            return iter(list(self._latest.values()))

    def __len__(self) -> int:
        return len(self._latest)

    def _repair_and_load(self) -> None:
        data = self.path.read_bytes()
        keep = len(data)
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1  # a torn last record: drop it, it will be redone
        for raw in data[:keep].splitlines():
            if raw.strip():
                record = json.loads(raw)
                self._latest[self.key(record)] = record
        if keep != len(data):
            with open(self.path, "r+b") as handle:
                handle.truncate(keep)
