"""Cross-search batching: concurrent requests share engine calls, each gets its own answer."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("torch", reason="the scheduler is exercised with the hf engine")

from prover.engines.base import Request, SamplingParams  # noqa: E402
from prover.generators.prompting import PromptTemplate  # noqa: E402
from prover.engines.scheduler import BatchScheduler, SchedulerConfig  # noqa: E402

COQ = PromptTemplate.for_backend("coq")
GREEDY = SamplingParams(temperature=0.0, max_new_tokens=10, stop=COQ.stop)
GOALS = [f"x : R\nh : x = {i}\n============================\nx * {i} = {i * i}" for i in range(8)]


def test_concurrent_threads_are_batched_and_get_their_own_results(tiny_engine) -> None:
    expected = {g: tiny_engine.sample([Request(COQ.render(g), 2)], GREEDY)[0] for g in GOALS}
    scheduler = BatchScheduler(tiny_engine, GREEDY, SchedulerConfig(max_batch_size=64, max_wait_ms=200))
    barrier = threading.Barrier(len(GOALS))

    def ask(goal: str):
        barrier.wait()
        return goal, scheduler.sample(COQ.render(goal), 2)

    with ThreadPoolExecutor(len(GOALS)) as pool:
        answers = list(pool.map(ask, GOALS))
    scheduler.close(close_engine=False)
    assert max(scheduler.stats.batch_requests) > 1
    assert sum(scheduler.stats.batch_requests) == len(GOALS)
    for goal, samples in answers:
        assert [s.text for s in samples] == [s.text for s in expected[goal]]
        assert [s.logprob for s in samples] == pytest.approx([s.logprob for s in expected[goal]], abs=1e-4)


def test_batches_respect_the_size_limit(tiny_engine) -> None:
    scheduler = BatchScheduler(tiny_engine, GREEDY, SchedulerConfig(max_batch_size=6, max_wait_ms=200))
    futures = [scheduler.submit(COQ.render(g), 2) for g in GOALS]
    results = [f.result(timeout=60) for f in futures]
    scheduler.close(close_engine=False)
    assert [len(r) for r in results] == [2] * len(GOALS)
    assert all(size <= 6 for size in scheduler.stats.batch_sequences)
    assert max(scheduler.stats.batch_sequences) > 2
    assert sum(scheduler.stats.batch_sequences) == 2 * len(GOALS)


def test_asyncio_callers_share_batches(tiny_engine) -> None:
    scheduler = BatchScheduler(tiny_engine, GREEDY, SchedulerConfig(max_batch_size=64, max_wait_ms=200))

    async def main():
        return await asyncio.gather(*(scheduler.asample(COQ.render(g), 3) for g in GOALS))

    results = asyncio.run(main())
    scheduler.close(close_engine=False)
    assert [len(r) for r in results] == [3] * len(GOALS)
    assert max(scheduler.stats.batch_requests) > 1


def test_engine_errors_reach_every_caller_and_the_worker_lives_on(tiny_engine) -> None:
    scheduler = BatchScheduler(tiny_engine, SamplingParams(max_new_tokens=-1), SchedulerConfig(max_wait_ms=1))
    with pytest.raises(ValueError, match="max_new_tokens"):
        scheduler.sample(COQ.render(GOALS[0]), 1)
    scheduler.params = GREEDY
    assert len(scheduler.sample(COQ.render(GOALS[0]), 1)) == 1
    scheduler.close(close_engine=False)
    with pytest.raises(RuntimeError, match="closed"):
        scheduler.submit("x", 1)


class _RecordingEngine:
    """Wraps an engine and records the sampling parameters of each batch it serves."""

    def __init__(self, engine):
        self.engine, self.calls = engine, []

    def sample(self, requests, params):
        self.calls.append((len(requests), params))
        return self.engine.sample(requests, params)

    def close(self) -> None:
        pass


def test_requests_carry_their_own_params_and_batches_never_mix_them(tiny_engine) -> None:
    short = SamplingParams(temperature=0.0, max_new_tokens=3, stop=COQ.stop)
    engine = _RecordingEngine(tiny_engine)
    scheduler = BatchScheduler(engine, GREEDY, SchedulerConfig(max_batch_size=64, max_wait_ms=200))
    futures = [scheduler.submit(COQ.render(g), 2, short if i % 2 else None) for i, g in enumerate(GOALS)]
    results = [f.result(timeout=120) for f in futures]
    scheduler.close(close_engine=False)
    for i, (goal, samples) in enumerate(zip(GOALS, results)):
        params = short if i % 2 else GREEDY
        alone = tiny_engine.sample([Request(COQ.render(goal), 2)], params)[0]
        assert [s.text for s in samples] == [s.text for s in alone]
        assert all(len(s.tokens) <= params.max_new_tokens for s in samples)
    assert {params for _, params in engine.calls} == {short, GREEDY}
    assert sum(n for n, _ in engine.calls) == len(GOALS) and max(n for n, _ in engine.calls) > 1


def test_a_cancelled_request_is_skipped_and_the_worker_lives_on(tiny_engine) -> None:
    """A caller that gives up (an HTTP request timing out) cancels its future: it is not decoded, nothing breaks."""
    recording = _RecordingEngine(tiny_engine)
    scheduler = BatchScheduler(recording, GREEDY, SchedulerConfig(max_wait_ms=300))
    gone = scheduler.submit(COQ.render(GOALS[0]), 4)
    kept = scheduler.submit(COQ.render(GOALS[1]), 1)
    assert gone.cancel()
    assert len(kept.result(timeout=60)) == 1
    assert [count for count, _ in recording.calls] == [1]
    assert len(scheduler.sample(COQ.render(GOALS[2]), 1)) == 1
    scheduler.close(close_engine=False)


def test_cancel_fails_the_waiting_requests_at_once_and_cuts_the_batch_in_flight_short(tiny_engine, monkeypatch) -> None:
    """What a stopped run does: no request waits for another batch, the one decoding stops at its next step."""
    from prover.engines.base import GenerationCancelled
    from prover.engines.hf import engine as engine_module

    decoding, release = threading.Event(), threading.Event()

    def held_at_step_2(watch, tokens, produced: int) -> bool:
        if produced == 2:
            decoding.set()
            assert release.wait(60)
        return False

    monkeypatch.setattr(engine_module.StopWatch, "done", held_at_step_2)
    scheduler = BatchScheduler(tiny_engine, SamplingParams(max_new_tokens=30), SchedulerConfig(max_batch_size=2, max_wait_ms=1))
    in_flight = scheduler.submit(COQ.render(GOALS[0]), 2)
    assert decoding.wait(60)
    waiting = scheduler.submit(COQ.render(GOALS[1]), 2)  # the batch is full: this one waits for the next
    scheduler.cancel()
    with pytest.raises(GenerationCancelled):
        waiting.result(timeout=5)
    release.set()
    with pytest.raises(GenerationCancelled, match="after 2 of 30"):
        in_flight.result(timeout=30)
    with pytest.raises(GenerationCancelled):
        scheduler.submit(COQ.render(GOALS[2]), 1).result(timeout=5)  # later ones fail at once
    scheduler.close(close_engine=False)
