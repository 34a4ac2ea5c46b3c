"""``prove serve``: a tactic source, a model and proof search over HTTP (see :mod:`prover.serve`).

    prove serve                                   # the portfolio: /generate, /encode, /prove; no GPU, no weights
    prove serve --generator goals+portfolio       # any no-model tactic source, mixtures included
    prove serve --model PATH [--port 8000]        # a model: /v1/completions and /v1/models as well

Routes: ``/v1/completions`` and ``/v1/models`` (OpenAI's completions API, what ``vllm serve``
speaks, so the ``openai`` engine can use either), ``/generate`` and ``/encode`` (Lean
Copilot's external generator and encoder), ``/prove`` (search and re-check one statement).
Listens on 127.0.0.1 unless told otherwise; ``--port 0`` picks a free port. The first line
on stdout says where: ``serving NAME on http://HOST:PORT/v1`` with a model (the OpenAI API
base), ``serving NAME on http://HOST:PORT`` without. Ctrl-C stops it (exit status 0); 2
when the options, the model or the tactic source are wrong, or the serve extra is missing.

The web modules are imported when the server starts, so the options (and ``--help``) need
no more than the prover. ``python -m prover.entrypoints.serve`` is the same command.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from prover.engines.options import add_options, options_from_args
from prover.engines.registry import create_engine, spec
from prover.entrypoints.options import (add_generator_arguments, add_search_arguments, env_options_from_args,
                                       generator_config_from_args, search_config_from_args)
from prover.env import ProverNotInstalledError
from prover.registry import BACKENDS, DEFAULT_BACKEND
from prover.serve.config import HTTPLimits, ProveLimits

if TYPE_CHECKING:
    from prover.serve.app import Services

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def build_parser() -> argparse.ArgumentParser:
    """Options of ``prove serve``: where to listen, the limits, /prove's search, the tactic source and model."""
    parser = argparse.ArgumentParser(
        prog="prove serve",
        description="Serve a tactic source over HTTP: Lean Copilot's external generator API (/generate, /encode), "
        "proof search with the backend's re-check (/prove) and, with --model, the OpenAI completions API "
        "(/v1/completions, /v1/models). Without --model the no-model sources serve: no GPU, no weights.",
    )
    server = parser.add_argument_group("server")
    server.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s, this machine only)")
    server.add_argument("--port", type=int, default=8000, help="port to listen on; 0 picks a free one (default: %(default)s)")
    server.add_argument("--served-name", default=None, help="the name clients give as `name` to /generate and /encode, and that /v1/models lists (default: the model, else the --generator spec)")
    server.add_argument("--backend", default=DEFAULT_BACKEND, choices=sorted(BACKENDS), help="proof assistant whose tactics /generate proposes (its portfolio, goal templates, prompt), and /prove's when a request names none (default: %(default)s)")
    server.add_argument("--embedding-dim", type=int, default=256, help="length of /encode's vectors when no model on the hf engine is served (hashed goal features; with one, the model's hidden size) (default: %(default)s)")
    server.add_argument("--log-level", default="warning", choices=LOG_LEVELS, help="uvicorn's log level; info and debug log every request (default: %(default)s)")
    add_options(parser.add_argument_group("limits"), HTTPLimits)
    add_options(parser.add_argument_group("limits of /prove"), ProveLimits)
    add_search_arguments(parser)
    add_generator_arguments(parser)
    return parser


def build_services(args: argparse.Namespace) -> Services:
    """What ``args`` asks to serve: the model (loaded here) and the tactic source, embedder and prover over it."""
    from prover.serve.app import Services
    from prover.serve.completions import CompletionsService
    from prover.serve.embedding import HashedFeatureEmbedder, HiddenStateEmbedder
    from prover.serve.proving import ProveService
    from prover.serve.tactics import TacticSource

    generator_config = generator_config_from_args(args)
    model_config = generator_config.model
    completions = None
    if model_config is not None:
        if spec(model_config.engine).create is None:
            raise ValueError(f"prove serve runs the model in this process: --engine hf or vllm, not {model_config.engine}")
        engine = create_engine(model_config.engine, model_config.model, model_config.engine_options)
        completions = CompletionsService(engine, args.served_name or model_config.model, model_config.batching)
    tactics = TacticSource(generator_config, completions.scheduler if completions else None)
    try:
        tactics.generator(args.backend)  # a wrong --generator, --steps or prompt is an error now, not per request
    except BaseException:
        if completions is not None:
            completions.close()
        raise
    embedder = (HiddenStateEmbedder(completions.engine) if completions is not None and completions.engine.name == "hf"
                else HashedFeatureEmbedder(args.embedding_dim))
    prover = ProveService(tactics.generator, args.backend, search_config_from_args(args),
                          options_from_args(ProveLimits, args), env_options_from_args(args))
    return Services(completions, tactics, embedder, prover, backend=args.backend, samples=args.samples,
                    name=args.served_name or tactics.name)


def main(argv: list[str] | None = None) -> int:
    """Command line: serve until interrupted (see the module docstring)."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        from prover.serve.server import make_server
    except ImportError as error:
        print(f"prove serve: error: the server needs the serve extra (pip install -e '.[serve]'): {error}", file=sys.stderr)
        return 2
    try:
        services = build_services(args)
    except (ValueError, ImportError, OSError, ProverNotInstalledError) as error:
        print(f"prove serve: error: {error}", file=sys.stderr)
        return 2
    try:
        server = make_server(services, args.host, args.port, options_from_args(HTTPLimits, args), args.log_level)
    except OSError as error:
        services.close()
        print(f"prove serve: error: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 2
    host = f"[{args.host}]" if ":" in args.host else args.host  # an IPv6 address is bracketed in a URL
    url = f"http://{host}:{server.server_port}" + ("/v1" if services.completions is not None else "")
    print(f"serving {services.name} on {url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        services.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
