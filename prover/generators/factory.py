"""Build the generator a run asks for: one of :data:`BUILDERS`, a model engine, or a mixture of them.

``--generator`` takes a name (``portfolio``, ``goals``, ...) or a mixture, members joined by
``+`` with optional weights (``goals:2+portfolio``; see :mod:`prover.generators.mixture`).
``model`` is the ``--model`` generator; ``--model M`` with a single name is the model alone.
A new tactic source registers a builder in :data:`BUILDERS` and is then usable alone and in
mixtures.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Mapping

from prover.generators.base import TacticGenerator
from prover.generators.goals import GoalTacticGenerator
from prover.generators.mixture import MixtureGenerator, parse_mixture
from prover.generators.portfolio import PortfolioGenerator
from prover.generators.replay import ReplayGenerator
from prover.registry import backend_class

if TYPE_CHECKING:
    from prover.generators.models import ModelConfig


@dataclass(frozen=True)
class GeneratorConfig:
    """Which generator proposes tactics, and its options."""

    #: a name of :data:`BUILDERS` or a mixture of them (``goals+portfolio``); with ``model`` set,
    #: a single name means the model alone
    name: str = "portfolio"
    tactics: str | None = None  #: file of tactics for ``replay``
    steps: str | None = None  #: proof steps (``prove data steps``' ``steps.jsonl``) for ``knn``
    model: ModelConfig | None = None  #: the ``model`` member (model, engine and its options)

    @property
    def label(self) -> str:
        """What proposes the tactics, for records and titles: the model, the name, or the mixture with the model's name."""
        members = parse_mixture(self.name)
        if self.model is None:
            return self.name
        if len(members) == 1:
            return self.model.model
        return "+".join(self.model.model if m.name == "model" else _spelled(m.name, m.weight) for m in members)


def _spelled(name: str, weight: float) -> str:
    return name if weight == 1.0 else f"{name}:{weight:g}"


def _portfolio(config: GeneratorConfig, backend: str) -> TacticGenerator:
    return PortfolioGenerator(backend_class(backend).portfolio())


def _automation(config: GeneratorConfig, backend: str) -> TacticGenerator:
    # The baseline: the backend's one combined automation tactic (use with budget 1).
    return ReplayGenerator([backend_class(backend).automation()])


def _replay(config: GeneratorConfig, backend: str) -> TacticGenerator:
    if not config.tactics:
        raise ValueError("--generator replay needs --tactics FILE")
    return ReplayGenerator.from_file(config.tactics)


def _goals(config: GeneratorConfig, backend: str) -> TacticGenerator:
    return GoalTacticGenerator.for_backend(backend)


def _knn(config: GeneratorConfig, backend: str) -> TacticGenerator:
    if not config.steps:
        raise ValueError("--generator knn needs --steps FILE (a steps.jsonl made by `prove data steps`)")
    from prover.generators.knn import KnnGenerator

    return KnnGenerator.from_steps(config.steps)


def _model(config: GeneratorConfig, backend: str) -> TacticGenerator:
    if config.model is None:
        raise ValueError("--generator model needs --model PATH_OR_HUB_ID")
    from prover.generators.models import build_model_generator

    return build_model_generator(config.model, backend)


#: How a generator is built from the run's configuration for a backend.
Builder = Callable[[GeneratorConfig, str], TacticGenerator]

#: Every generator name ``--generator`` knows, and how to build it for a backend.
BUILDERS: dict[str, Builder] = {
    "portfolio": _portfolio, "goals": _goals, "replay": _replay, "automation": _automation, "knn": _knn,
    "model": _model,
}  # fmt: skip
GENERATORS = tuple(BUILDERS)


def generator_spec(text: str) -> str:
    """``--generator``'s value checked: known names, well-formed weights (an ``argparse`` type)."""
    try:
        check_spec(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text.strip()


def check_spec(text: str) -> None:
    """Raise ``ValueError`` unless every member of ``text`` is a known generator."""
    for member in parse_mixture(text):
        if member.name not in BUILDERS:
            raise ValueError(f"unknown generator {member.name!r} in {text!r}; known: {', '.join(GENERATORS)} "
                             "(combine them as NAME+NAME, weighted NAME:WEIGHT+NAME)")


def build_generator(config: GeneratorConfig, backend: str, builders: Mapping[str, Builder] | None = None) -> TacticGenerator:
    """The generator ``config`` names, for proof backend ``backend``.

    ``builders`` replace some of :data:`BUILDERS` for this call (``prove serve`` builds the
    ``model`` member over the model it already serves).
    """
    check_spec(config.name)
    table = {**BUILDERS, **(builders or {})}
    members = parse_mixture(config.name)
    if config.model is not None and len(members) == 1:
        return table["model"](config, backend)
    if config.model is not None and all(m.name != "model" for m in members):
        raise ValueError(f"--model is given but --generator {config.name} does not use it; "
                         f"write model+{config.name} (or +{config.name})")
    if len(members) == 1:
        return table[members[0].name](config, backend)
    built: list[tuple[TacticGenerator, float]] = []
    try:
        for member in members:
            built.append((table[member.name](config, backend), member.weight))
    except BaseException:
        for generator, _ in built:  # a member that failed to build must not leak the others
            generator.close()
        raise
    return MixtureGenerator(built)
