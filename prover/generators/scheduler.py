"""Cross-search batching: one scheduler thread forms engine batches.

Many searches (threads of the benchmark runner, or asyncio tasks) submit
generation requests; a single worker thread takes them off a queue, waits up
to ``max_wait_ms`` for more to arrive (or until ``max_batch_size`` sequences
are waiting), runs one engine call for the lot, and resolves each request's
future with its own samples. Prover steps of the other searches go on while
the engine works.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field

from prover.generators.cleaning import Sample
from prover.generators.engine import Engine, Request, SamplingParams


@dataclass(frozen=True)
class SchedulerConfig:
    """Batch limits: sequences per engine call, and how long to wait for company."""

    max_batch_size: int = 64
    max_wait_ms: float = 5.0


@dataclass
class SchedulerStats:
    """What the scheduler has done: one entry per engine call."""

    batch_sequences: list[int] = field(default_factory=list)
    batch_requests: list[int] = field(default_factory=list)
    engine_seconds: float = 0.0


@dataclass
class _Pending:
    request: Request
    future: Future


_CLOSE = object()


class BatchScheduler:
    """Thread-safe front of an :class:`Engine` that batches concurrent requests."""

    def __init__(self, engine: Engine, params: SamplingParams, config: SchedulerConfig = SchedulerConfig()):
        self.engine = engine
        self.params = params
        self.config = config
        self.stats = SchedulerStats()
        self._queue: queue.Queue = queue.Queue()
        self._closed = False
        self._worker = threading.Thread(target=self._run, name="generation-scheduler", daemon=True)
        self._worker.start()

    def submit(self, prompt: str, n: int) -> "Future[list[Sample]]":
        """Queue ``n`` samples for ``prompt``; the future resolves to them."""
        if self._closed:
            raise RuntimeError("scheduler is closed")
        future: Future = Future()
        self._queue.put(_Pending(Request(prompt, n), future))
        return future

    def sample(self, prompt: str, n: int) -> list[Sample]:
        """Blocking form of :meth:`submit`, safe to call from many threads."""
        return self.submit(prompt, n).result()

    async def asample(self, prompt: str, n: int) -> list[Sample]:
        """Awaitable form of :meth:`submit` for asyncio callers."""
        return await asyncio.wrap_future(self.submit(prompt, n))

    def close(self, close_engine: bool = True) -> None:
        """Finish queued work, stop the worker thread and (unless told not to) close the engine."""
        if not self._closed:
            self._closed = True
            self._queue.put(_CLOSE)
            self._worker.join()
            while not self._queue.empty():  # submitted while closing: never served
                item = self._queue.get_nowait()
                if isinstance(item, _Pending):
                    item.future.set_exception(RuntimeError("scheduler is closed"))
            if close_engine:
                self.engine.close()

    def _run(self) -> None:
        carry: _Pending | None = None
        while True:
            first = carry or self._queue.get()
            carry = None
            if first is _CLOSE:
                return
            batch = [first]
            size = first.request.n
            deadline = time.monotonic() + self.config.max_wait_ms / 1000
            while size < self.config.max_batch_size:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is _CLOSE or size + item.request.n > self.config.max_batch_size:
                    carry = item
                    break
                batch.append(item)
                size += item.request.n
            self._serve(batch)

    def _serve(self, batch: list[_Pending]) -> None:
        started = time.perf_counter()
        try:
            results = self.engine.sample([p.request for p in batch], self.params)
        except BaseException as error:  # every waiting caller gets the error, the worker lives on
            for pending in batch:
                pending.future.set_exception(error)
            return
        finally:
            self.stats.engine_seconds += time.perf_counter() - started
        self.stats.batch_sequences.append(sum(p.request.n for p in batch))
        self.stats.batch_requests.append(len(batch))
        for pending, samples in zip(batch, results):
            pending.future.set_result(samples)
