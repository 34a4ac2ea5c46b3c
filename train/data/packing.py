"""Packing: a source's documents, tokenized and separated by EOS, cut into rows of ``seq_len`` tokens."""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from train.config import SourceConfig
from train.data.batch import Batch, eos_id_of, pad_id_of, padded_batch
from train.data.cursor import Position, RecordCursor
from train.data.sources import Source, build_sources

#: Documents are tokenized in batches of at most this many documents or characters: the fast
#: tokenizer's batch call spreads them over threads, and a resume re-tokenizes at most one batch.
CHUNK_DOCS = 256
CHUNK_CHARS = 1 << 20


class PackedStream:
    """One source as a stream of rows: each document's tokens (no special tokens), then EOS,
    concatenated and cut every ``seq_len`` tokens, so that a long document spans rows.

    With ``wrap`` the stream goes on into the next epoch (a row may hold the end of one
    epoch and the start of the next); without, it ends after epoch 0 with a last,
    shorter row. ``seed`` shuffles the file order per epoch (``None``: sorted order).
    """

    def __init__(self, source: Source, tokenizer: Any, seq_len: int, seed: int | None, wrap: bool = True) -> None:
        """A stream over ``source``'s documents, tokenized with ``tokenizer`` (a fast HF tokenizer)."""
        self.source = source
        self.tokenizer = tokenizer
        self.seq_len = seq_len
        self.eos = eos_id_of(tokenizer)
        self.cursor = RecordCursor(source, seed, wrap)
        self._docs: deque[tuple[Position, np.ndarray]] = deque()  # tokenized, not yet all in rows
        self._offset = 0  # tokens of the first of _docs already in rows
        self._available = 0  # tokens in _docs not yet in rows
        self._resume_offset = 0  # tokens to drop from the next document tokenized (after load_state)

    def next_row(self) -> np.ndarray | None:
        """The next row: ``seq_len`` token ids (fewer only for the last row without ``wrap``; ``None`` after it)."""
        while self._available < self.seq_len and self._fill():
            pass
        if not self._available:
            return None
        parts, need = [], self.seq_len
        while need and self._docs:
            ids = self._docs[0][1]
            piece = ids[self._offset : self._offset + need]
            parts.append(piece)
            need -= len(piece)
            self._offset += len(piece)
            if self._offset == len(ids):
                self._docs.popleft()
                self._offset = 0
        self._available -= self.seq_len - need
        return np.concatenate(parts)

    def state(self) -> dict[str, Any]:
        """Where the next row starts: a document's position and how many of its tokens are already in rows."""
        if self._docs:
            return {"position": self._docs[0][0].as_tuple(), "offset": self._offset}
        return {"position": self.cursor.position.as_tuple(), "offset": self._resume_offset}

    def load_state(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state`: re-read from that document on, re-tokenizing one chunk."""
        self._docs.clear()
        self._offset = self._available = 0
        self._resume_offset = int(state["offset"])
        self.cursor.seek(Position(*state["position"]))

    def _fill(self) -> bool:
        """Tokenize the next chunk of documents; ``False`` when there are none left."""
        positions, texts, chars = [], [], 0
        for position, (text,) in self.cursor:
            positions.append(position)
            texts.append(text)
            chars += len(text)
            if len(texts) >= CHUNK_DOCS or chars >= CHUNK_CHARS:
                break
        if not texts:
            return False
        encoded = self.tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
        for position, ids in zip(positions, encoded):
            tokens = np.empty(len(ids) + 1, dtype=np.int64)
            tokens[:-1] = ids
            tokens[-1] = self.eos
            self._docs.append((position, tokens))
            self._available += len(tokens)
        if self._resume_offset:
            self._offset, self._resume_offset = self._resume_offset, 0
            self._available -= self._offset
        return True


def held_out_batches(sources: list[SourceConfig], tokenizer: Any, seq_len: int, rows: int, batch_size: int) -> list[Batch]:
    """The first ``rows`` packed rows of each held-out source, for perplexity, in batches of ``batch_size``.

    Deterministic and independent of any training seed: files in sorted order, no
    shuffling, one epoch. A source with fewer tokens gives fewer rows, its last one
    right-padded (``labels`` -100 and ``attention_mask`` 0 on the padding). Rows
    follow the order of ``sources``; a batch may hold rows of two sources.
    """
    if rows < 1 or batch_size < 1:
        raise ValueError(f"held-out rows ({rows}) and batch size ({batch_size}) must be positive")
    picked: list[tuple[np.ndarray, np.ndarray]] = []
    names: list[str] = []
    for source in build_sources(sources):
        stream = PackedStream(source, tokenizer, seq_len, seed=None, wrap=False)
        for _ in range(rows):
            row = stream.next_row()
            if row is None:
                break
            picked.append((row, row))
            names.append(source.name)
    pad = pad_id_of(tokenizer)
    return [
        padded_batch(picked[start : start + batch_size], names[start : start + batch_size], seq_len, pad)
        for start in range(0, len(picked), batch_size)
    ]
