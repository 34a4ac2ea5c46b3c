"""A resumable read position in a source: epochs, the file order of each epoch, the record in the file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from train.data.sources import Record, Source


@dataclass(frozen=True)
class Position:
    """A record's address: ``epoch``, ``file`` (place in that epoch's file order), ``record`` (index in the file)."""

    epoch: int = 0
    file: int = 0
    record: int = 0

    def as_tuple(self) -> tuple[int, int, int]:
        """The position as plain ints (what a state dict holds)."""
        return (self.epoch, self.file, self.record)


def epoch_order(files: int, seed: int | None, source_index: int, epoch: int) -> list[int]:
    """The order an epoch reads a source's files in: sorted without a seed, else a permutation of
    ``numpy.random.default_rng([seed, source_index, epoch])``, new each epoch."""
    if seed is None:
        return list(range(files))
    return np.random.default_rng([seed, source_index, epoch]).permutation(files).tolist()


class RecordCursor:
    """The records of a source in reading order, from any :class:`Position`, epoch after epoch.

    Records whose fields are all empty are passed over. With ``wrap`` the cursor
    goes on to the next epoch when the files run out (forever); without, it stops
    after epoch 0. ``seed`` shuffles the file order per epoch (``None``: sorted).
    """

    def __init__(self, source: Source, seed: int | None, wrap: bool = True, position: Position = Position()) -> None:
        """A cursor over ``source`` whose next record is the first at or after ``position``."""
        self.source = source
        self.seed = seed
        self.wrap = wrap
        self.seek(position)

    def seek(self, position: Position) -> None:
        """Make the first record at or after ``position`` the next one (re-reads that file up to it)."""
        self.position = position
        self._records = self._read(position)

    def __iter__(self) -> Iterator[tuple[Position, Record]]:
        return self

    def __next__(self) -> tuple[Position, Record]:
        """The next record and its position; :attr:`position` then points past it."""
        at, record = next(self._records)
        self.position = Position(at.epoch, at.file, at.record + 1)
        return at, record

    def _read(self, start: Position) -> Iterator[tuple[Position, Record]]:
        epoch, file, record = start.as_tuple()
        while True:
            order = epoch_order(len(self.source.files), self.seed, self.source.index, epoch)
            found = False
            for place in range(file, len(order)):
                for index, values in self.source.records(order[place], record if place == file else 0):
                    if any(values):
                        found = True
                        yield Position(epoch, place, index), values
            if not found and file == 0 and record == 0:
                raise ValueError(f"source {self.source.name!r}: no documents in its {len(order)} file(s)")
            if not self.wrap:
                return
            epoch, file, record = epoch + 1, 0, 0
