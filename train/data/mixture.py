"""The pretraining mixture: each row drawn from one source, chosen at random in proportion to its weight."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from train.config import SourceConfig
from train.data.batch import Batch, packed_batch
from train.data.packing import PackedStream
from train.data.sources import Source, build_sources


class WeightedSources:
    """What both samplers share: the sources, the seeded choice of a source per row, ``drawn``, the state.

    Row ``k`` of the whole stream comes from the source whose share of the cumulative
    weights holds the ``k``-th uniform number of ``numpy.random.default_rng(seed)``, so
    the stream does not depend on how it is cut into batches. Subclasses keep one
    reader per source and say how to save and restore its position.
    """

    def __init__(self, sources: list[SourceConfig], seq_len: int, seed: int, pairs: bool) -> None:
        """Check the weights, ``seq_len`` and ``seed``; build the sources (``pairs``: fine-tuning records)."""
        if seq_len < 2:
            raise ValueError(f"seq_len must be at least 2, got {seq_len}")
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"the data seed must be a non-negative integer, got {seed!r}")
        self.sources: list[Source] = build_sources(sources, pairs)
        for source in self.sources:
            weight = source.config.weight
            if not (math.isfinite(weight) and weight > 0):
                raise ValueError(f"source {source.name!r}: weight must be positive, got {weight}")
        weights = np.array([s.config.weight for s in self.sources], dtype=np.float64)
        self._cdf = np.cumsum(weights / weights.sum())
        self._rng = np.random.default_rng(int(seed))
        self.seq_len = seq_len
        self.seed = int(seed)
        #: Rows drawn per source so far.
        self.drawn: dict[str, int] = {s.name: 0 for s in self.sources}

    def _choose(self, n: int) -> list[int]:
        """The sources of the next ``n`` rows (indices), counted in :attr:`drawn`."""
        if n < 1:
            raise ValueError(f"a batch needs at least one row, got {n}")
        chosen = np.minimum(np.searchsorted(self._cdf, self._rng.random(n), side="right"), len(self.sources) - 1)
        for index in chosen:
            self.drawn[self.sources[index].name] += 1
        return chosen.tolist()

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume exactly: the RNG, ``drawn`` and each source's position (picklable)."""
        return {
            "kind": type(self).__name__,
            "seq_len": self.seq_len,
            "seed": self.seed,
            "rng": self._rng.bit_generator.state,
            "drawn": dict(self.drawn),
            "sources": {s.name: self._source_state(i) for i, s in enumerate(self.sources)},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state_dict` of a sampler of the same kind, sources and ``seq_len``."""
        names = [s.name for s in self.sources]
        saved = (state.get("kind"), state.get("seq_len"), list(state.get("sources", {})))
        if saved != (type(self).__name__, self.seq_len, names):
            raise ValueError(
                f"the data state is of a {saved[0]} with seq_len {saved[1]} and sources {saved[2]}, "
                f"not of this {type(self).__name__} with seq_len {self.seq_len} and sources {names}"
            )
        self._rng.bit_generator.state = state["rng"]
        self.drawn = dict(state["drawn"])
        for index, name in enumerate(names):
            self._load_source_state(index, state["sources"][name])

    def _source_state(self, index: int) -> dict[str, Any]:
        raise NotImplementedError

    def _load_source_state(self, index: int, state: dict[str, Any]) -> None:
        raise NotImplementedError


class MixtureSampler(WeightedSources):
    """Packed pretraining rows from weighted sources; a deterministic function of
    (sources, tokenizer, seq_len, seed) that resumes exactly from :meth:`state_dict`.

    Rows are all ``seq_len`` long, so each source's share of the tokens follows its
    weight. Each source is a :class:`PackedStream` whose file order is reshuffled per
    epoch from ``seed``; a source that runs out starts its next epoch.
    """

    def __init__(self, sources: list[SourceConfig], tokenizer: Any, seq_len: int, seed: int) -> None:
        """A sampler over ``sources`` (weights positive, need not sum to 1), tokenized with ``tokenizer``."""
        super().__init__(sources, seq_len, seed, pairs=False)
        self._streams = [PackedStream(s, tokenizer, seq_len, seed) for s in self.sources]

    def next_batch(self, n: int) -> Batch:
        """The next ``n`` packed rows; ``labels`` equal ``input_ids`` (the model shifts them)."""
        chosen = self._choose(n)
        rows = [self._streams[i].next_row() for i in chosen]
        return packed_batch(rows, [self.sources[i].name for i in chosen])

    def _source_state(self, index: int) -> dict[str, Any]:
        return self._streams[index].state()

    def _load_source_state(self, index: int, state: dict[str, Any]) -> None:
        self._streams[index].load_state(state)
