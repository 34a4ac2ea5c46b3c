"""Automatic prefix caching: the KV of a token prefix that recent prompts share, computed once.

Every prompt of a search run starts with the same few-shot examples; only the
goal at the end differs. Like vLLM's automatic prefix caching, the ``hf``
engine keeps the keys and values of such a shared prefix across calls, so each
batch prefills only what follows it, and its decode steps read the prefix's KV
once for all rows (see :mod:`prover.engines.hf.shared_prefix`).

No prompt format is assumed: a prefix is found as the longest common token
prefix of a batch's prompts and the previous batch's last prompt, cut to whole
``block``-token blocks; later batches reuse the longest cached prefix that all
their prompts start with.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CommonPrefix:
    """A shared token prefix and its KV: per layer ``(keys, values)``, each ``(1, kv_heads, len, dim)``."""

    tokens: tuple[int, ...]
    layers: tuple[tuple[Any, Any], ...]

    def __len__(self) -> int:
        return len(self.tokens)


@dataclass(frozen=True)
class PrefixCacheConfig:
    """``max_entries`` prefixes are kept (least recently used go first); a new one needs ``min_tokens``."""

    max_entries: int = 4
    block: int = 16
    min_tokens: int = 32


class PrefixCache:
    """Cached common prefixes, and the previous prompt to find the next one (see the module docstring)."""

    def __init__(self, config: PrefixCacheConfig = PrefixCacheConfig()):
        self.config = config
        self._entries: OrderedDict[tuple[int, ...], CommonPrefix] = OrderedDict()
        self._previous: list[int] | None = None
        self.hits = 0
        self.misses = 0

    def lookup(self, prompts: list[list[int]]) -> CommonPrefix | None:
        """The longest cached prefix that every prompt starts with and goes beyond."""
        best = None
        for tokens, entry in self._entries.items():
            n = len(tokens)
            if (best is None or n > len(best)) and all(len(p) > n and tuple(p[:n]) == tokens for p in prompts):
                best = entry
        if best is not None:
            self._entries.move_to_end(best.tokens)
            self.hits += 1
        else:
            self.misses += 1
        return best

    def candidate(self, prompts: list[list[int]]) -> tuple[int, ...] | None:
        """A new prefix worth caching: shared by these prompts and the previous one, in whole blocks."""
        references = prompts + ([self._previous] if self._previous is not None else [])
        if len(references) < 2:
            return None
        shortest = min(len(p) for p in prompts) - 1  # every prompt keeps a token of its own
        common = 0
        first = references[0]
        while common < shortest and all(len(p) > common and p[common] == first[common] for p in references):
            common += 1
        common -= common % self.config.block
        return tuple(first[:common]) if common >= self.config.min_tokens else None

    def add(self, entry: CommonPrefix) -> None:
        """Keep ``entry``, dropping the least recently used beyond ``max_entries``."""
        self._entries[entry.tokens] = entry
        self._entries.move_to_end(entry.tokens)
        while len(self._entries) > self.config.max_entries:
            self._entries.popitem(last=False)

    def remember(self, prompts: list[list[int]]) -> None:
        """Note the batch's last prompt, to find a prefix with the next batch."""
        if prompts:
            self._previous = list(prompts[-1])

    def clear(self) -> None:
        """Drop every cached prefix (to free device memory)."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
