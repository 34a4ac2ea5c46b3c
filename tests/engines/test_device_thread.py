"""Every model call of the hf engine runs on its one device thread, whichever thread asks."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from prover.engines.hf.device_thread import DeviceThread

torch = pytest.importorskip("torch", reason="the hf engine needs torch")

from prover.engines.base import Request, SamplingParams  # noqa: E402
from prover.engines.hf.kv_arena import KVArena  # noqa: E402
from prover.engines.scheduler import BatchScheduler, SchedulerConfig  # noqa: E402
from prover.generators.prompting import PromptTemplate  # noqa: E402

COQ = PromptTemplate.for_backend("coq")
GREEDY = SamplingParams(temperature=0.0, max_new_tokens=8, stop=COQ.stop)
GOALS = [f"n : nat\nh : n = {i}\n============================\nn + {i} = {2 * i}" for i in range(6)]


def test_calls_run_in_order_on_one_thread_and_errors_reach_the_caller() -> None:
    device = DeviceThread("test-device")
    seen = []

    def record(i: int) -> int:
        seen.append((i, threading.get_ident()))
        return i * i

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(lambda i: device.call(record, i), range(20))) == [i * i for i in range(20)]
    assert {ident for _, ident in seen} == {device.ident} != {threading.get_ident()}
    with pytest.raises(ZeroDivisionError):
        device.call(lambda: 1 / 0)
    assert device.call(lambda: device.call(lambda: "re-entered")) == "re-entered"  # no deadlock
    device.stop()
    with pytest.raises(RuntimeError, match="stopped"):
        device.call(record, 0)


@pytest.fixture
def watched_engine(tiny_engine, monkeypatch):
    """The tiny engine with every forward pass and KV-arena cut recording the thread it ran on."""
    threads: list[int] = []
    hook = tiny_engine.model.register_forward_pre_hook(lambda *_: threads.append(threading.get_ident()))
    cut = KVArena.cut
    monkeypatch.setattr(KVArena, "cut", lambda self, shapes: (threads.append(threading.get_ident()), cut(self, shapes))[1])
    tiny_engine.close()  # drop cached KV, so this test's calls allocate theirs
    yield tiny_engine, threads
    hook.remove()


def test_answers_are_the_same_from_any_thread_and_every_model_call_is_on_the_engines(watched_engine) -> None:
    engine, threads = watched_engine
    requests = [Request(COQ.render(goal), 2) for goal in GOALS]
    expected = [[s.text for s in r] for r in engine.sample(requests, GREEDY)]

    def texts(batch: list[Request]) -> list[list[str]]:
        return [[s.text for s in r] for r in engine.sample(batch, GREEDY)]

    # one after another, each from a new thread started after the first call
    for i, request in enumerate(requests):
        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(texts, [request]).result() == [expected[i]]
    # at once, from several threads
    barrier = threading.Barrier(len(requests))

    def together(i: int) -> list[list[str]]:
        barrier.wait()
        return texts([requests[i]])

    with ThreadPoolExecutor(len(requests)) as pool:
        assert list(pool.map(together, range(len(requests)))) == [[e] for e in expected]
    assert threads and set(threads) == {engine.device_thread.ident}


def test_schedulers_started_and_stopped_one_after_another_share_the_engine(watched_engine) -> None:
    """The shipped benchmark's pattern: a new scheduler (a new worker thread) per run."""
    engine, threads = watched_engine
    expected = [s.text for s in engine.sample([Request(COQ.render(GOALS[0]), 3)], GREEDY)[0]]
    for _ in range(3):
        scheduler = BatchScheduler(engine, GREEDY, SchedulerConfig(max_wait_ms=1))
        assert [s.text for s in scheduler.sample(COQ.render(GOALS[0]), 3)] == expected
        scheduler.close(close_engine=False)
    assert set(threads) == {engine.device_thread.ident}


def test_the_device_thread_ends_when_its_engine_is_dropped(tiny_engine) -> None:
    import gc

    from prover.engines.hf.config import HFEngineConfig
    from prover.engines.hf.engine import HFEngine

    engine = HFEngine(tiny_engine.model, tiny_engine.tokenizer, HFEngineConfig(device="cpu", seed=0))
    engine.sample([Request(COQ.render(GOALS[0]), 1)], GREEDY)
    thread = next(t for t in threading.enumerate() if t.ident == engine.device_thread.ident)
    del engine
    gc.collect()
    thread.join(timeout=10)
    assert not thread.is_alive()
