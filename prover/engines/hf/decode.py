"""The decode step of the ``hf`` engine: buffers it writes, one in-place step per cache kind, stop checks.

A decode writes each row's tokens and their log-probabilities into
:class:`DecodeBuffers`, column by column. One step (:func:`advance_shared`,
:func:`advance_static`, :func:`advance_dynamic`) reads the last column's token,
runs the model over it, samples the next token and writes it into the next
column, all with tensor operations on the device: no host synchronisation and
no Python-visible shape change, so the fixed-shape steps compile into one graph
and replay as one CUDA graph (:mod:`prover.engines.hf.graphs`), with the
buffers and the cache at the same addresses every time.

A :class:`DecodeSlot` is a fixed-shape cache with its buffers and the CUDA
graphs captured over both; the engine keeps one per shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from prover.engines.hf.sampling import sample_next


@dataclass
class DecodeBuffers:
    """Where a decode is and what it produced; every tensor keeps its address across batches.

    ``tokens``/``logps``: ``(rows, width)``, one column per generated token; ``column``: the
    last column written (a 0-d tensor); ``positions``: ``(rows, 1)``, the position of that
    column's token; ``mask_column``: ``(rows, 1)``, the attention-mask column that token takes
    in a static cache.
    """

    tokens: torch.Tensor
    logps: torch.Tensor
    column: torch.Tensor
    positions: torch.Tensor
    mask_column: torch.Tensor

    @classmethod
    def allocate(cls, rows: int, width: int, device: torch.device) -> "DecodeBuffers":
        """Zeroed buffers for ``rows`` sequences of up to ``width`` tokens, marked as static addresses."""
        buffers = cls(
            tokens=torch.zeros((rows, width), dtype=torch.long, device=device),
            logps=torch.zeros((rows, width), dtype=torch.float32, device=device),
            column=torch.zeros((), dtype=torch.long, device=device),
            positions=torch.zeros((rows, 1), dtype=torch.long, device=device),
            mask_column=torch.zeros((rows, 1), dtype=torch.long, device=device),
        )
        for tensor in (buffers.tokens, buffers.logps, buffers.column, buffers.positions, buffers.mask_column):
            torch._dynamo.mark_static_address(tensor)
        return buffers

    @property
    def rows(self) -> int:
        """Sequences decoded together."""
        return self.tokens.shape[0]

    @property
    def width(self) -> int:
        """Most tokens a row can hold."""
        return self.tokens.shape[1]

    def start(self, token: torch.Tensor, logp: torch.Tensor, positions: torch.Tensor, mask_column: int = 0) -> None:
        """Write the first token (sampled from the prefill's logits) into column 0."""
        self.tokens.zero_()
        self.logps.zero_()
        self.tokens[:, 0] = token
        self.logps[:, 0] = logp
        self.column.zero_()
        self.positions.copy_(positions)
        self.mask_column.fill_(mask_column)

    def reset(self) -> None:
        """Zero every buffer (before a capture's warm-up steps, which must stay in bounds)."""
        self.start(torch.zeros_like(self.tokens[:, 0]), torch.zeros_like(self.logps[:, 0]), torch.zeros_like(self.positions))


@dataclass
class DecodeSlot:
    """A fixed-shape cache, the buffers a decode over it writes, and the CUDA graphs captured over both.

    ``mask`` is the static decode's attention mask ``(rows, cache length)``; ``generation`` the
    KV arena generation the cache's views were cut in; ``graphs`` maps sampling settings to a
    captured step.
    """

    cache: Any
    buffers: DecodeBuffers
    mask: torch.Tensor | None = None
    generation: int | None = None
    graphs: dict[tuple[float, float], Any] = field(default_factory=dict)

    def reset_counters(self) -> None:
        """Empty the cache's fill counters and the buffers, so warm-up steps write in bounds."""
        for layer in self.cache.layers:
            layer.cumulative_length.zero_()
        self.buffers.reset()
        if self.mask is not None:
            self.mask.zero_()


def advance_shared(
    model: Any, buffers: DecodeBuffers, cache: Any, temperature: float, top_p: float, generator: torch.Generator | None
) -> None:
    """One step over a shared-prefix cache: the next token of every row, written in place."""
    out = model(
        input_ids=_last_tokens(buffers),
        attention_mask=cache.prefix_mask,  # 4D, so transformers passes it through untouched
        position_ids=buffers.positions,
        cache=cache,
        use_cache=True,
        shared_prefix=cache,
    )
    _record(buffers, out.logits[:, -1], temperature, top_p, generator)


def advance_static(
    model: Any, buffers: DecodeBuffers, cache: Any, mask: torch.Tensor, temperature: float, top_p: float,
    generator: torch.Generator | None,
) -> None:  # fmt: skip
    """One step over a static cache (a row per sample, its own copy of the prompt), in place."""
    mask.scatter_(1, buffers.mask_column, 1)
    out = model(
        input_ids=_last_tokens(buffers), attention_mask=mask, position_ids=buffers.positions, cache=cache, use_cache=True
    )
    buffers.mask_column.add_(1)
    _record(buffers, out.logits[:, -1], temperature, top_p, generator)


def dynamic_stepper(
    model: Any, buffers: DecodeBuffers, cache: Any, mask: torch.Tensor, length: int, temperature: float, top_p: float,
    generator: torch.Generator | None,
) -> Callable[[], None]:  # fmt: skip
    """Steps over transformers' growing cache (eager: its shapes change every step).

    ``mask`` is ``(rows, length + width)`` with the prompts' part filled in.
    """
    column = 0

    def step() -> None:
        nonlocal column
        mask[:, length + column] = 1
        out = model(
            input_ids=buffers.tokens[:, column : column + 1],
            attention_mask=mask[:, : length + column + 1],
            position_ids=buffers.positions,
            cache=cache,
            use_cache=True,
        )
        _record(buffers, out.logits[:, -1], temperature, top_p, generator)
        column += 1

    return step


def _last_tokens(buffers: DecodeBuffers) -> torch.Tensor:
    """The token in each row's last written column, ``(rows, 1)``."""
    return buffers.tokens.gather(1, buffers.column.view(1, 1).expand(buffers.rows, 1))


def _record(
    buffers: DecodeBuffers, logits: torch.Tensor, temperature: float, top_p: float, generator: torch.Generator | None
) -> None:
    """Sample from ``logits`` and write the tokens and log-probs into the next column."""
    token, logp = sample_next(logits, temperature, top_p, generator)
    column = (buffers.column + 1).view(1, 1).expand(buffers.rows, 1)
    buffers.tokens.scatter_(1, column, token[:, None])
    buffers.logps.scatter_(1, column, logp[:, None])
    buffers.column.add_(1)
    buffers.positions.add_(1)


class StopWatch:
    """Looks at the tokens every few steps: has every kept row ended (EOS or a stop sequence)?

    On CUDA the look is one check late: the tokens are copied to pinned host memory without
    waiting, and the copy made at the previous check is the one examined, so the device never
    waits for the host (a finished batch runs at most ``every`` steps longer).
    """

    def __init__(self, stopped: Callable[[torch.Tensor], bool], keep: torch.Tensor, every: int, lag: bool):
        self._stopped, self._keep, self.every, self._lag = stopped, keep, every, lag
        self._pending: tuple[torch.Tensor, Any] | None = None

    def done(self, tokens: torch.Tensor, produced: int) -> bool:
        """Whether to stop after ``produced`` columns (only looks every ``every`` columns)."""
        if produced % self.every:
            return False
        snapshot = tokens.index_select(0, self._keep)[:, :produced]
        if not self._lag:
            return self._stopped(snapshot.cpu())
        host = torch.empty(snapshot.shape, dtype=snapshot.dtype, pin_memory=True)
        host.copy_(snapshot, non_blocking=True)
        event = torch.cuda.Event()
        event.record()
        previous, self._pending = self._pending, (host, event)
        if previous is None:
            return False
        previous[1].synchronize()
        return self._stopped(previous[0])


@dataclass(frozen=True)
class DecodePlan:
    """How one batch decodes: the prompt behind each row, the rows kept, their requests, buffers and step."""

    prompt_of_row: torch.Tensor
    kept_rows: list[int]
    owners: list[int]
    buffers: DecodeBuffers
    step: Callable[[], None]
