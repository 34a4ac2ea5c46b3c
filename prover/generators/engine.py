"""The engine interface: a batch of prompts in, ``n`` samples for each out.

Engines (``hf``, ``vllm``) know nothing about proofs: they turn prompts into
completions with summed log-probabilities. The :class:`~prover.generators.scheduler.BatchScheduler`
forms their batches from concurrent searches, and
:class:`~prover.generators.model_generator.ModelGenerator` turns samples into
suggestions.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field

from prover.generators.cleaning import Sample

#: How the ``hf`` engine keeps the KV cache while decoding (see :mod:`prover.generators.hf_engine`):
#: ``shared`` stores each prompt's KV once for its samples; ``static`` and ``dynamic`` copy it per sample.
DECODES = ("shared", "static", "dynamic")


@dataclass(frozen=True)
class SamplingParams:
    """How to sample: temperature, nucleus, length limit and stop sequences.

    Log-probabilities are always the model's own (temperature 1, before any
    nucleus cut), summed over the completion's tokens in natural log.
    """

    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: int = 64
    stop: tuple[str, ...] = field(default=("\n---",))


@dataclass(frozen=True)
class Request:
    """One prompt and how many samples it wants."""

    prompt: str
    n: int


class Engine(abc.ABC):
    """Samples completions for a batch of requests in one go."""

    #: Name used by ``--engine``.
    name: str = ""

    @abc.abstractmethod
    def sample(self, requests: list[Request], params: SamplingParams) -> list[list[Sample]]:
        """For each request, ``request.n`` samples (same order as ``requests``)."""

    def close(self) -> None:
        """Release the model (nothing by default)."""
