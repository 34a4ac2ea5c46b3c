"""``build_model_generator``: the CLI's entry to model-guided generation."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("torch", reason="the hf engine needs torch")

from prover.generators.base import Suggestion, TacticGenerator  # noqa: E402
from prover.generators.models import ModelOptions, build_model_generator  # noqa: E402

GOALS = [f"x : R\nh : x = {i}\n============================\nx + {i} = 2 * {i}" for i in range(6)]


def test_hf_generator_suggests_coq_sentences_with_logprobs(tiny_model_dir) -> None:
    generator = build_model_generator(str(tiny_model_dir), "hf", "coq", seed=0, max_new_tokens=12)
    assert isinstance(generator, TacticGenerator)
    suggestions = generator.generate(GOALS[0], 16)
    generator.close()
    assert 1 <= len(suggestions) <= 16
    assert len({s.tactic for s in suggestions}) == len(suggestions)
    assert all(isinstance(s, Suggestion) and s.tactic.endswith(".") and s.logprob < 0 for s in suggestions)
    assert [s.logprob for s in suggestions] == sorted((s.logprob for s in suggestions), reverse=True)


def test_runner_threads_share_batches(tiny_model_dir) -> None:
    generator = build_model_generator(str(tiny_model_dir), "hf", "coq", seed=0, max_new_tokens=8, max_wait_ms=200)
    with ThreadPoolExecutor(len(GOALS)) as pool:
        results = list(pool.map(lambda goal: generator.generate(goal, 4), GOALS))
    stats = generator.sampler.stats
    generator.close()
    assert all(len(r) <= 4 for r in results)
    assert max(stats.batch_requests) > 1


def test_agenerate_for_asyncio_callers(tiny_model_dir) -> None:
    generator = build_model_generator(str(tiny_model_dir), "hf", "lean", seed=0, max_new_tokens=8, max_wait_ms=200)

    async def main():
        return await asyncio.gather(*(generator.agenerate(g, 3) for g in GOALS[:3]))

    results = asyncio.run(main())
    generator.close()
    assert len(results) == 3 and all(len(r) <= 3 for r in results)
    assert all(not s.tactic.endswith("---") for r in results for s in r)


def test_options_are_checked() -> None:
    with pytest.raises(TypeError, match="temprature"):
        ModelOptions.from_kwargs({"temprature": 0.5})
    assert ModelOptions.from_kwargs({"temperature": None, "max_batch_size": 8}).max_batch_size == 8


def test_unknown_engine_is_rejected(tiny_model_dir) -> None:
    with pytest.raises(ValueError, match="hf, vllm, openai"):
        build_model_generator(str(tiny_model_dir), "tgi", "coq")
