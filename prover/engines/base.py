"""The engine interface and its types: a batch of prompts in, ``n`` samples for each out.

Engines (``hf``, ``vllm``, ``openai``) know nothing about proofs: they turn
prompts into completions with summed log-probabilities. The
:class:`~prover.engines.scheduler.BatchScheduler` forms their batches from
concurrent searches, and :class:`~prover.generators.model_generator.ModelGenerator`
turns samples into tactic suggestions.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from dataclasses import dataclass, field

from prover.engines.options import option


@dataclass(frozen=True)
class SamplingParams:
    """How to sample: temperature, nucleus, length limit and stop sequences.

    Log-probabilities are always the model's own (temperature 1, before any
    nucleus cut), summed over the completion's tokens in natural log.
    """

    temperature: float = option(1.0, "sampling temperature of model generators (0: greedy)")
    top_p: float = option(1.0, "nucleus sampling: keep the smallest set of tokens with this total probability (1.0: off)")
    max_new_tokens: int = option(64, "longest tactic a model may write, in tokens")
    stop: tuple[str, ...] = field(default=("\n---",))


@dataclass(frozen=True)
class Request:
    """One prompt and how many samples it wants."""

    prompt: str
    n: int


@dataclass(frozen=True)
class Sample:
    """One raw completion from an engine and its summed token log-probability.

    ``tokens`` and ``token_logprobs`` itemise the completion where the engine
    knows them (they may be empty); ``finished`` says whether it ended at a stop
    sequence or end-of-sequence rather than at the length limit.
    """

    text: str
    logprob: float
    tokens: tuple[str, ...] = ()
    token_logprobs: tuple[float, ...] = ()
    finished: bool = True


def cut_at_stop(text: str, stop: Iterable[str]) -> str:
    """``text`` up to (not including) the earliest stop sequence."""
    cut = len(text)
    for s in stop:
        index = text.find(s)
        if s and index != -1:
            cut = min(cut, index)
    return text[:cut]


class GenerationCancelled(RuntimeError):
    """The sampling call was cut short by :meth:`Engine.cancel` (a stopped run)."""


class Engine(abc.ABC):
    """Samples completions for a batch of requests in one go."""

    #: Name used by ``--engine``.
    name: str = ""

    @abc.abstractmethod
    def sample(self, requests: list[Request], params: SamplingParams) -> list[list[Sample]]:
        """For each request, ``request.n`` samples (same order as ``requests``)."""

    def close(self) -> None:
        """Release the model (nothing by default)."""

    def cancel(self) -> None:
        """Cut short the :meth:`sample` calls made before this one: each raises
        :class:`GenerationCancelled` as soon as it can; later calls run as usual. An engine that
        cannot stop a call midway lets it finish (the default)."""
