"""One Isabelle server, spoken to through the ``isabelle-client`` package, with timeouts.

The protocol (Isabelle system manual, chapter "The Isabelle server"): every connection
starts with the server's password line, then commands ``name JSON`` one a line. Replies are
``OK``/``ERROR``/``NOTE``/``FINISHED``/``FAILED`` followed by JSON, one a line, or a line
holding a byte count followed by that many bytes. An asynchronous command (``session_start``,
``use_theories``, ``session_stop``) answers ``OK {"task": id}`` at once, then ``NOTE``s, then
one ``FINISHED`` or ``FAILED``.

``isabelle-client`` does the connection and the framing (``IsabelleClient`` holds the address
and password, ``get_response_from_isabelle`` reads one framed message). Its
``IsabelleClient.execute_command`` serves as it is only for ``cancel``: for the other commands
it lacks a timeout, hands back the task id only once the task is over (too late to ``cancel``
a task that hangs), and lets a connection closed mid-reply surface as a ``ValueError`` or
``IncompleteReadError`` from inside its reader, so :meth:`ServerClient.request` takes the same
steps with all three (and an abort flag for :meth:`ServerClient.abort` from another thread).
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from isabelle_env.errors import IsabelleCommandError, IsabelleConnectionError, IsabelleTimeoutError
from prover.env import ProverNotInstalledError

#: The one-line message for a missing ``isabelle-client``.
CLIENT_HINT = "the isabelle-client package is not installed: pip install 'llemma-prover[isabelle]'"

#: Seconds a ``cancel`` after a timeout may take; it is best effort.
CANCEL_TIMEOUT = 5.0
#: How often (seconds) a command in progress looks whether it was aborted.
ABORT_POLL = 0.1


def require_isabelle_client() -> ModuleType:
    """The ``isabelle_client`` module, or :class:`ProverNotInstalledError` with how to install it."""
    try:
        import isabelle_client
    except ImportError:
        raise ProverNotInstalledError(CLIENT_HINT) from None
    return isabelle_client


@dataclass(frozen=True)
class ServerAddress:
    """Where a running server listens, and its password."""

    host: str
    port: int
    password: str


def parse_server_info(line: str) -> ServerAddress:
    """The address in ``isabelle server``'s line ``server "NAME" = HOST:PORT (password "PW")``.

    Raises ``ValueError`` for any other text.
    """
    client = require_isabelle_client().get_isabelle_client(line.strip())
    return ServerAddress(client.address, client.port, client.password)


@dataclass(frozen=True)
class Reply:
    """The final message of one command, and the notes that came before it.

    ``kind`` is ``OK`` or ``FINISHED``; ``ERROR`` and ``FAILED`` become
    :class:`~isabelle_env.errors.IsabelleCommandError` instead.
    """

    kind: str
    body: Any
    notes: tuple[Any, ...] = ()
    task: str | None = None


@dataclass
class _Exchange:
    """What one command has received so far (kept outside the coroutine, for errors and cancel)."""

    messages: int = 0
    task: str | None = None
    notes: list[Any] = field(default_factory=list)
    aborted: threading.Event = field(default_factory=threading.Event)


class ServerClient:
    """Commands to one Isabelle server, each on its own connection, each under a timeout."""

    def __init__(self, address: ServerAddress) -> None:
        module = require_isabelle_client()
        self.address = address
        self._client = module.IsabelleClient(address.host, address.port, address.password)
        self._running: _Exchange | None = None

    def request(self, name: str, arguments: dict[str, Any] | None = None, *, timeout: float,
                asynchronous: bool = False) -> Reply:
        """Send ``name arguments`` and return its final reply within ``timeout`` seconds.

        ``asynchronous`` commands wait for ``FINISHED``; the others for ``OK``. Raises
        :class:`IsabelleCommandError` on ``ERROR``/``FAILED``, :class:`IsabelleTimeoutError`
        (after cancelling the task) when the reply is late, :class:`IsabelleConnectionError`
        when the connection fails or breaks off.
        """
        command = name if arguments is None else f"{name} {json.dumps(arguments)}"
        exchange = self._running = _Exchange()
        try:
            kind, body = asyncio.run(asyncio.wait_for(self._abortable(command, asynchronous, exchange), timeout))
        except asyncio.TimeoutError:
            if exchange.task is not None:
                self.cancel(exchange.task)
            raise IsabelleTimeoutError(name, timeout) from None
        finally:
            self._running = None
        if kind in ("ERROR", "FAILED"):
            message = body.get("message", body) if isinstance(body, dict) else body
            raise IsabelleCommandError(name, str(message))
        return Reply(kind, body, tuple(exchange.notes), exchange.task)

    def cancel(self, task: str) -> None:
        """Ask the server to cancel ``task``; errors are ignored (the task may be over).

        Best effort and synchronous, so ``IsabelleClient.execute_command`` serves as it is, under a timeout.
        """
        try:
            asyncio.run(asyncio.wait_for(
                self._client.execute_command(f"cancel {json.dumps({'task': task})}", asynchronous=False),
                CANCEL_TIMEOUT))
        except (asyncio.TimeoutError, ValueError, EOFError, OSError):
            pass

    def abort(self) -> None:
        """Make the command in progress raise at once, and cancel its task (from any thread)."""
        running = self._running
        if running is not None:
            running.aborted.set()
            if running.task is not None:
                self.cancel(running.task)

    async def _abortable(self, command: str, asynchronous: bool, exchange: _Exchange) -> tuple[str, Any]:
        """:meth:`_exchange`, given up within :data:`ABORT_POLL` seconds of :meth:`abort` (another thread's)."""
        work = asyncio.ensure_future(self._exchange(command, asynchronous, exchange))
        try:
            while not work.done():
                await asyncio.wait({work}, timeout=ABORT_POLL)
                if exchange.aborted.is_set() and not work.done():
                    raise IsabelleConnectionError(f"`{command.split(' ', 1)[0]}` was interrupted")
            return work.result()
        finally:
            work.cancel()

    async def _exchange(self, command: str, asynchronous: bool, exchange: _Exchange) -> tuple[str, Any]:
        from isabelle_client.socket_communication import get_response_from_isabelle

        client = self._client
        try:
            reader, writer = await asyncio.open_connection(client.address, client.port)
        except OSError as exc:
            raise IsabelleConnectionError(
                f"cannot connect to the Isabelle server at {client.address}:{client.port}: {exc}") from None
        try:
            # The same opening as IsabelleClient.execute_command: the password line, then the command.
            writer.write(f"{client.password}\n{command}\n".encode("utf-8"))
            await writer.drain()
            while True:
                response = await get_response_from_isabelle(reader)
                exchange.messages += 1
                kind, body = response.response_type.value, response.response_body
                if exchange.messages == 1:
                    if kind != "OK":
                        raise IsabelleConnectionError(f"the Isabelle server refused the password: {kind} {body}")
                elif kind == "NOTE":
                    exchange.notes.append(body)
                elif kind == "OK" and asynchronous and isinstance(body, dict) and "task" in body:
                    exchange.task = body["task"]
                else:
                    return kind, body
        except (ValueError, EOFError, OSError) as exc:
            # A closed connection shows as an empty line (ValueError) or a short read (EOFError).
            ended = "closed the connection" if reader.at_eof() else "sent something unreadable"
            name = command.split(" ", 1)[0]
            raise IsabelleConnectionError(
                f"the Isabelle server {ended} in the middle of its reply to `{name}` "
                f"(after {max(exchange.messages - 1, 0)} messages): {type(exc).__name__}: {exc}"[:500]) from None
        finally:
            writer.close()
