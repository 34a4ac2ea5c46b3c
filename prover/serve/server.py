"""uvicorn, the standard ASGI server, run on a socket bound before it starts.

Binding first means the port is known (``--port 0`` picks a free one) before uvicorn
starts, and connections that arrive meanwhile wait in the socket's backlog. The
:class:`Server` is driven like :mod:`http.server`'s servers: :meth:`~Server.serve_forever`
(in the main thread it stops on Ctrl-C, as uvicorn does, and the interrupt then reaches
the caller as ``KeyboardInterrupt``), :meth:`~Server.shutdown` from another thread, and
:meth:`~Server.server_close`.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

import uvicorn

from prover.serve.app import Services, build_app
from prover.serve.completions import CompletionsService
from prover.serve.config import HTTPLimits

#: Seconds requests still in flight get to finish once the server is told to stop.
GRACEFUL_SHUTDOWN_S = 5


class Server:
    """An ASGI ``app`` served by uvicorn on ``host:port`` (port 0: a free one)."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 8000, log_level: str = "warning"):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.create_server((host, port), family=family, backlog=128)
        self.server_address = self.socket.getsockname()[:2]
        config = uvicorn.Config(app, log_level=log_level, access_log=log_level in ("debug", "info"), lifespan="off",
                                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S)
        self._uvicorn = uvicorn.Server(config)
        self._started = threading.Event()
        self._stopped = threading.Event()

    @property
    def server_port(self) -> int:
        """The port listened on."""
        return int(self.server_address[1])

    def serve_forever(self) -> None:
        """Serve until :meth:`shutdown` or, in the main thread, SIGINT/SIGTERM (then ``KeyboardInterrupt`` for SIGINT)."""
        self._started.set()
        try:
            self._uvicorn.run(sockets=[self.socket])
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever` (from another thread) and wait until it has returned."""
        self._uvicorn.should_exit = True
        if self._started.is_set():
            self._stopped.wait()

    def server_close(self) -> None:
        """Close the listening socket."""
        self.socket.close()


def make_server(services: Services | CompletionsService, host: str = "127.0.0.1", port: int = 8000,
                limits: HTTPLimits = HTTPLimits(), log_level: str = "warning") -> Server:
    """A server (bound, not yet serving) for ``services`` (a :class:`CompletionsService`: its completions alone)."""
    return Server(build_app(services, limits), host, port, log_level)
