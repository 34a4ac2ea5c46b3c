"""Where Draft-Sketch-Prove's sketches come from: a file of sketches, or a model (``--mode dsp``).

``--sketches FILE.jsonl`` gives each problem its sketches by name (for tests, and for people
who write their own). Otherwise a model writes them, from the few-shot prompt of the
backend (``prover/prompts/dsp_<backend>.json``): the informal statement, an informal proof
and the formal statement in, a formal sketch with gaps out. The informal proof is the
dataset's own (``--informal human``) or one the same model drafts first from the informal
statement (``--informal model``).
"""

from __future__ import annotations

import abc
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from prover.dsp import load_sketches
from prover.env import Problem
from prover.generators.model_generator import Sampler, cancel_sampling
from prover.generators.models import ModelConfig, build_sampler
from prover.generators.prompting import PROMPT_DIR

INFORMAL_SOURCES = ("human", "model")


class SketchSource(abc.ABC):
    """Gives a problem its sketches; thread-safe, shared by a run's workers."""

    @abc.abstractmethod
    def sketches(self, problem: Problem, n: int) -> list[str]:
        """Up to ``n`` sketches for ``problem`` (fewer, or none, when the source has no more)."""

    def close(self) -> None:
        """Release what the source holds (a model, a client)."""

    def cancel(self) -> None:
        """Cut short the sketching in progress (a stopped run); nothing by default."""


class FileSketches(SketchSource):
    """``--sketches FILE.jsonl``: lines ``{"name": ..., "sketch": ...}``, in file order per name."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.by_name = load_sketches(path)

    def sketches(self, problem: Problem, n: int) -> list[str]:
        """The file's first ``n`` sketches named ``problem.name``."""
        return self.by_name.get(problem.name, [])[:n]


@dataclass(frozen=True)
class SketchPrompt:
    """The few-shot prompt of a backend's sketches (``prover/prompts/dsp_<backend>.json``)."""

    instruction: str
    end_marker: str
    examples: tuple[dict[str, str], ...]

    @classmethod
    def for_backend(cls, backend: str) -> "SketchPrompt":
        """The vendored prompt of ``backend``; ``ValueError`` when it has none."""
        source = PROMPT_DIR / f"dsp_{backend}.json"
        if not source.is_file():
            raise ValueError(f"--mode dsp with a model: no sketch prompt for backend {backend!r} (prover/prompts/dsp_{backend}.json)")
        data: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
        return cls(data["instruction"], data["end_marker"], tuple(data["examples"]))

    def sketch(self, informal_statement: str, informal_proof: str, statement: str) -> str:
        """The prompt that asks for a sketch of ``statement`` following the informal proof."""
        shots = [self._block(e["informal_statement"], e["informal_proof"], e["statement"]) + e["sketch"] + "\n" + self.end_marker
                 for e in self.examples]
        return "\n\n".join([self.instruction, *shots, self._block(informal_statement, informal_proof, statement)])

    def draft(self, informal_statement: str) -> str:
        """The prompt that asks for an informal proof of ``informal_statement``."""
        shots = [f"Informal statement:\n{e['informal_statement']}\nInformal proof:\n{e['informal_proof']}" for e in self.examples]
        return "\n\n".join(["Write an informal proof of each statement.", *shots,
                            f"Informal statement:\n{informal_statement}\nInformal proof:\n"])

    @staticmethod
    def _block(informal_statement: str, informal_proof: str, statement: str) -> str:
        return (f"Informal statement:\n{informal_statement}\nInformal proof:\n{informal_proof}\n"
                f"Formal statement:\n{statement}\nFormal sketch:\n")


class ModelSketches(SketchSource):
    """Sketches sampled from a model, after an informal proof (the dataset's, or the model's own draft)."""

    def __init__(self, model: ModelConfig, backend: str, informal: str = "human", max_new_tokens: int = 768) -> None:
        if informal not in INFORMAL_SOURCES:
            raise ValueError(f"--informal must be one of {', '.join(INFORMAL_SOURCES)}, not {informal!r}")
        self.prompt = SketchPrompt.for_backend(backend)
        self.informal = informal
        params = replace(model.sampling, max_new_tokens=max_new_tokens, stop=(self.prompt.end_marker, "\nInformal statement:"))
        self.sampler: Sampler = build_sampler(model, params)

    def sketches(self, problem: Problem, n: int) -> list[str]:
        """``n`` sketches; with ``--informal model``, each follows its own drafted informal proof."""
        if self.informal == "human":
            if not problem.informal_proof.strip():
                return []
            prompt = self.prompt.sketch(problem.informal_statement, problem.informal_proof, problem.statement)
            return [s.text.strip() for s in self.sampler.sample(prompt, n)]
        drafts = [s.text.strip() for s in self.sampler.sample(self.prompt.draft(problem.informal_statement), n)]
        return [self.sampler.sample(self.prompt.sketch(problem.informal_statement, draft, problem.statement), 1)[0].text.strip()
                for draft in drafts]

    def close(self) -> None:
        """Stop the sampler (its scheduler thread and model, or its HTTP client)."""
        self.sampler.close()

    def cancel(self) -> None:
        """Cut the sampling in progress short (see :func:`~prover.generators.model_generator.cancel_sampling`)."""
        cancel_sampling(self.sampler)
