"""Serve a local engine through the OpenAI-compatible ``/v1/completions`` API.

The same API ``vllm serve`` speaks, so the ``openai`` engine can be pointed at
either. Requests from concurrent HTTP clients share engine batches through one
:class:`BatchScheduler`; each request carries its own sampling parameters, and
requests with equal parameters are batched together.

Run ``prove serve --model PATH [--port 8000]`` (or ``python -m prover.entrypoints.serve``).
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prover.engines.base import Sample, cut_at_stop
from prover.engines.base import Engine, SamplingParams
from prover.engines.hf.config import HFEngineConfig
from prover.engines.options import add_options, options_from_args
from prover.engines.scheduler import BatchScheduler, SchedulerConfig


class CompletionsService:
    """Turns completions requests into engine samples, batching across requests."""

    def __init__(self, engine: Engine, model_name: str, config: SchedulerConfig = SchedulerConfig()):
        self.engine = engine
        self.model_name = model_name
        self.scheduler = BatchScheduler(engine, config=config)

    def complete(self, body: dict[str, Any]) -> dict[str, Any]:
        """A completions response for the JSON request ``body``."""
        stop = body.get("stop") or ()
        params = SamplingParams(
            temperature=float(body.get("temperature", 1.0)),
            top_p=float(body.get("top_p", 1.0)),
            max_new_tokens=int(body.get("max_tokens", 16)),
            stop=(stop,) if isinstance(stop, str) else tuple(stop),
        )
        prompts = body.get("prompt", "")
        prompts = [prompts] if isinstance(prompts, str) else list(prompts)
        n = int(body.get("n", 1))
        if n < 1 or not prompts:
            raise ValueError("need at least one prompt and n >= 1")
        futures = [self.scheduler.submit(prompt, n, params) for prompt in prompts]
        choices = []
        for future in futures:
            for sample in future.result():
                choices.append(_choice(len(choices), sample, params, body.get("logprobs") is not None))
        completion_tokens = sum(len(c["_tokens"]) for c in choices)
        for choice in choices:
            del choice["_tokens"]
        return {
            "id": f"cmpl-{uuid.uuid4().hex}",
            "object": "text_completion",
            "created": int(time.time()),
            "model": self.model_name,
            "choices": choices,
            "usage": {"completion_tokens": completion_tokens},
        }

    def close(self) -> None:
        """Stop the scheduler and the engine."""
        self.scheduler.close()


def _choice(index: int, sample: Sample, params: SamplingParams, with_logprobs: bool) -> dict[str, Any]:
    text = cut_at_stop(sample.text, params.stop)
    choice: dict[str, Any] = {
        "index": index,
        "text": text,
        "logprobs": None,
        "finish_reason": "stop" if sample.finished else "length",
        "_tokens": sample.tokens,
    }
    if with_logprobs:
        offsets, position = [], 0
        for token in sample.tokens:
            offsets.append(position)
            position += len(token)
        choice["logprobs"] = {
            "tokens": list(sample.tokens),
            "token_logprobs": list(sample.token_logprobs),
            "top_logprobs": None,
            "text_offset": offsets,
        }
    return choice


def make_server(service: CompletionsService, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """An HTTP server (not yet serving) for ``service``; port 0 picks a free port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path.rstrip("/") == "/v1/models":
                self._send(200, {"object": "list", "data": [{"id": service.model_name, "object": "model"}]})
            else:
                self._send(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:  # noqa: N802
            if self.path.rstrip("/") != "/v1/completions":
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            except (ValueError, json.JSONDecodeError) as error:
                self._send(400, {"error": {"message": f"bad JSON: {error}"}})
                return
            try:
                self._send(200, service.complete(body))
            except (TypeError, ValueError) as error:
                self._send(400, {"error": {"message": str(error)}})
            except Exception as error:  # the client sees a 500 and may retry
                self._send(500, {"error": {"message": f"{type(error).__name__}: {error}"}})

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # quiet by default
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def build_parser() -> argparse.ArgumentParser:
    """Options of ``prove serve``: where to listen, and the ``hf`` engine's and the batching's options."""
    parser = argparse.ArgumentParser(
        prog="prove serve", description="Serve a causal LM through the OpenAI-compatible /v1/completions API (the hf engine)."
    )
    add = parser.add_argument
    add("--model", required=True, help="HF hub id or local HF-format folder, e.g. EleutherAI/llemma_7b")
    add("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    add("--port", type=int, default=8000, help="port to listen on; 0 picks a free one (default: %(default)s)")
    add_options(parser.add_argument_group("engine (hf)"), HFEngineConfig)
    add_options(parser.add_argument_group("batching"), SchedulerConfig)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Command line: serve a model (hub id or local folder) with the ``hf`` engine until interrupted."""
    from prover.engines.hf.engine import HFEngine

    args = build_parser().parse_args(argv)
    engine = HFEngine.load(args.model, options_from_args(HFEngineConfig, args))
    service = CompletionsService(engine, args.model, options_from_args(SchedulerConfig, args))
    server = make_server(service, args.host, args.port)
    print(f"serving {args.model} on http://{args.host}:{server.server_port}/v1", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        service.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
