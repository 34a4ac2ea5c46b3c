"""One long-lived thread that makes every call into the model.

CUDA-graph trees (torch.compile's ``reduce-overhead`` mode) belong to the thread
that recorded them, CUDA graphs captured by hand are best replayed where they
were captured, and ``torch.inference_mode`` and the current CUDA device are
thread-local. So the engine never lets the caller's thread touch the model: it
hands each piece of work to its :class:`DeviceThread` and waits for the answer.
Schedulers, servers and benchmarks may then start and stop as many threads as
they like.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_STOP = object()


class DeviceThread:
    """A daemon thread that runs the calls handed to it one at a time, in order."""

    def __init__(self, name: str = "device", initializer: Callable[[], None] | None = None):
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, args=(initializer,), name=name, daemon=True)
        self._thread.start()

    @property
    def ident(self) -> int | None:
        """The thread's identifier (``threading.get_ident()`` inside it)."""
        return self._thread.ident

    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``function(*args, **kwargs)`` on the thread and return (or raise) what it did.

        A call from the device thread itself runs at once (no deadlock on re-entry).
        """
        if threading.get_ident() == self._thread.ident:
            return function(*args, **kwargs)
        if self._stopped:
            raise RuntimeError("the engine's device thread is stopped")
        future: Future = Future()
        self._queue.put((future, function, args, kwargs))
        return future.result()

    def stop(self) -> None:
        """Let the thread end after the calls already handed to it."""
        if not self._stopped:
            self._stopped = True
            self._queue.put(_STOP)

    def _loop(self, initializer: Callable[[], None] | None) -> None:
        if initializer is not None:
            initializer()
        while (item := self._queue.get()) is not _STOP:
            future, function, args, kwargs = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(function(*args, **kwargs))
            except BaseException as error:  # noqa: BLE001 - the caller gets it; the thread lives on
                future.set_exception(error)
            del item, future, function, args, kwargs  # hold no call (and no engine) while idle
