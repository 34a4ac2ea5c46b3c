"""The bodies ``prove serve`` reads and writes, as pydantic models: each request is validated on arrival.

The completions request is OpenAI's (lax types, as OpenAI clients differ; unknown fields are
ignored). The Lean Copilot requests (``/generate``, ``/encode``) have the shapes of Lean
Copilot's ``ExternalGenerator`` and ``ExternalEncoder`` (``LeanCopilot/Models/External.lean``),
and ``/prove``'s is this project's; those are strict: a number is not a string, nor a string
a number. Limits that the command line sets (input length, budget) are checked by the app.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class CompletionRequest(BaseModel):
    """``POST /v1/completions``: prompts, samples per prompt and the sampling parameters."""

    model: Optional[str] = None  #: accepted whatever it names: one model is served
    prompt: Union[str, Annotated[list[str], Field(min_length=1)]] = ""
    n: int = Field(1, ge=1)
    max_tokens: int = Field(16, ge=1)
    temperature: float = Field(1.0, ge=0.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    stop: Union[str, list[str], None] = None
    logprobs: Optional[int] = None  #: any value asks for the tokens' log-probabilities

    @property
    def prompts(self) -> list[str]:
        """The prompts as a list (OpenAI takes one string or several)."""
        return [self.prompt] if isinstance(self.prompt, str) else list(self.prompt)

    @property
    def stops(self) -> tuple[str, ...]:
        """The stop sequences as a tuple."""
        if self.stop is None:
            return ()
        return (self.stop,) if isinstance(self.stop, str) else tuple(self.stop)


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True)


class GenerateRequest(_Strict):
    """``POST /generate`` (Lean Copilot's ``GeneratorRequest``): tactics for the goal state ``input``.

    ``prefix``: only tactics that start with it (Lean Copilot's target prefix; may be null).
    """

    name: str
    input: str
    prefix: Optional[str] = ""


class Generation(BaseModel):
    """One proposed tactic and its score (a log-probability: higher is better)."""

    output: str
    score: float


class GenerateResponse(BaseModel):
    """``/generate``'s answer: the tactics, best first."""

    outputs: list[Generation]


class EncodeRequest(_Strict):
    """``POST /encode`` (Lean Copilot's encoder request): an embedding of ``input``."""

    name: str
    input: str


class EncodeResponse(BaseModel):
    """``/encode``'s answer: the embedding."""

    outputs: list[float]


class ProveRequest(_Strict):
    """``POST /prove``: search a proof of ``statement`` after ``header`` in ``backend``.

    Unset fields take the server's defaults (``--backend``, ``--budget``, ``--time-limit``).
    """

    statement: str = Field(min_length=1)
    header: str = ""
    backend: Optional[str] = None
    budget: Optional[int] = Field(None, ge=1)
    time_limit: Optional[float] = Field(None, gt=0.0)


class ProveResponse(BaseModel):
    """``/prove``'s answer: a re-checked proof, or why there is none.

    ``proof`` and ``verdict`` are set when ``proved``, ``reason`` when not; ``None`` fields
    are left out of the JSON.
    """

    proved: bool
    proof: Optional[list[str]] = None
    verdict: Optional[str] = None
    reason: Optional[str] = None
    expansions: int = 0
    seconds: float = 0.0

    def body(self) -> dict[str, Any]:
        """The JSON body: the set fields."""
        return self.model_dump(exclude_none=True)


class ApiError(Exception):
    """A request the server refuses: answered as JSON with HTTP ``status`` and OpenAI error ``kind``."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind


def error_body(message: str, kind: str) -> dict[str, Any]:
    """An error in the OpenAI shape: ``{"error": {"message": ..., "type": ...}}``."""
    return {"error": {"message": message, "type": kind}}


def validation_message(error: ValidationError) -> str:
    """What is wrong with a request, one clause per field: ``budget: Input should be ...``."""
    clauses = []
    for problem in error.errors(include_url=False):
        where = ".".join(str(part) for part in problem["loc"]) or "body"
        clauses.append(f"{where}: {problem['msg']}")
    return "; ".join(clauses)
