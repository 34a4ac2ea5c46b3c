"""Few-shot prompts: the goal state in, one tactic out.

Prompts are data (``prover/prompts/<backend>.json``), in Llemma's
formal-to-formal format::

    <instruction>

    Tactic state:
    ---
    <state>
    ---
    Next tactic:
    ---
    <tactic>
    ---

The query ends after ``Next tactic:\\n---\\n``; generation stops at the next
``---``. This module is the one place a goal becomes a model prompt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from prover.registry import BACKENDS, backend_class

#: Where the vendored prompt files live.
PROMPT_DIR = Path(__file__).resolve().parent.parent / "prompts"


@dataclass(frozen=True)
class Example:
    """One few-shot example: a proof state and the tactic taken from it."""

    state: str
    tactic: str


@dataclass(frozen=True)
class PromptTemplate:
    """A backend's few-shot prompt, its stop sequences and its tactic limits.

    ``sentence_end`` is what a complete tactic ends with (``"."`` for Coq, empty
    where the language has no terminator); ``max_tactic_chars`` bounds a kept
    tactic's length.
    """

    backend: str
    instruction: str
    examples: tuple[Example, ...]
    stop: tuple[str, ...]
    sentence_end: str = ""
    max_tactic_chars: int = 512

    @classmethod
    def from_file(cls, path: str | Path) -> "PromptTemplate":
        """Load a prompt from a JSON file shaped like ``prover/prompts/coq.json``."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(
            backend=data["backend"],
            instruction=data["instruction"],
            examples=tuple(Example(e["state"], e["tactic"]) for e in data.get("examples", [])),
            stop=tuple(data.get("stop", ["\n---"])),
            sentence_end=data.get("sentence_end", ""),
            max_tactic_chars=int(data.get("max_tactic_chars", 512)),
        )

    @classmethod
    def for_backend(cls, backend: str) -> "PromptTemplate":
        """The vendored prompt for ``backend``: its env class's ``prompt_name``, else the file named after it."""
        stem = (backend_class(backend).prompt_name if backend in BACKENDS else "") or backend
        path = PROMPT_DIR / f"{stem}.json"
        if not path.is_file():
            known = ", ".join(sorted(p.stem for p in PROMPT_DIR.glob("*.json")))
            raise ValueError(f"no prompt for backend {backend!r}; prompts exist for: {known}")
        return cls.from_file(path)

    def render(self, state: str) -> str:
        """The full prompt for ``state``: instruction, examples, then the open query."""
        shots = "".join(_block(e.state) + e.tactic + "\n---\n\n" for e in self.examples)
        return f"{self.instruction}\n\n{shots}{_block(state)}"

    def completion(self, tactic: str) -> str:
        """The text a model should produce after :meth:`render` for ``tactic``."""
        return f"{tactic}\n---"


def _block(state: str) -> str:
    """One example's opening, up to where the tactic goes."""
    return f"Tactic state:\n---\n{state.strip()}\n---\nNext tactic:\n---\n"
