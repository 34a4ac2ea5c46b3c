"""The Starlette application of ``prove serve``: its routes, request limits and JSON errors.

Starlette rather than a hand-written ``http.server`` handler: it is small, async (so a
request waiting on the model or on a proof search holds no thread, and the routes share
the model's batches), and it leaves the error format to us: every error is answered in
the OpenAI shape ``{"error": {"message": ..., "type": ...}}`` that the completions
clients already read (FastAPI would answer validation errors in its own ``detail``
shape). Bodies are validated with the pydantic models of :mod:`prover.serve.schemas`.

Routes:

- ``GET /v1/models``, ``POST /v1/completions``: the OpenAI API over the served model (404 without one).
- ``POST /generate``, ``POST /encode``: Lean Copilot's external generator and encoder API.
- ``POST /prove``: a search and re-check of one statement (:mod:`prover.serve.proving`).

Errors: 400 malformed JSON, missing or mistyped fields, values out of range; 404 an
unknown route or ``name``, or no model served; 405 a wrong method; 413 a body over
``max_body_bytes`` or a text field over ``max_input_chars``; 503 a busy or missing prover;
504 a request over ``request_timeout``; 500 anything else (the server answers on).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from prover.registry import DEFAULT_BACKEND
from prover.serve.completions import CompletionsService
from prover.serve.config import HTTPLimits
from prover.serve.embedding import Embedder, HashedFeatureEmbedder
from prover.serve.proving import ProveService
from prover.serve.schemas import (ApiError, CompletionRequest, EncodeRequest, EncodeResponse, GenerateRequest, GenerateResponse,
                                  Generation, ProveRequest, error_body, validation_message)
from prover.serve.tactics import TacticSource

_log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


@dataclass
class Services:
    """What one server serves; a route whose service is missing answers 404.

    ``backend`` is the proof assistant whose tactics ``/generate`` proposes (``/prove``
    requests name their own); ``samples`` is how many it proposes. ``name`` is what the
    ``name`` of ``/generate`` and ``/encode`` must be (besides the model's own name):
    by default the tactic source's.
    """

    completions: CompletionsService | None = None
    tactics: TacticSource | None = None
    embedder: Embedder | None = None
    prover: ProveService | None = None
    backend: str = DEFAULT_BACKEND
    samples: int = 16
    name: str = ""

    @property
    def names(self) -> list[str]:
        """Every name a request may give: the served name, the tactic source's, the model's."""
        found = [self.name, self.tactics.name if self.tactics else "", self.completions.model_name if self.completions else ""]
        return list(dict.fromkeys(n for n in found if n))

    def close(self) -> None:
        """Stop the searches, the tactic source and the model, in that order."""
        for service in (self.prover, self.tactics, self.completions):
            if service is not None:
                service.close()


def build_app(services: Services | CompletionsService, limits: HTTPLimits = HTTPLimits()) -> Starlette:
    """The application serving ``services`` (a bare :class:`CompletionsService`: its model's completions alone)."""
    if isinstance(services, CompletionsService):
        services = Services(completions=services, name=services.model_name)
    api = _Api(services, limits)
    routes = [
        Route("/v1/models", api.endpoint(api.models), methods=["GET"]),
        Route("/v1/completions", api.endpoint(api.completions), methods=["POST"]),
        Route("/generate", api.endpoint(api.generate), methods=["POST"]),
        Route("/encode", api.endpoint(api.encode), methods=["POST"]),
        Route("/prove", api.endpoint(api.prove), methods=["POST"]),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: _http_error, Exception: _server_error})


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    kind = "not_found_error" if error.status_code == 404 else "invalid_request_error"
    message = {404: f"no route {request.url.path}", 405: f"{request.url.path} does not take {request.method}"}.get(
        error.status_code, str(error.detail))
    return JSONResponse(error_body(message, kind), status_code=error.status_code, headers=error.headers)


async def _server_error(request: Request, error: Exception) -> Response:
    return JSONResponse(error_body(f"{type(error).__name__}: {error}", "server_error"), status_code=500)


class _Api:
    """The route handlers over ``services``, each returning the JSON body of its answer."""

    def __init__(self, services: Services, limits: HTTPLimits):
        self.services = services
        self.limits = limits
        self.embedder = services.embedder or HashedFeatureEmbedder()

    def endpoint(self, handler: Callable[[Request], Awaitable[dict[str, Any]]]) -> Callable[[Request], Awaitable[Response]]:
        """``handler`` as a Starlette endpoint: its body as JSON, every failure as a JSON error, within the timeout."""

        async def answer(request: Request) -> Response:
            try:
                body = await asyncio.wait_for(handler(request), self.limits.request_timeout)
            except ApiError as error:
                return JSONResponse(error_body(str(error), error.kind), status_code=error.status)
            except asyncio.TimeoutError:
                message = f"the request took over {self.limits.request_timeout:g} s (--request-timeout)"
                return JSONResponse(error_body(message, "timeout_error"), status_code=504)
            except Exception as error:  # the client sees a 500 and may retry; the server answers on
                _log.exception("%s %s failed", request.method, request.url.path)
                return JSONResponse(error_body(f"{type(error).__name__}: {error}", "server_error"), status_code=500)
            return JSONResponse(body)

        return answer

    async def read(self, request: Request, model: type[M]) -> M:
        """The body of ``request`` as a ``model``, within the size limits, or an :class:`ApiError`."""
        limit = self.limits.max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise ApiError(413, f"the body is {int(declared):,} bytes, over the limit of {limit:,} (--max-body-bytes)",
                           "request_too_large")
        data = bytearray()
        async for chunk in request.stream():  # a body without a length is counted as it arrives
            data += chunk
            if len(data) > limit:
                raise ApiError(413, f"the body is over the limit of {limit:,} bytes (--max-body-bytes)", "request_too_large")
        try:
            parsed = json.loads(data)
        except ValueError as error:
            raise ApiError(400, f"the body is not JSON: {error}") from None
        try:
            value = model.model_validate(parsed)
        except ValidationError as error:
            raise ApiError(400, validation_message(error)) from None
        self._check_lengths(value)
        return value

    def _check_lengths(self, value: BaseModel) -> None:
        limit = self.limits.max_input_chars
        for field, text in value.model_dump().items():
            texts = text if isinstance(text, list) else [text]
            longest = max((len(t) for t in texts if isinstance(t, str)), default=0)
            if longest > limit:
                raise ApiError(413, f"{field}: {longest:,} characters, over the limit of {limit:,} (--max-input-chars)",
                               "request_too_large")

    def _check_name(self, name: str) -> None:
        if name not in self.services.names:
            served = ", ".join(self.services.names) or "nothing"
            raise ApiError(404, f"{name!r} is not served here; this server serves: {served}", "not_found_error")

    async def models(self, request: Request) -> dict[str, Any]:
        """``GET /v1/models``: the served model, or none."""
        completions = self.services.completions
        data = [{"id": completions.model_name, "object": "model"}] if completions is not None else []
        return {"object": "list", "data": data}

    async def completions(self, request: Request) -> dict[str, Any]:
        """``POST /v1/completions``: samples of the served model."""
        if self.services.completions is None:
            raise ApiError(404, "no model is served here: /v1/completions needs prove serve --model", "not_found_error")
        body = await self.read(request, CompletionRequest)
        try:
            return await self.services.completions.complete(body)
        except (TypeError, ValueError) as error:  # the engine refused the request (e.g. a prompt it cannot fit)
            raise ApiError(400, str(error)) from None

    async def generate(self, request: Request) -> dict[str, Any]:
        """``POST /generate``: the served tactic source's tactics for a goal, best first."""
        body = await self.read(request, GenerateRequest)
        self._check_name(body.name)
        tactics = self.services.tactics
        if tactics is None:
            raise ApiError(404, "no tactic source is served here", "not_found_error")
        try:
            suggestions = await tactics.generate(self.services.backend, body.input, self.services.samples, body.prefix or "")
        except (ValueError, ImportError) as error:
            raise ApiError(503, f"the tactic source cannot serve {self.services.backend}: {error}",
                           "backend_unavailable") from None
        outputs = [Generation(output=s.tactic, score=s.logprob) for s in suggestions]
        return GenerateResponse(outputs=outputs).model_dump()

    async def encode(self, request: Request) -> dict[str, Any]:
        """``POST /encode``: an embedding of the input (see :mod:`prover.serve.embedding`)."""
        body = await self.read(request, EncodeRequest)
        self._check_name(body.name)
        vector = await asyncio.to_thread(self.embedder.embed, body.input)
        return EncodeResponse(outputs=vector).model_dump()

    async def prove(self, request: Request) -> dict[str, Any]:
        """``POST /prove``: search and re-check; ``proved`` with the proof, or why not."""
        body = await self.read(request, ProveRequest)
        prover = self.services.prover
        if prover is None:
            raise ApiError(404, "this server does not prove: /prove needs prove serve's tactic source", "not_found_error")
        backend, problem = prover.problem(body.statement, body.header, body.backend)
        config = prover.config(body.budget, body.time_limit, self.limits.request_timeout)
        return (await prover.prove(backend, problem, config)).body()
