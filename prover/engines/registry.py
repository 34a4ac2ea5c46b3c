"""``--engine`` names -> the engine's options class and constructor, imported only when used."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from prover.engines.base import Engine


@dataclass(frozen=True)
class EngineSpec:
    """Where an engine lives: ``"module:attribute"`` of its options class and of its constructor.

    ``create(model, options) -> Engine`` runs the model in this process; ``None`` means the
    engine is a client of a server that batches by itself (``openai``).
    """

    options: str
    create: str | None


ENGINES: dict[str, EngineSpec] = {
    "hf": EngineSpec("prover.engines.hf.config:HFEngineConfig", "prover.engines.hf.engine:HFEngine.load"),
    "vllm": EngineSpec("prover.engines.vllm.engine:VLLMConfig", "prover.engines.vllm.engine:VLLMEngine"),
    "openai": EngineSpec("prover.engines.openai.config:OpenAIConfig", None),
}
#: The documented reference model.
REFERENCE_MODEL = "EleutherAI/llemma_7b"


def _resolve(target: str) -> Any:
    module, _, attribute = target.partition(":")
    value: Any = importlib.import_module(module)
    for part in attribute.split("."):
        value = getattr(value, part)
    return value


def spec(name: str) -> EngineSpec:
    """The engine called ``name``."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
    return ENGINES[name]


def options_class(name: str) -> type:
    """The options dataclass of engine ``name``."""
    return _resolve(spec(name).options)


def create_engine(name: str, model: str, options: Any = None) -> Engine:
    """A local engine ``name`` running ``model`` (hub id or folder) with ``options`` (its defaults if ``None``)."""
    target = spec(name).create
    if target is None:
        raise ValueError(f"engine {name!r} is a server client, not a local engine")
    return _resolve(target)(model, options if options is not None else options_class(name)())
