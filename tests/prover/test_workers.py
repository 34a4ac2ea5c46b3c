"""The worker pool's stop: a signal or a worker's fatal error cuts short what the other threads wait on."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from prover.workers import RunInterrupted, WorkerPool


def _waiting_on_the_generator(released: threading.Event, first_step=lambda: None):
    """Work that, like a search blocked on the shared model, returns only once ``released`` is set."""

    def work(item: str) -> str:
        if item == "first":
            first_step()
        assert released.wait(30), "on_stop never released the work"
        return item

    return work


def test_ctrl_c_calls_on_stop_so_work_waiting_on_the_generator_ends_at_once() -> None:
    released = threading.Event()
    pool: WorkerPool[str, str] = WorkerPool("coq", {}, workers=2, on_stop=released.set)
    work = _waiting_on_the_generator(released, lambda: os.kill(os.getpid(), signal.SIGINT))
    started = time.monotonic()
    with pytest.raises(RunInterrupted) as stopped:
        pool.run(["first", "second", "third"], work, lambda outcome: None)
    assert stopped.value.signal_name == "SIGINT" and released.is_set() and pool.stopping.is_set()
    assert time.monotonic() - started < 5, "the stop waited for the work instead of cutting it short"


def test_a_workers_fatal_error_calls_on_stop_too() -> None:
    released = threading.Event()
    pool: WorkerPool[str, str] = WorkerPool("coq", {}, workers=2, on_stop=released.set)
    wait = _waiting_on_the_generator(released)

    def work(item: str) -> str:
        if item == "boom":
            time.sleep(0.2)
            raise OSError("the results file is gone")
        return wait(item)

    with pytest.raises(OSError, match="results file"):
        pool.run(["slow", "boom"], work, lambda outcome: None)
    assert released.is_set()
