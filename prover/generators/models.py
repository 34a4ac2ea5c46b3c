"""Build a model-backed :class:`TacticGenerator` from ``--model`` and ``--engine``.

``build_model_generator("EleutherAI/llemma_7b", "hf", "coq")`` loads the model
(hub id or local HF-format folder), puts a :class:`BatchScheduler` in front of
it and wraps it in a :class:`ModelGenerator` with the backend's prompt. The
returned generator is thread-safe: concurrent ``generate`` calls from the
runner's worker threads are batched together.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from prover.generators.base import TacticGenerator
from prover.generators.engine import SamplingParams
from prover.generators.model_generator import ModelGenerator
from prover.generators.prompting import PromptTemplate
from prover.generators.scheduler import BatchScheduler, SchedulerConfig

#: The engines ``--engine`` accepts.
ENGINES = ("hf", "vllm", "openai")
#: The documented reference model.
REFERENCE_MODEL = "EleutherAI/llemma_7b"


@dataclass(frozen=True)
class ModelOptions:
    """Every option of a model generator, with its default.

    Sampling: ``temperature``, ``top_p``, ``max_new_tokens``. Batching:
    ``max_batch_size`` (sequences per engine call), ``max_wait_ms``. ``hf``:
    ``device``, ``dtype``, ``decode``, ``compile``, ``seed``. ``vllm``:
    ``gpu_memory_utilization``, ``max_model_len``. ``openai``: ``api_base``,
    ``api_key``, ``timeout_s``, ``retries``. ``prompt_file`` overrides the
    backend's vendored prompt.
    """

    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: int = 64
    max_batch_size: int = 64
    max_wait_ms: float = 5.0
    device: str | None = None
    dtype: str | None = None
    decode: str | None = None
    compile: bool | None = None
    seed: int | None = None
    gpu_memory_utilization: float = 0.9
    max_model_len: int | None = None
    api_base: str = "http://127.0.0.1:8000/v1"
    api_key: str | None = None
    timeout_s: float = 60.0
    retries: int = 3
    prompt_file: str | None = None

    @classmethod
    def from_kwargs(cls, options: dict[str, Any]) -> "ModelOptions":
        """Options from keyword arguments; ``None`` values keep the default."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise TypeError(f"unknown model option(s): {', '.join(unknown)}")
        return cls(**{k: v for k, v in options.items() if v is not None})


def build_model_generator(model: str, engine: str, backend: str, **options: Any) -> TacticGenerator:
    """A batched, thread-safe generator for ``model`` on ``engine``, prompting for ``backend``."""
    opts = ModelOptions.from_kwargs(options)
    template = PromptTemplate.from_file(opts.prompt_file) if opts.prompt_file else PromptTemplate.for_backend(backend)
    params = SamplingParams(
        temperature=opts.temperature, top_p=opts.top_p, max_new_tokens=opts.max_new_tokens, stop=template.stop
    )
    if engine == "openai":
        from prover.generators.openai_client import OpenAICompletionsClient, OpenAIConfig

        config = OpenAIConfig(api_base=opts.api_base, api_key=opts.api_key, timeout_s=opts.timeout_s, retries=opts.retries)
        return ModelGenerator(OpenAICompletionsClient(model, params, config), template)
    scheduler = BatchScheduler(_local_engine(model, engine, opts), params, SchedulerConfig(opts.max_batch_size, opts.max_wait_ms))
    return ModelGenerator(scheduler, template)


def _local_engine(model: str, engine: str, opts: ModelOptions):
    """The ``hf`` or ``vllm`` engine for ``model``."""
    if engine == "hf":
        from prover.generators.hf_engine import HFEngine, HFEngineConfig

        config = HFEngineConfig(device=opts.device, dtype=opts.dtype, decode=opts.decode, compile=opts.compile, seed=opts.seed)
        try:
            return HFEngine.load(model, config)
        except OSError as error:
            raise OSError(f"cannot load model {model!r} (a local HF-format folder or a hub id): {error}") from error
    if engine == "vllm":
        from prover.generators.vllm_engine import VLLMConfig, VLLMEngine

        return VLLMEngine(
            model,
            VLLMConfig(
                dtype=opts.dtype or "auto",
                gpu_memory_utilization=opts.gpu_memory_utilization,
                max_model_len=opts.max_model_len,
                seed=opts.seed or 0,
            ),
        )
    raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
