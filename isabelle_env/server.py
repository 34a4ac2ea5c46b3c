"""Finding Isabelle, and attaching to or starting its server.

A server is attached to when its address is given (``ServerAddress``, or the line that
``isabelle server`` prints, in ``$LLEMMA_PROVER_ISABELLE_SERVER``). Otherwise the
``isabelle`` executable (on PATH, under ``$ISABELLE_HOME/bin``, or where ``prove setup
isabelle`` unpacked it) starts one; without it, :func:`locate` raises
:class:`~prover.env.ProverNotInstalledError` with a one-line message that says what to do.
"""

from __future__ import annotations

import os
import selectors
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from isabelle_env.client import ServerAddress, parse_server_info, require_isabelle_client
from isabelle_env.errors import IsabelleConnectionError
from prover.env import ProverNotInstalledError

#: The release ``prove setup isabelle`` installs.
RELEASE = "Isabelle2025"
#: Where ``prove setup isabelle`` unpacks releases.
DEFAULT_INSTALL_DIR = Path("~/.cache/llemma-prover/isabelle")
#: Moves the install folder (``prove`` takes no backend options on its command line).
INSTALL_VARIABLE = "LLEMMA_PROVER_ISABELLE_DIR"
#: A running server to attach to: the line ``isabelle server`` printed.
SERVER_VARIABLE = "LLEMMA_PROVER_ISABELLE_SERVER"

INSTALL_HINT = (f"Isabelle is not installed: run `prove setup isabelle` (downloads {RELEASE} from "
                "isabelle.in.tum.de), or put `isabelle` on PATH, or give a running server in "
                f"${SERVER_VARIABLE} (the line `isabelle server` prints)")


def install_dir(folder: str | os.PathLike | None = None) -> Path:
    """The install folder: ``folder``, else ``$LLEMMA_PROVER_ISABELLE_DIR``, else the default."""
    chosen = folder if folder is not None else os.environ.get(INSTALL_VARIABLE)
    return Path(chosen or DEFAULT_INSTALL_DIR).expanduser()


def find_isabelle(folder: str | os.PathLike | None = None, release: str = RELEASE) -> str | None:
    """The ``isabelle`` executable: on PATH, in ``$ISABELLE_HOME/bin``, or in the install folder."""
    found = shutil.which("isabelle")
    if found:
        return found
    candidates = [install_dir(folder) / release / "bin" / "isabelle"]
    if os.environ.get("ISABELLE_HOME"):
        candidates.insert(0, Path(os.environ["ISABELLE_HOME"]) / "bin" / "isabelle")
    return next((str(path) for path in candidates if os.access(path, os.X_OK)), None)


@dataclass(frozen=True)
class ServerPlan:
    """How to reach a server: attach to ``address``, or start one with ``isabelle``."""

    address: ServerAddress | None = None
    isabelle: str | None = None


def locate(address: ServerAddress | str | None = None, folder: str | os.PathLike | None = None) -> ServerPlan:
    """The :class:`ServerPlan` for the options, or :class:`ProverNotInstalledError` at once.

    ``address`` may be a :class:`ServerAddress` or a server info line; without one,
    ``$LLEMMA_PROVER_ISABELLE_SERVER`` is read. The ``isabelle-client`` package is needed either way.
    """
    require_isabelle_client()
    given = address if address is not None else os.environ.get(SERVER_VARIABLE) or None
    if isinstance(given, str):
        try:
            given = parse_server_info(given)
        except ValueError:
            raise ProverNotInstalledError(
                "not an Isabelle server line (want: server \"NAME\" = HOST:PORT (password \"PW\")): "
                f"{given!r}") from None
    if given is not None:
        return ServerPlan(address=given)
    isabelle = find_isabelle(folder)
    if isabelle is None:
        raise ProverNotInstalledError(INSTALL_HINT)
    return ServerPlan(isabelle=isabelle)


class ServerProcess:
    """An ``isabelle server`` this backend started, stopped again by :meth:`stop`.

    Started with ``subprocess`` rather than ``isabelle_client.start_isabelle_server``, which runs
    its own event loop and hands back an asyncio process whose loop is already closed, and which
    waits for the server's first line without a time limit.
    """

    def __init__(self, isabelle: str, timeout: float, log_file: Path | None = None) -> None:
        self.name = f"llemma-{uuid.uuid4().hex[:12]}"
        argv = [isabelle, "server", "-n", self.name] + (["-L", str(log_file)] if log_file else [])
        try:
            self._proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                          start_new_session=True)
        except OSError as exc:
            raise ProverNotInstalledError(f"cannot run {isabelle!r}: {exc}; {INSTALL_HINT}") from None
        self.address = parse_server_info(self._first_line(timeout))

    def _first_line(self, timeout: float) -> str:
        assert self._proc.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._proc.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                self.stop()
                raise IsabelleConnectionError(f"`isabelle server` printed no address within {timeout:g} s")
        line = self._proc.stdout.readline().decode("utf-8", "replace")
        if not line.startswith("server "):
            self.stop()
            raise IsabelleConnectionError(f"`isabelle server` did not start: {line.strip()!r}")
        return line

    def stop(self) -> None:
        """End the server process (after a ``shutdown`` command, or instead of one)."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
        if self._proc.stdout is not None:
            self._proc.stdout.close()
