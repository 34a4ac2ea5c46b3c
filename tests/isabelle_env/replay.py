"""A loopback TCP server that answers each command with a recorded Isabelle server reply.

The replies are the vendored recordings in ``fixtures/isabelle-server/``, sent byte for byte.
The server follows a script: the commands it expects, in order, and the recording (whole,
cut off after some bytes, or held open after its first line) that answers each. It keeps
every request it got, and for ``use_theories`` the text of the theory file it names, so tests
can check what the client sent.
"""

from __future__ import annotations

import json
import socketserver
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "isabelle-server"
PASSWORD = "loopback-password"
#: The answer to the password line (not in the recordings), as isabelle-client's own test server gives it.
HELLO = b'OK {"isabelle_id":"loopback","isabelle_name":"Isabelle2025-2"}\n'


def recording(name: str) -> bytes:
    """The recorded reply ``name``, byte for byte."""
    return (FIXTURES / name).read_bytes()


@dataclass(frozen=True)
class Answer:
    """The reply to one expected command: a recording, maybe ``cut`` after some bytes or ``held`` open."""

    command: str
    fixture: str
    cut: int | None = None  #: send only this many bytes, then close the connection
    held: bool = False  #: send the first line (the task's OK), then keep the connection open, silent


@dataclass(frozen=True)
class Request:
    """One command the server got: its name, JSON arguments, the password line, and any theory text."""

    command: str
    arguments: Any
    password: str
    theory: str = ""


@dataclass
class Replay:
    """The script, what was asked, and what went wrong (commands the script did not expect)."""

    script: list[Answer]
    requests: list[Request] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_answer(self, command: str) -> Answer | None:
        """The scripted answer to ``command`` if it is the one expected next; else None, noted as unexpected."""
        with self.lock:
            if self.script and self.script[0].command == command:
                return self.script.pop(0)
            self.unexpected.append(command)
            return None


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        replay: Replay = self.server.replay  # type: ignore[attr-defined]
        password = self.rfile.readline().decode("utf-8").rstrip("\n")
        self.wfile.write(HELLO)
        line = self.rfile.readline().decode("utf-8").rstrip("\n")
        command, _, text = line.partition(" ")
        arguments = json.loads(text) if text else None
        theory = ""
        if command == "use_theories" and arguments:
            path = Path(arguments.get("master_dir", ".")) / f"{arguments['theories'][0]}.thy"
            theory = path.read_text("utf-8") if path.is_file() else ""
        replay.requests.append(Request(command, arguments, password, theory))
        answer = replay.next_answer(command)
        if answer is None:
            return
        data = recording(answer.fixture)
        if answer.held:
            self.wfile.write(data[:data.index(b"\n") + 1])
            self.wfile.flush()
            replay.release.wait(30)
        else:
            self.wfile.write(data if answer.cut is None else data[:answer.cut])


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class ReplayServer:
    """The server on 127.0.0.1 on a free port, in a thread; use as a context manager."""

    def __init__(self, script: list[Answer]) -> None:
        self.replay = Replay(list(script))
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.replay = self.replay  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def info_line(self) -> str:
        """The line ``isabelle server`` would print for this server."""
        return f'server "loopback" = 127.0.0.1:{self.port} (password "{PASSWORD}")'

    def __enter__(self) -> "ReplayServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.replay.release.set()
        self._server.shutdown()
        self._server.server_close()
