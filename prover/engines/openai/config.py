"""Options of the ``openai`` engine (no HTTP import: the CLI builds its flags from them)."""

from __future__ import annotations

from dataclasses import dataclass

from prover.engines.options import option


@dataclass(frozen=True)
class OpenAIConfig:
    """Where the server is and how patiently to talk to it."""

    api_base: str = option("http://127.0.0.1:8000/v1", "base URL of an OpenAI-compatible server, for --engine openai")
    api_key: str | None = option(None, "bearer token for --api-base (default: none)")
    timeout_s: float = option(60.0, "seconds to wait for one completions answer", flag="--api-timeout")
    connect_timeout_s: float = 10.0
    retries: int = option(3, "retries of a failed request, with exponential backoff", flag="--api-retries")
    backoff_s: float = 0.5
