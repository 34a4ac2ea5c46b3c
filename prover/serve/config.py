"""The server's limits as options dataclasses: ``prove serve``'s flags are made from them (no web imports here)."""

from __future__ import annotations

from dataclasses import dataclass

from prover.engines.options import option


@dataclass(frozen=True)
class HTTPLimits:
    """What one request may send, and how long it may take."""

    max_body_bytes: int = option(1 << 20, "largest request body, in bytes; a larger one is answered 413")
    max_input_chars: int = option(
        100_000, "longest text in a request (goal, prefix, statement, header, prompt), in characters; longer is answered 413"
    )
    request_timeout: float = option(300.0, "seconds a request may take, a /prove search and re-check included; then 504")


@dataclass(frozen=True)
class ProveLimits:
    """What one ``/prove`` request may ask for, and how many run at once."""

    max_budget: int = option(1000, "largest budget (node expansions) a /prove request may ask for; more is answered 400")
    max_searches: int = option(2, "/prove searches running at once, each with its own prover process")
    max_queued: int = option(8, "/prove searches waiting for a free slot; one more is answered 503", flag="--max-queued-searches")
