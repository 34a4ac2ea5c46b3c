"""The results file: one JSON record per problem, appended atomically, resumable, one run at a time.

Each record is written as one complete line with a single ``write`` on a file
opened with ``O_APPEND`` and then ``fsync``-ed, so a killed run leaves whole
records only, except at worst a torn final line, which :class:`ResultStore`
cuts off when it opens the file. A rerun skips every problem already recorded,
so nothing is lost or duplicated.

A problem whose record holds an ``error`` (a crashed prover, an unreachable
model server) may be run again (``prove --retry-errors``): its new record is
appended after the old one, and the last record of a problem is its result.

Each record carries the configuration of the run that wrote it (``config``, see
:mod:`prover.run_config`), so a rerun can tell whether it would mix results.

An open store holds an exclusive ``flock`` on the file until :meth:`ResultStore.close`,
so a second run on the same file stops at once instead of doing every problem again.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
import threading
from pathlib import Path
from typing import Any, Iterator

from prover.records import ResultRecord

class ResultsFileError(ValueError):
    """The results file cannot be used as it is; the message names it (and the line)."""


class ResultsInUseError(ResultsFileError):
    """Another run holds the results file."""


class ResultsWriteError(OSError):
    """A record could not be written (disk full, file too large, ...): the run must stop."""


class ResultStore:
    """Append-only JSONL store of per-problem results, keyed by (split, name); the last record counts.

    Opening it checks that the path is a regular file that can be written, takes the lock, cuts a
    torn last line and reads every record; a damaged line raises :class:`ResultsFileError` naming
    the file and line. Use it as a context manager, or call :meth:`close`.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._latest: dict[tuple[str, str], ResultRecord] = {}  # insertion order: first recorded first
        self.config: dict[str, Any] | None = None  #: the configuration of the last record written with one
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise ResultsFileError(f"cannot open the results file {self.path}: {error.strerror}") from None
        try:
            if not stat.S_ISREG(os.fstat(self._fd).st_mode):
                raise ResultsFileError(f"the results file {self.path} is not a regular file")
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ResultsInUseError(
                    f"{self.path} is in use by another prove run; wait for it to end or choose another --out"
                ) from None
            self._repair_and_load()
        except BaseException:
            os.close(self._fd)
            raise

    def done(self, split: str, name: str) -> bool:
        """Whether a result for this problem is already recorded."""
        return (split, name) in self._latest

    def failed(self, split: str, name: str) -> bool:
        """Whether this problem's result is an error (it may be run again)."""
        record = self._latest.get((split, name))
        return bool(record and record.error)

    def append(self, record: ResultRecord) -> None:
        """Write ``record`` as one line, durably; a second record is refused unless the first is an error.

        A failed write raises :class:`ResultsWriteError`: the caller must stop, since nothing
        more can be kept. (A torn line it may leave is cut off when the file is next opened.)
        """
        with self._lock:
            previous = self._latest.get(record.key)
            if previous is not None and not previous.error:
                raise ValueError(f"duplicate result for {record.key}")
            self._write(record.to_json())
            self._keep(record)

    def __iter__(self) -> Iterator[ResultRecord]:
        """Each problem's result (its last record), in the order problems were first recorded."""
        with self._lock:
            return iter(list(self._latest.values()))

    def __len__(self) -> int:
        return len(self._latest)

    def close(self) -> None:
        """Release the lock and the file."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> "ResultStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, data: dict[str, Any]) -> None:
        line = (json.dumps(data, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            written = os.write(self._fd, line)
            while written < len(line):  # a short write is rare, but not impossible
                written += os.write(self._fd, line[written:])
            os.fsync(self._fd)
        except OSError as error:
            raise ResultsWriteError(f"cannot write to the results file {self.path}: {error.strerror}") from None

    def _repair_and_load(self) -> None:
        with open(self.path, "rb") as handle:
            data = handle.read()
        keep = len(data)
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1  # a torn last record: drop it, it will be redone
        for number, raw in enumerate(data[:keep].splitlines(), 1):
            if raw.strip():
                self._load_line(raw, number)
        if keep != len(data):
            os.ftruncate(self._fd, keep)

    def _load_line(self, raw: bytes, number: int) -> None:
        try:
            record = ResultRecord.from_json(json.loads(raw))
        except ValueError as error:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise ResultsFileError(
                f"{self.path}:{number}: damaged results line ({error}); fix or delete the line"
            ) from None
        self._keep(record)

    def _keep(self, record: ResultRecord) -> None:
        self._latest[record.key] = record
        if record.config is not None:
            self.config = record.config
