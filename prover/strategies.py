"""Search strategies: the order in which :func:`prover.search.search` expands the nodes it has queued.

A strategy is a *frontier*: the search pushes each new open node with its cumulative
log-probability (``score``, the sum along the path from the root) and its depth, and pops the
next node to expand. Everything else (the graph, merged states, budget and time, the re-check)
is the search's and the same for every strategy.

- ``best-first``: the highest cumulative log-probability first (the default; long paths pay for
  every step, so the search widens before it goes deep).
- ``best-first-normalized``: the highest *mean* log-probability per tactic (``score / depth``),
  so a long path of likely tactics is not penalised for its length.
- ``breadth-first``: every node of depth d before any of depth d + 1, in the order found.
- ``beam``: depth by depth, keeping only the ``beam_width`` best-scored nodes of each depth;
  the others are never expanded.

Ties go to the node queued first, so a search is deterministic for a deterministic generator.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from typing import Callable, Protocol

#: Every ``--strategy`` name, the default first.
STRATEGIES = ("best-first", "best-first-normalized", "breadth-first", "beam")
DEFAULT_STRATEGY = STRATEGIES[0]


class Frontier(Protocol):
    """The open nodes of a search, in the order a strategy expands them."""

    def push(self, node: int, score: float, depth: int) -> None:
        """Queue ``node``, reached with cumulative log-probability ``score`` at ``depth`` tactics."""

    def pop(self) -> int | None:
        """The next node to expand, or None when nothing is left."""


class PriorityFrontier:
    """Highest ``key(score, depth)`` first; ties in the order pushed."""

    def __init__(self, key: Callable[[float, int], float]) -> None:
        self._key = key
        self._heap: list[tuple[float, int, int]] = []
        self._order = itertools.count()

    def push(self, node: int, score: float, depth: int) -> None:
        """Queue ``node`` by its key."""
        heapq.heappush(self._heap, (-self._key(score, depth), next(self._order), node))

    def pop(self) -> int | None:
        """The node of highest key."""
        return heapq.heappop(self._heap)[2] if self._heap else None


class BreadthFirstFrontier:
    """First in, first out: nodes are pushed depth by depth, so each depth is done before the next."""

    def __init__(self) -> None:
        self._queue: deque[int] = deque()

    def push(self, node: int, score: float, depth: int) -> None:
        """Queue ``node`` last."""
        self._queue.append(node)

    def pop(self) -> int | None:
        """The node queued first."""
        return self._queue.popleft() if self._queue else None


class BeamFrontier:
    """Depth by depth, the ``width`` best-scored nodes of each depth, best first; the rest are dropped."""

    def __init__(self, width: int) -> None:
        if width < 1:
            raise ValueError(f"--beam-width must be at least 1, got {width}")
        self.width = width
        self._layer: list[int] = []  # the current depth's kept nodes, best last (popped from the end)
        self._next: list[tuple[float, int, int]] = []  # (score, order, node) of the next depth
        self._order = itertools.count()

    def push(self, node: int, score: float, depth: int) -> None:
        """Hold ``node`` for the next depth (children always lie one deeper than their parent)."""
        self._next.append((score, -next(self._order), node))

    def pop(self) -> int | None:
        """The best node left of this depth; when it is done, the next depth's ``width`` best."""
        if not self._layer:
            best = sorted(self._next, reverse=True)[: self.width]
            self._layer = [node for _, _, node in reversed(best)]
            self._next = []
        return self._layer.pop() if self._layer else None


def make_frontier(strategy: str, beam_width: int) -> Frontier:
    """The frontier of ``strategy`` (one of :data:`STRATEGIES`)."""
    if strategy == "best-first":
        return PriorityFrontier(lambda score, depth: score)
    if strategy == "best-first-normalized":
        return PriorityFrontier(lambda score, depth: score / depth if depth else 0.0)
    if strategy == "breadth-first":
        return BreadthFirstFrontier()
    if strategy == "beam":
        return BeamFrontier(beam_width)
    raise ValueError(f"unknown search strategy {strategy!r}; known: {', '.join(STRATEGIES)}")
