"""A :class:`TacticGenerator` backed by a language model.

It renders the goal with the backend's few-shot prompt, asks a sampler for
``k`` completions, and cleans them into distinct tactics with their summed
log-probabilities. The sampler is either a :class:`BatchScheduler` in front
of a local engine (``hf``, ``vllm``) or the OpenAI-compatible client, whose
server does its own batching.
"""

from __future__ import annotations

from typing import Protocol

from prover.generators.base import Suggestion, TacticGenerator
from prover.engines.base import Sample
from prover.generators.cleaning import clean_samples
from prover.generators.prompting import PromptTemplate


class Sampler(Protocol):
    """Anything that returns ``n`` samples for a prompt, blocking or awaited."""

    def sample(self, prompt: str, n: int) -> list[Sample]:
        """``n`` samples for ``prompt``."""

    async def asample(self, prompt: str, n: int) -> list[Sample]:
        """``n`` samples for ``prompt``, awaited."""

    def close(self) -> None:
        """Release the sampler's resources."""


class ModelGenerator(TacticGenerator):
    """Prompt, sample, clean: model-guided tactic suggestions."""

    def __init__(self, sampler: Sampler, template: PromptTemplate):
        self.sampler = sampler
        self.template = template

    def generate(self, goal: str, k: int) -> list[Suggestion]:
        """Up to ``k`` distinct tactics for ``goal``; thread-safe and batched across callers."""
        if k <= 0:
            return []
        return clean_samples(self.sampler.sample(self.template.render(goal), k), self.template, k)

    async def agenerate(self, goal: str, k: int) -> list[Suggestion]:
        """Async form of :meth:`generate`; concurrent awaits share batches."""
        if k <= 0:
            return []
        samples = await self.sampler.asample(self.template.render(goal), k)
        return clean_samples(samples, self.template, k)

    def close(self) -> None:
        """Stop the sampler (scheduler thread, model, HTTP client)."""
        self.sampler.close()

    def cancel(self) -> None:
        """Cut the sampling in progress short (a stopped run): :func:`cancel_sampling`."""
        cancel_sampling(self.sampler)


def cancel_sampling(sampler: Sampler) -> None:
    """Cut ``sampler``'s calls in progress short where it can: the batch scheduler of a local engine
    can; the OpenAI client's requests end by themselves within their timeout."""
    cancel = getattr(sampler, "cancel", None)
    if cancel is not None:
        cancel()
