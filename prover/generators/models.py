"""Build a model-backed :class:`TacticGenerator` from a :class:`ModelConfig` (``--model``, ``--engine``, ...).

``build_model_generator(ModelConfig("EleutherAI/llemma_7b"), "coq")`` loads the
model (hub id or local HF-format folder) on the ``hf`` engine, puts a
:class:`BatchScheduler` in front of it and wraps it in a :class:`ModelGenerator`
with the backend's prompt. The returned generator is thread-safe: concurrent
``generate`` calls from the runner's worker threads are batched together.

The command-line flags of every engine are made from the engines' options
dataclasses (:func:`add_model_arguments`), so each default is written once.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from prover.engines.base import SamplingParams
from prover.engines.options import add_options, cli_fields, flag_name, options_from_args
from prover.engines.registry import ENGINES, REFERENCE_MODEL, create_engine, options_class, spec
from prover.engines.scheduler import BatchScheduler, SchedulerConfig
from prover.generators.base import TacticGenerator
from prover.generators.model_generator import ModelGenerator, Sampler
from prover.generators.prompting import PromptTemplate


@dataclass(frozen=True)
class ModelConfig:
    """A model generator: the model, its engine and that engine's options, sampling, batching, prompt.

    ``engine_options`` is the engine's options dataclass (:func:`~prover.engines.registry.options_class`);
    ``None`` takes its defaults. ``prompt_file`` replaces the backend's vendored few-shot prompt; without
    one, a local model folder's own :data:`MODEL_PROMPT` (the prompt it was fine-tuned on, written by
    ``prove train export --prompt-file``) is used when it has one.
    ``sampling.stop`` is replaced by the prompt's stop sequences.
    """

    model: str
    engine: str = "hf"
    sampling: SamplingParams = SamplingParams()
    batching: SchedulerConfig = SchedulerConfig()
    engine_options: Any = None
    prompt_file: str | None = None


#: A model folder's own prompt: the format it was fine-tuned on.
MODEL_PROMPT = "prover_prompt.json"


def model_prompt(config: ModelConfig, backend: str) -> PromptTemplate:
    """The prompt ``config`` asks for: its ``prompt_file``, else the model folder's own, else the backend's."""
    if config.prompt_file:
        return PromptTemplate.from_file(config.prompt_file)
    own = Path(config.model) / MODEL_PROMPT
    return PromptTemplate.from_file(own) if own.is_file() else PromptTemplate.for_backend(backend)


def build_model_generator(config: ModelConfig, backend: str) -> TacticGenerator:
    """A batched, thread-safe generator for ``config.model`` on ``config.engine``, prompting for ``backend``."""
    template = model_prompt(config, backend)
    return ModelGenerator(build_sampler(config, replace(config.sampling, stop=template.stop)), template)


def build_sampler(config: ModelConfig, params: SamplingParams) -> Sampler:
    """What samples completions of ``config.model`` with ``params``: a scheduler over a local engine, or an HTTP client."""
    engine_spec = spec(config.engine)
    options = config.engine_options if config.engine_options is not None else options_class(config.engine)()
    if not isinstance(options, options_class(config.engine)):
        raise TypeError(f"engine {config.engine!r} takes {options_class(config.engine).__name__}, not {type(options).__name__}")
    if engine_spec.create is None:
        from prover.engines.openai.client import OpenAICompletionsClient

        return OpenAICompletionsClient(config.model, params, options)
    try:
        engine = create_engine(config.engine, config.model, options)
    except OSError as error:
        raise OSError(f"cannot load model {config.model!r} (a local HF-format folder or a hub id): {error}") from error
    return BatchScheduler(engine, params, config.batching)


def add_model_arguments(group: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--model``, ``--engine``, ``--prompt-file`` and the flags of sampling, batching and every engine."""
    group.add_argument(
        "--model", default=None, help=f"HF hub id or local path of a causal LM (e.g. {REFERENCE_MODEL}); selects a model generator"
    )
    group.add_argument("--engine", default="hf", choices=sorted(ENGINES), help="model engine for --model (default: %(default)s)")
    group.add_argument(
        "--prompt-file", default=None,
        help="few-shot prompt JSON replacing the backend's vendored one (default: prover/prompts/<backend>.json)",
    )  # fmt: skip
    added: set[str] = set()
    for cls in (SamplingParams, SchedulerConfig, *(options_class(name) for name in ENGINES)):
        added |= add_options(group, cls, skip=added)


def model_config_from_args(args: argparse.Namespace) -> ModelConfig | None:
    """The :class:`ModelConfig` the parsed flags ask for (``None`` without ``--model``).

    A flag of another engine than ``--engine`` is an error rather than silently ignored.
    """
    chosen = options_class(args.engine)
    own = {f.name for f in fields(chosen)}
    for name in ENGINES:
        for field in cli_fields(options_class(name)):
            if field.name not in own and getattr(args, field.name, None) is not None:
                raise ValueError(f"{flag_name(field)} is an option of --engine {name}, not of --engine {args.engine}")
    if not args.model:
        return None
    return ModelConfig(
        model=args.model,
        engine=args.engine,
        sampling=options_from_args(SamplingParams, args),
        batching=options_from_args(SchedulerConfig, args),
        engine_options=options_from_args(chosen, args),
        prompt_file=args.prompt_file,
    )
