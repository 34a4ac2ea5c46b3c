"""``/v1/completions`` over a local engine: the API ``vllm serve`` speaks, so the ``openai`` engine can use either.

Requests from concurrent HTTP clients share engine batches through one
:class:`BatchScheduler`; each request carries its own sampling parameters, and
requests with equal parameters are batched together. The handler awaits the
scheduler's futures, so no thread waits per request.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from prover.engines.base import Engine, Sample, SamplingParams, cut_at_stop
from prover.engines.scheduler import BatchScheduler, SchedulerConfig
from prover.serve.schemas import CompletionRequest


class CompletionsService:
    """Turns completions requests into engine samples, batching across requests."""

    def __init__(self, engine: Engine, model_name: str, config: SchedulerConfig = SchedulerConfig()):
        self.engine = engine
        self.model_name = model_name
        self.scheduler = BatchScheduler(engine, config=config)

    async def complete(self, request: CompletionRequest) -> dict[str, Any]:
        """The completions response for ``request``: ``n`` choices per prompt, in prompt order."""
        params = SamplingParams(
            temperature=request.temperature,
            top_p=request.top_p,
            max_new_tokens=request.max_tokens,
            stop=request.stops,
        )
        futures = [asyncio.wrap_future(self.scheduler.submit(prompt, request.n, params)) for prompt in request.prompts]
        choices: list[dict[str, Any]] = []
        completion_tokens = 0
        for samples in await asyncio.gather(*futures):
            for sample in samples:
                choices.append(_choice(len(choices), sample, params, request.logprobs is not None))
                completion_tokens += len(sample.tokens)
        return {
            "id": f"cmpl-{uuid.uuid4().hex}",
            "object": "text_completion",
            "created": int(time.time()),
            "model": self.model_name,
            "choices": choices,
            "usage": {"completion_tokens": completion_tokens},
        }

    def close(self) -> None:
        """Stop the scheduler and the engine."""
        self.scheduler.close()


def _choice(index: int, sample: Sample, params: SamplingParams, with_logprobs: bool) -> dict[str, Any]:
    choice: dict[str, Any] = {
        "index": index,
        "text": cut_at_stop(sample.text, params.stop),
        "logprobs": None,
        "finish_reason": "stop" if sample.finished else "length",
    }
    if with_logprobs:
        offsets, position = [], 0
        for token in sample.tokens:
            offsets.append(position)
            position += len(token)
        choice["logprobs"] = {
            "tokens": list(sample.tokens),
            "token_logprobs": list(sample.token_logprobs),
            "top_logprobs": None,
            "text_offset": offsets,
        }
    return choice
