"""The served tactic source: what ``/generate`` proposes and what ``/prove``'s searches expand with.

It is ``--generator`` as ``prove`` builds it (:func:`~prover.generators.factory.build_generator`):
the no-model sources (``portfolio``, ``goals``, ``knn``, mixtures such as ``goals+portfolio``),
or, with ``--model``, the model alone or mixed with them. One generator is built per
backend, when first asked for (its portfolio, goal templates and prompt are the
backend's). With a model, every backend's model member samples through the one
:class:`BatchScheduler` that ``/v1/completions`` uses, so all requests share its batches and
the model is loaded once.

A Lean Copilot *prefix* asks for tactics that start with it: a model alone continues the
prompt after the prefix (as Lean Copilot's own generators do); any other source's tactics
are filtered by it.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from prover.engines.base import Sample, SamplingParams
from prover.engines.scheduler import BatchScheduler
from prover.generators.base import Suggestion, TacticGenerator
from prover.generators.cleaning import clean_samples
from prover.generators.factory import GeneratorConfig, build_generator
from prover.generators.model_generator import ModelGenerator
from prover.generators.models import model_prompt


class SharedSampler:
    """A :class:`~prover.generators.model_generator.Sampler` over a scheduler it does not own.

    It samples with fixed ``params`` (the model generator's, with its prompt's stop sequences);
    closing it leaves the scheduler running for the server's other users.
    """

    def __init__(self, scheduler: BatchScheduler, params: SamplingParams):
        self.scheduler = scheduler
        self.params = params

    def sample(self, prompt: str, n: int) -> list[Sample]:
        """``n`` samples for ``prompt``, batched with every other user of the scheduler."""
        return self.scheduler.sample(prompt, n, self.params)

    async def asample(self, prompt: str, n: int) -> list[Sample]:
        """Awaitable form of :meth:`sample`."""
        return await self.scheduler.asample(prompt, n, self.params)

    def close(self) -> None:
        """Nothing: the scheduler belongs to the server."""


class TacticSource:
    """``config``'s generator for each backend, built once; ``scheduler`` serves its model member, if any."""

    def __init__(self, config: GeneratorConfig, scheduler: BatchScheduler | None = None):
        if config.model is not None and scheduler is None:
            raise ValueError("a model generator needs the server's scheduler")
        self.config = config
        self.scheduler = scheduler
        self._generators: dict[str, TacticGenerator] = {}
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """What proposes the tactics: the model, the generator spec, or the mixture with the model's name."""
        return self.config.label

    def generator(self, backend: str) -> TacticGenerator:
        """The generator for ``backend``, built on first use (``ValueError``/``ImportError`` if it cannot be)."""
        with self._lock:
            if backend not in self._generators:
                self._generators[backend] = build_generator(self.config, backend, builders={"model": self._model})
            return self._generators[backend]

    def _model(self, config: GeneratorConfig, backend: str) -> TacticGenerator:
        assert config.model is not None and self.scheduler is not None
        template = model_prompt(config.model, backend)
        return ModelGenerator(SharedSampler(self.scheduler, replace(config.model.sampling, stop=template.stop)), template)

    async def generate(self, backend: str, goal: str, k: int, prefix: str = "") -> list[Suggestion]:
        """Up to ``k`` tactics for ``goal`` in ``backend`` that start with ``prefix``, best first."""
        generator = self.generator(backend)
        if not prefix:
            return await generator.agenerate(goal, k)
        if isinstance(generator, ModelGenerator):
            samples = await generator.sampler.asample(generator.template.render(goal) + prefix, k)
            prefixed = [replace(sample, text=prefix + sample.text) for sample in samples]
            return clean_samples(prefixed, generator.template, k)
        return [s for s in await generator.agenerate(goal, k) if s.tactic.startswith(prefix)]

    def close(self) -> None:
        """Close every generator built (the scheduler is the server's to close)."""
        with self._lock:
            generators, self._generators = list(self._generators.values()), {}
        for generator in generators:
            generator.close()
