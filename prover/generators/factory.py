"""Build the generator a run asks for: ``portfolio``, ``replay``, or a model engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from prover.generators.base import TacticGenerator
from prover.generators.portfolio import PortfolioGenerator
from prover.generators.replay import ReplayGenerator
from prover.registry import backend_class

if TYPE_CHECKING:
    from prover.generators.models import ModelConfig

GENERATORS = ("portfolio", "replay", "automation", "knn", "model")


@dataclass(frozen=True)
class GeneratorConfig:
    """Which generator proposes tactics, and its options."""

    name: str = "portfolio"  #: portfolio | replay | automation | model (implied by ``model``)
    tactics: str | None = None  #: file of tactics for ``replay``
    steps: str | None = None  #: proof steps (``prove data steps``' ``steps.jsonl``) for ``knn``
    model: ModelConfig | None = None  #: a model generator (model, engine and its options); overrides ``name``

    @property
    def label(self) -> str:
        """What proposes the tactics, for records and titles: the model, or the generator's name."""
        return self.model.model if self.model is not None else self.name


def build_generator(config: GeneratorConfig, backend: str) -> TacticGenerator:
    """The generator ``config`` names, for proof backend ``backend``."""
    if config.model is not None:
        from prover.generators.models import build_model_generator

        return build_model_generator(config.model, backend)
    if config.name == "portfolio":
        return PortfolioGenerator(backend_class(backend).portfolio())
    if config.name == "automation":
        # The baseline: the backend's one combined automation tactic (use with budget 1).
        return ReplayGenerator([backend_class(backend).automation()])
    if config.name == "replay":
        if not config.tactics:
            raise ValueError("--generator replay needs --tactics FILE")
        return ReplayGenerator.from_file(config.tactics)
    if config.name == "knn":
        if not config.steps:
            raise ValueError("--generator knn needs --steps FILE (a steps.jsonl made by `prove data steps`)")
        from prover.generators.knn import KnnGenerator

        return KnnGenerator.from_steps(config.steps)
    if config.name == "model":
        raise ValueError("--generator model needs --model PATH_OR_HUB_ID")
    raise ValueError(f"unknown generator {config.name!r}; known: {', '.join(GENERATORS)}")
