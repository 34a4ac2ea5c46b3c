"""One block of device memory that fixed-shape KV caches are cut from, at stable addresses.

A compiled decode step replays as a CUDA graph recorded against the addresses
of its cache tensors. Batches come in many shapes (prompt counts, prompt
lengths), and a cache allocated afresh for each would move, so the graph would
be re-recorded again and again (PyTorch stops using CUDA graphs for a function
re-recorded too often) and memory would fragment. Here every cache is a set of
views into one arena, laid out from its start in the same order for the same
shape: a shape's tensors get the same addresses every time. Caches of different
shapes overlap, which is fine because one batch decodes at a time and each
batch reinitialises the cache it uses. The arena grows (and every view must be
cut again) only when a larger shape comes.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

import torch

#: Views start at multiples of this many elements (aligned for vectorised loads).
ALIGN = 256


def round_up(n: int, multiple: int) -> int:
    """The smallest multiple of ``multiple`` that is at least ``n``."""
    return -(-n // multiple) * multiple


class KVArena:
    """A growable flat tensor of one dtype on one device; :meth:`cut` lays views out in it."""

    def __init__(self, dtype: torch.dtype, device: torch.device | str, growth: float = 1.25):
        self.dtype, self.device, self.growth = dtype, torch.device(device), growth
        self._block: torch.Tensor | None = None
        #: Bumped each time the block is replaced: views cut before then are stale.
        self.generation = 0

    @staticmethod
    def size_of(shapes: Sequence[tuple[int, ...]]) -> int:
        """Elements that views of ``shapes`` take, alignment included."""
        return sum(round_up(prod(shape), ALIGN) for shape in shapes)

    def cut(self, shapes: Sequence[tuple[int, ...]]) -> list[torch.Tensor]:
        """Views of ``shapes`` laid out from the arena's start (same shapes, same addresses).

        Grows the arena first if they do not fit; that replaces the block and bumps
        :attr:`generation`, so callers drop the views they hold.
        """
        needed = self.size_of(shapes)
        if self._block is None or self._block.numel() < needed:
            old = 0 if self._block is None else self._block.numel()
            self.release()  # free the old block before asking for the larger one
            self._block = torch.empty(max(needed, int(old * self.growth)), dtype=self.dtype, device=self.device)
            self.generation += 1
        views, offset = [], 0
        for shape in shapes:
            n = prod(shape)
            views.append(self._block[offset : offset + n].view(shape))
            offset += round_up(n, ALIGN)
        return views

    def release(self) -> None:
        """Free the block (views still held keep their storage alive until dropped)."""
        self._block = None
        if self.device.type == "cuda":
            torch.cuda.empty_cache()

    @property
    def capacity(self) -> int:
        """Elements in the block (0 before the first cut)."""
        return 0 if self._block is None else self._block.numel()
