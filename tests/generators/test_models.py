"""``build_model_generator``: the CLI's entry to model-guided generation."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("torch", reason="the hf engine needs torch")

from prover.generators.base import Suggestion, TacticGenerator  # noqa: E402
from prover.engines.base import SamplingParams  # noqa: E402
from prover.engines.hf.config import HFEngineConfig  # noqa: E402
from prover.engines.scheduler import SchedulerConfig  # noqa: E402
from prover.generators.models import ModelConfig, build_model_generator  # noqa: E402



def tiny(path, new_tokens: int, wait_ms: float = 5.0, **engine) -> ModelConfig:
    """The tiny model on the CPU ``hf`` engine, seeded."""
    return ModelConfig(
        str(path), "hf", SamplingParams(max_new_tokens=new_tokens), SchedulerConfig(max_wait_ms=wait_ms),
        HFEngineConfig(device="cpu", seed=0, **engine),
    )  # fmt: skip


GOALS = [f"x : R\nh : x = {i}\n============================\nx + {i} = 2 * {i}" for i in range(6)]


def test_hf_generator_suggests_coq_sentences_with_logprobs(tiny_model_dir) -> None:
    generator = build_model_generator(tiny(tiny_model_dir, 12), "coq")
    assert isinstance(generator, TacticGenerator)
    suggestions = generator.generate(GOALS[0], 16)
    generator.close()
    assert 1 <= len(suggestions) <= 16
    assert len({s.tactic for s in suggestions}) == len(suggestions)
    assert all(isinstance(s, Suggestion) and s.tactic.endswith(".") and s.logprob < 0 for s in suggestions)
    assert [s.logprob for s in suggestions] == sorted((s.logprob for s in suggestions), reverse=True)


def test_runner_threads_share_batches(tiny_model_dir) -> None:
    generator = build_model_generator(tiny(tiny_model_dir, 8, 200), "coq")
    with ThreadPoolExecutor(len(GOALS)) as pool:
        results = list(pool.map(lambda goal: generator.generate(goal, 4), GOALS))
    stats = generator.sampler.stats
    generator.close()
    assert all(len(r) <= 4 for r in results)
    assert max(stats.batch_requests) > 1


def test_agenerate_for_asyncio_callers(tiny_model_dir) -> None:
    generator = build_model_generator(tiny(tiny_model_dir, 8, 200), "lean")

    async def main():
        return await asyncio.gather(*(generator.agenerate(g, 3) for g in GOALS[:3]))

    results = asyncio.run(main())
    generator.close()
    assert len(results) == 3 and all(len(r) <= 3 for r in results)
    assert all(not s.tactic.endswith("---") for r in results for s in r)


def test_options_of_another_engine_are_refused(tiny_model_dir) -> None:
    config = ModelConfig(str(tiny_model_dir), "vllm", engine_options=HFEngineConfig(device="cpu"))
    with pytest.raises(TypeError, match="VLLMConfig"):
        build_model_generator(config, "coq")


def test_unknown_engine_is_rejected(tiny_model_dir) -> None:
    with pytest.raises(ValueError, match="hf, vllm, openai"):
        build_model_generator(ModelConfig(str(tiny_model_dir), "tgi"), "coq")
