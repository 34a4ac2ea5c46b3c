"""The ``openai`` engine: a client for any OpenAI-compatible ``/v1/completions`` server.

Works with ``vllm serve EleutherAI/llemma_7b``, with this project's own
``prove serve``, or any server speaking the legacy
completions API with ``logprobs``. Requests go over ``httpx`` with timeouts;
connection errors, 429 and 5xx answers are retried with exponential backoff.
Log-probabilities are the sum of the response's ``token_logprobs``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from prover.engines.base import Sample
from prover.engines.base import SamplingParams
from prover.engines.openai.config import OpenAIConfig

#: Answers worth another try: rate limits and server-side failures.
RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


class OpenAIServerError(RuntimeError):
    """The server kept failing, or answered something that is not a completion."""


class OpenAICompletionsClient:
    """Samples from a ``/v1/completions`` server; sync and async, thread-safe."""

    def __init__(self, model: str, params: SamplingParams, config: OpenAIConfig = OpenAIConfig()):
        self.model = model
        self.params = params
        self.config = config
        self._url = config.api_base.rstrip("/") + "/completions"
        self._timeout = httpx.Timeout(config.timeout_s, connect=config.connect_timeout_s)
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._headers = headers
        self._client = httpx.Client(timeout=self._timeout, headers=headers)

    def body(self, prompt: str, n: int) -> dict[str, Any]:
        """The JSON request for ``n`` samples of ``prompt``."""
        return {
            "model": self.model,
            "prompt": prompt,
            "n": n,
            "max_tokens": self.params.max_new_tokens,
            "temperature": self.params.temperature,
            "top_p": self.params.top_p,
            "stop": list(self.params.stop)[:4],
            "logprobs": 1,
        }

    def sample(self, prompt: str, n: int) -> list[Sample]:
        """``n`` samples for ``prompt`` (blocking)."""
        body = self.body(prompt, n)
        for attempt in range(self.config.retries + 1):
            try:
                response = self._client.post(self._url, json=body)
            except httpx.TransportError as error:
                self._give_up_or_wait(attempt, error, time.sleep)
                continue
            if response.status_code in RETRY_STATUS:
                self._give_up_or_wait(attempt, _status_error(response), time.sleep)
                continue
            return parse_completions(_json(response))
        raise AssertionError("unreachable")

    async def asample(self, prompt: str, n: int) -> list[Sample]:
        """``n`` samples for ``prompt``, awaited (one short-lived async client per call)."""
        body = self.body(prompt, n)
        async with httpx.AsyncClient(timeout=self._timeout, headers=self._headers) as client:
            for attempt in range(self.config.retries + 1):
                try:
                    response = await client.post(self._url, json=body)
                except httpx.TransportError as error:
                    await self._agive_up_or_wait(attempt, error)
                    continue
                if response.status_code in RETRY_STATUS:
                    await self._agive_up_or_wait(attempt, _status_error(response))
                    continue
                return parse_completions(_json(response))
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def _give_up_or_wait(self, attempt: int, error: Exception, sleep) -> None:
        if attempt >= self.config.retries:
            raise OpenAIServerError(f"{self._url}: {error}") from error
        sleep(self.config.backoff_s * 2**attempt)

    async def _agive_up_or_wait(self, attempt: int, error: Exception) -> None:
        if attempt >= self.config.retries:
            raise OpenAIServerError(f"{self._url}: {error}") from error
        await asyncio.sleep(self.config.backoff_s * 2**attempt)


def parse_completions(payload: dict[str, Any]) -> list[Sample]:
    """Samples from a completions response, in choice order."""
    try:
        choices = sorted(payload["choices"], key=lambda c: c.get("index", 0))
    except (KeyError, TypeError) as error:
        raise OpenAIServerError(f"not a completions response: {str(payload)[:200]}") from error
    samples = []
    for choice in choices:
        logprobs = choice.get("logprobs") or {}
        token_logprobs = tuple(float(x) for x in logprobs.get("token_logprobs") or [] if x is not None)
        samples.append(
            Sample(
                text=choice.get("text", ""),
                logprob=sum(token_logprobs),
                tokens=tuple(logprobs.get("tokens") or []),
                token_logprobs=token_logprobs,
                finished=choice.get("finish_reason") != "length",
            )
        )
    return samples


def _status_error(response: httpx.Response) -> OpenAIServerError:
    return OpenAIServerError(f"HTTP {response.status_code}: {response.text[:200]}")


def _json(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 200:
        raise _status_error(response)
    return response.json()
