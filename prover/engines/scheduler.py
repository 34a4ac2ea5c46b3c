"""Cross-search batching: one scheduler thread forms engine batches.

Many searches (threads of the benchmark runner, asyncio tasks, HTTP clients of
``prove serve``) submit generation requests; a single worker thread takes them
off a queue, waits up to ``max_wait_ms`` for more to arrive (or until
``max_batch_size`` sequences are waiting), runs one engine call for the lot,
and resolves each request's future with its own samples. Each request may carry
its own :class:`SamplingParams`; a batch holds requests with equal parameters,
the others wait for a later batch in their order of arrival. Prover steps of
the other searches go on while the engine works.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field

from prover.engines.base import Engine, GenerationCancelled, Request, Sample, SamplingParams
from prover.engines.options import option


@dataclass(frozen=True)
class SchedulerConfig:
    """Batch limits: sequences per engine call, and how long to wait for company."""

    max_batch_size: int = option(64, "sequences per batched engine call across searches")
    max_wait_ms: float = option(5.0, "milliseconds the scheduler waits to fill a batch")


@dataclass
class SchedulerStats:
    """What the scheduler has done: one entry per engine call."""

    batch_sequences: list[int] = field(default_factory=list)
    batch_requests: list[int] = field(default_factory=list)
    engine_seconds: float = 0.0


@dataclass
class _Pending:
    request: Request
    params: SamplingParams
    future: Future


_CLOSE = object()


class BatchScheduler:
    """Thread-safe front of an :class:`Engine` that batches concurrent requests.

    ``params`` are the sampling parameters of requests submitted without their own.
    """

    def __init__(self, engine: Engine, params: SamplingParams = SamplingParams(), config: SchedulerConfig = SchedulerConfig()):
        self.engine = engine
        self.params = params
        self.config = config
        self.stats = SchedulerStats()
        self._queue: queue.Queue = queue.Queue()
        self._closed = False
        self._cancelled = False
        self._worker = threading.Thread(target=self._run, name="generation-scheduler", daemon=True)
        self._worker.start()

    def submit(self, prompt: str, n: int, params: SamplingParams | None = None) -> "Future[list[Sample]]":
        """Queue ``n`` samples for ``prompt`` (with ``params``, else the scheduler's); the future resolves to them."""
        if self._closed:
            raise RuntimeError("scheduler is closed")
        future: Future = Future()
        self._queue.put(_Pending(Request(prompt, n), params or self.params, future))
        return future

    def sample(self, prompt: str, n: int, params: SamplingParams | None = None) -> list[Sample]:
        """Blocking form of :meth:`submit`, safe to call from many threads."""
        return self.submit(prompt, n, params).result()

    async def asample(self, prompt: str, n: int, params: SamplingParams | None = None) -> list[Sample]:
        """Awaitable form of :meth:`submit` for asyncio callers."""
        return await asyncio.wrap_future(self.submit(prompt, n, params))

    def close(self, close_engine: bool = True) -> None:
        """Finish queued work (none after :meth:`cancel`), stop the worker thread and (unless told not to) close the engine."""
        if not self._closed:
            self._closed = True
            self._queue.put(_CLOSE)
            self._worker.join()
            self._fail_queued(RuntimeError("scheduler is closed"))  # submitted while closing: never served
            if close_engine:
                self.engine.close()

    def cancel(self) -> None:
        """Stop serving (a stopped run): every request waiting fails with :class:`GenerationCancelled` now, the
        batch in flight as soon as the engine can cut it short, and every later one at once."""
        self._cancelled = True
        self.engine.cancel()
        self._fail_queued(GenerationCancelled("the scheduler was cancelled"))

    def _fail_queued(self, error: Exception) -> None:
        """Fail the requests still in the queue with ``error``."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is _CLOSE:
                self._queue.put(_CLOSE)  # the worker's, not ours: give it back
                return
            if item.future.set_running_or_notify_cancel():
                item.future.set_exception(error)

    def _run(self) -> None:
        waiting: deque[_Pending] = deque()
        closing = False
        while waiting or not closing:
            if not waiting:
                item = self._queue.get()
                if item is _CLOSE:
                    return
                waiting.append(item)
            params = waiting[0].params
            deadline = time.monotonic() + self.config.max_wait_ms / 1000
            while not closing and _sequences(waiting, params) < self.config.max_batch_size:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is _CLOSE:
                    closing = True
                else:
                    waiting.append(item)
            if self._cancelled:
                self._fail(waiting, GenerationCancelled("the scheduler was cancelled"))
                continue
            batch = self._take_batch(waiting, params)
            self._serve(batch, params)

    @staticmethod
    def _fail(waiting: deque[_Pending], error: Exception) -> None:
        while waiting:
            pending = waiting.popleft()
            if pending.future.set_running_or_notify_cancel():
                pending.future.set_exception(error)

    def _take_batch(self, waiting: deque[_Pending], params: SamplingParams) -> list[_Pending]:
        """Remove from ``waiting`` the first requests with ``params`` that fit one batch (at least one)."""
        batch: list[_Pending] = []
        size = 0
        rest: deque[_Pending] = deque()
        while waiting:
            pending = waiting.popleft()
            fits = not batch or size + pending.request.n <= self.config.max_batch_size
            if pending.params == params and fits:
                batch.append(pending)
                size += pending.request.n
            else:
                rest.append(pending)
        waiting.extend(rest)
        return batch

    def _serve(self, batch: list[_Pending], params: SamplingParams) -> None:
        # A caller that gave up (a cancelled asyncio task, an HTTP request that timed out) cancelled its
        # future: leave it out. The others are marked running, so they can no longer be cancelled and
        # setting their result cannot fail.
        batch = [pending for pending in batch if pending.future.set_running_or_notify_cancel()]
        if not batch:
            return
        started = time.perf_counter()
        try:
            results = self.engine.sample([p.request for p in batch], params)
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


def _sequences(waiting: deque[_Pending], params: SamplingParams) -> int:
    """Sequences waiting with these sampling parameters."""
    return sum(p.request.n for p in waiting if p.params == params)
