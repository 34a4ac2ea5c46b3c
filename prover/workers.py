"""Worker threads for a run: one environment each, and a stop that takes seconds, not the whole run.

Each worker thread takes problems from a queue and owns one environment (one
prover process, reused across problems, replaced after a prover failure).
The calling thread only waits for outcomes and reports progress.

A stop (Ctrl-C or SIGTERM while :meth:`WorkerPool.run` runs in the main
thread, or a worker's fatal error such as a failed results write) sets
:attr:`WorkerPool.stopping` *first* and then interrupts every environment, so
a work function that checks ``stopping`` after it computed a record knows the
record was not cut short by the stop. The threads are daemons: one stuck
beyond the grace period cannot keep the process alive.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import threading
import time
from typing import Any, Callable, Generic, Iterator, TypeVar

from prover.env import ProofEnv
from prover.registry import make_env

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")

#: Seconds the pool waits for its threads after a stop before it gives up on them.
STOP_GRACE_S = 10.0


class RunInterrupted(Exception):
    """The user stopped the run with signal ``signum``; finished problems are recorded, unfinished ones are not."""

    def __init__(self, signum: int, finished: int, unfinished: int) -> None:
        self.signal_name = signal.Signals(signum).name
        super().__init__(f"{self.signal_name}: {finished} finished, {unfinished} not finished")
        self.signum = signum
        self.finished = finished
        self.unfinished = unfinished


class _Fatal:
    """A worker's exception, carried to the calling thread."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class WorkerPool(Generic[Item, Outcome]):
    """``workers`` threads, each with its own ``backend`` environment made with ``env_options``.

    ``on_stop`` cuts short what else the threads may wait on (the shared generator's sampling).
    """

    def __init__(self, backend: str, env_options: dict[str, Any], workers: int,
                 on_stop: Callable[[], None] | None = None) -> None:
        self.backend = backend
        self.on_stop = on_stop  #: called by :meth:`stop` after the environments are interrupted (cancel generation)
        self.env_options = env_options
        self.workers = workers
        self.stopping = threading.Event()  #: set before any environment is interrupted
        self._local = threading.local()
        self._envs: list[ProofEnv] = []
        self._lock = threading.Lock()
        self._signal: int | None = None

    def env(self) -> ProofEnv:
        """The calling worker's environment, made on first use."""
        env = getattr(self._local, "env", None)
        if env is None:
            env = make_env(self.backend, **self.env_options)
            self._local.env = env
            with self._lock:
                self._envs.append(env)
                if self.stopping.is_set():
                    env.interrupt()
        return env

    def discard(self) -> None:
        """Close the calling worker's environment (after a prover failure); the next use makes a new one."""
        env = getattr(self._local, "env", None)
        if env is not None:
            self._local.env = None
            with self._lock:
                if env in self._envs:  # not there once close() gave up on this thread
                    self._envs.remove(env)
            env.close()

    def stop(self) -> None:
        """Stop the run: no new work starts and every environment's work in progress is cut short."""
        self.stopping.set()
        with self._lock:
            for env in self._envs:
                env.interrupt()
        if self.on_stop is not None:
            self.on_stop()

    def run(self, items: list[Item], work: Callable[[Item], Outcome | None],
            on_outcome: Callable[[Outcome], None]) -> None:
        """Run ``work`` on every item across the threads; ``on_outcome`` gets each non-None result here.

        ``work`` returns None for an item it dropped because of a stop. Raises
        :class:`RunInterrupted` after a signal, or a worker's exception after a fatal error.
        """
        todo: queue.SimpleQueue[Item] = queue.SimpleQueue()
        for item in items:
            todo.put(item)
        outcomes: queue.SimpleQueue[Outcome | None | _Fatal] = queue.SimpleQueue()
        threads = [threading.Thread(target=self._loop, args=(todo, work, outcomes), daemon=True,
                                    name=f"prover-{index}") for index in range(min(self.workers, len(items)))]
        fatal: _Fatal | None = None
        finished = 0
        with self._signals():
            for thread in threads:
                thread.start()
            pending = len(items)
            while pending and self._signal is None and fatal is None:
                try:
                    outcome = outcomes.get(timeout=0.1)
                except queue.Empty:
                    if not any(thread.is_alive() for thread in threads):
                        break
                    continue
                if isinstance(outcome, _Fatal):
                    fatal = outcome
                    continue
                pending -= 1
                if outcome is not None:
                    finished += 1
                    on_outcome(outcome)
            if pending:
                self.stop()
                self._join(threads)
                while not outcomes.empty():  # what finished while the stop was on its way
                    outcome = outcomes.get()
                    if isinstance(outcome, _Fatal):
                        fatal = fatal or outcome
                    elif outcome is not None:
                        finished += 1
                        on_outcome(outcome)
            else:
                self._join(threads)
        if fatal is not None:
            raise fatal.error
        if self._signal is not None and pending:
            raise RunInterrupted(self._signal, finished, len(items) - finished)

    def close(self) -> None:
        """Interrupt the environments still held: their threads are stuck (the others closed their own)."""
        with self._lock:
            envs, self._envs = self._envs, []
        for env in envs:
            env.interrupt()

    def _loop(self, todo: "queue.SimpleQueue[Item]", work: Callable[[Item], Outcome | None],
              outcomes: "queue.SimpleQueue[Outcome | None | _Fatal]") -> None:
        try:
            while not self.stopping.is_set():
                try:
                    item = todo.get_nowait()
                except queue.Empty:
                    break
                outcomes.put(work(item))
        except BaseException as error:  # noqa: BLE001 - carried to the calling thread and raised there
            self.stop()
            outcomes.put(_Fatal(error))
        finally:
            self.discard()

    def _join(self, threads: list[threading.Thread]) -> None:
        deadline = time.monotonic() + STOP_GRACE_S
        for thread in threads:
            if thread.ident is not None:
                thread.join(max(0.0, deadline - time.monotonic()))

    def _signals(self) -> contextlib.AbstractContextManager[None]:
        return stop_signals(lambda signum: setattr(self, "_signal", signum))


@contextlib.contextmanager
def stop_signals(on_signal: Callable[[int], None]) -> Iterator[None]:
    """Ctrl-C and SIGTERM call ``on_signal(signum)`` instead of raising, while in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, lambda signum, frame: on_signal(signum))
                for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
