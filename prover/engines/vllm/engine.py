"""The ``vllm`` engine: vLLM's offline ``LLM`` with ``n=k`` and log-probs (GPU, ``[gpu]`` extra).

vLLM does its own continuous batching and prefix sharing; the scheduler in
front of it still groups concurrent searches so that one ``generate`` call
carries many prompts. Log-probabilities are the sampled tokens' own (vLLM
reports the raw model log-probs by default), summed per completion.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

from prover.engines.base import Sample
from prover.engines.base import Engine, Request, SamplingParams
from prover.engines.options import LocalModelOptions, option


def vllm_available() -> bool:
    """Whether the ``vllm`` package can be imported."""
    return importlib.util.find_spec("vllm") is not None


@dataclass(frozen=True)
class VLLMConfig(LocalModelOptions):
    """Options handed to ``vllm.LLM`` (``dtype`` ``None`` is vLLM's ``auto``, ``seed`` ``None`` is 0)."""

    gpu_memory_utilization: float = option(0.9, "fraction of the GPU's memory vLLM may take, for --engine vllm")
    max_model_len: int | None = option(None, "context length vLLM plans for (default: the model's)")
    tensor_parallel_size: int = option(1, "GPUs vLLM shards the model over")


class VLLMEngine(Engine):
    """Batched sampling through ``vllm.LLM.generate``."""

    name = "vllm"

    def __init__(self, model: str, config: VLLMConfig = VLLMConfig()):
        if not vllm_available():
            raise ImportError("the vllm engine needs vLLM: pip install 'llemma-prover[gpu]'")
        from vllm import LLM

        self.config = config
        self.llm = LLM(
            model=model,
            dtype=config.dtype or "auto",
            gpu_memory_utilization=config.gpu_memory_utilization,
            max_model_len=config.max_model_len,
            tensor_parallel_size=config.tensor_parallel_size,
            seed=config.seed or 0,
        )

    def sample(self, requests: list[Request], params: SamplingParams) -> list[list[Sample]]:
        """``request.n`` samples for every request, in one ``generate`` call."""
        from vllm import SamplingParams as VLLMSamplingParams

        per_request = [
            VLLMSamplingParams(
                n=r.n,
                temperature=params.temperature,
                top_p=params.top_p,
                max_tokens=params.max_new_tokens,
                stop=list(params.stop),
                logprobs=0,
            )
            for r in requests
        ]
        outputs = self.llm.generate([r.prompt for r in requests], per_request, use_tqdm=False)
        return [[_sample(c) for c in output.outputs] for output in outputs]


def _sample(completion: Any) -> Sample:
    """Our sample from a vLLM ``CompletionOutput``."""
    token_logprobs: tuple[float, ...] = ()
    if completion.logprobs:
        token_logprobs = tuple(
            float(step[token].logprob) for token, step in zip(completion.token_ids, completion.logprobs)
        )
    total = sum(token_logprobs) if token_logprobs else float(completion.cumulative_logprob or 0.0)
    return Sample(
        text=completion.text,
        logprob=total,
        token_logprobs=token_logprobs,
        finished=completion.finish_reason != "length",
    )
