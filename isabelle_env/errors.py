"""Typed errors of the Isabelle backend, all under :class:`prover.env.ProverError`.

The server answers a command it refuses with ``ERROR``, and an asynchronous task that
could not run with ``FAILED``; a connection that breaks or a reply that does not come in
time are errors of their own. Theory errors (a proof step Isabelle rejects) are not
exceptions: they come back inside a ``FINISHED`` reply and the backend maps them.
"""

from __future__ import annotations

from prover.env import ProverCrashError, ProverError


class IsabelleConnectionError(ProverCrashError):
    """The server cannot be reached, refused the password, or broke off or garbled a reply."""


class IsabelleTimeoutError(ProverError):
    """The server did not finish a command in time; its task was cancelled."""

    def __init__(self, command: str, seconds: float) -> None:
        super().__init__(f"the Isabelle server did not finish `{command}` within {seconds:g} s")
        self.command = command
        self.seconds = seconds


class IsabelleCommandError(ProverError):
    """The server answered ``ERROR`` (bad command or arguments) or ``FAILED`` (the task failed)."""

    def __init__(self, command: str, message: str) -> None:
        super().__init__(f"Isabelle `{command}`: {message}")
        self.command = command
        self.message = message
