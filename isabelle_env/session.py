"""One Isabelle session on one server: start it, check theory files in it, purge them, stop it.

A theory is checked by writing ``NAME.thy`` into the master folder and sending
``use_theories``; the theory is purged from the session (``purge_theories``) and its file
removed right after, so a long search does not fill the server's memory with old versions.
The master folder must be one the server can read: a temporary folder here when the server
runs on this machine, ``master_dir`` when it is attached elsewhere with a shared folder.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from isabelle_env.client import ServerClient
from isabelle_env.errors import IsabelleCommandError, IsabelleConnectionError, IsabelleTimeoutError
from isabelle_env.results import TheoryResult
from isabelle_env.server import ServerPlan, ServerProcess
from isabelle_env.theory import TheoryFile

#: Seconds for the short commands (purge, stop, shutdown).
SHORT_TIMEOUT = 30.0


@dataclass(frozen=True)
class SessionConfig:
    """Which session to start and how long things may take.

    ``session`` is the logic image: the default, ``HOL-Number_Theory``, holds Complex_Main,
    HOL-Library, HOL-Computational_Algebra and HOL-Number_Theory, which the miniF2F imports
    name (its first start builds the image, which takes a while). ``dirs`` adds session
    folders (the AFP, for the few problems that import ``Symmetric_Polynomials``).
    """

    session: str = "HOL-Number_Theory"
    dirs: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    start_timeout: float = 3600.0
    server_timeout: float = 120.0
    master_dir: str | None = None


class TheorySession:
    """A started session, ready to check theories (see the module docstring)."""

    def __init__(self, plan: ServerPlan, config: SessionConfig) -> None:
        self.config = config
        self._server: ServerProcess | None = None
        if plan.address is None:
            assert plan.isabelle is not None
            self._server = ServerProcess(plan.isabelle, config.server_timeout)
        self.client = ServerClient(plan.address or self._server.address)
        self._own_dir = config.master_dir is None
        self.master_dir = Path(config.master_dir or tempfile.mkdtemp(prefix="llemma-isabelle-"))
        self.session_id = ""
        try:
            reply = self.client.request("session_start", {
                "session": config.session, "dirs": list(config.dirs), "options": list(config.options),
                "include_sessions": [], "print_mode": []}, timeout=config.start_timeout, asynchronous=True)
            self.session_id = str(reply.body["session_id"])
        except BaseException:
            self.stop()
            raise

    def check(self, theory: TheoryFile, timeout: float) -> TheoryResult:
        """Check ``theory`` with ``use_theories`` within ``timeout`` seconds, then purge it.

        Raises :class:`~isabelle_env.errors.IsabelleTimeoutError` when it takes longer.
        """
        path = self.master_dir / f"{theory.name}.thy"
        path.write_text(theory.text, encoding="utf-8")
        try:
            reply = self.client.request("use_theories", {
                "session_id": self.session_id, "theories": [theory.name], "master_dir": str(self.master_dir),
                "unicode_symbols": False}, timeout=timeout, asynchronous=True)
            return TheoryResult.from_json(reply.body)
        finally:
            self._purge(theory.name)
            path.unlink(missing_ok=True)

    def _purge(self, name: str) -> None:
        try:
            self.client.request("purge_theories", {"session_id": self.session_id, "theories": [name],
                                                   "master_dir": str(self.master_dir)}, timeout=SHORT_TIMEOUT)
        except (IsabelleCommandError, IsabelleTimeoutError):
            pass  # a theory still being cancelled is retained; the next purge or session_stop frees it

    def interrupt(self) -> None:
        """Make the check in progress raise at once and cancel its task (from any thread)."""
        self.client.abort()

    def stop(self) -> None:
        """Stop the session, and the server if this session started it; remove its temporary folder."""
        try:
            if self.session_id:
                self.client.request("session_stop", {"session_id": self.session_id}, timeout=SHORT_TIMEOUT,
                                    asynchronous=True)
            if self._server is not None:
                self.client.request("shutdown", timeout=SHORT_TIMEOUT)
        except (IsabelleCommandError, IsabelleTimeoutError, IsabelleConnectionError):
            pass
        finally:
            self.session_id = ""
            if self._server is not None:
                self._server.stop()
                self._server = None
            if self._own_dir:
                shutil.rmtree(self.master_dir, ignore_errors=True)
