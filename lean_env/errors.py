"""Typed errors of the Lean backend, all under :class:`prover.env.ProverError`.

The REPL answers some requests with ``{"message": ...}`` instead of a result;
:func:`error_for_message` turns each such answer into the matching exception.
A process that dies, hangs or prints something unreadable becomes a
:class:`ReplCrashError` or :class:`ReplTimeoutError`.
"""

from __future__ import annotations

from prover.env import ProverCrashError, ProverError, UnknownStateError


class ReplCrashError(ProverCrashError):
    """The REPL process died, or wrote something that is not a REPL reply."""


class ReplTimeoutError(ProverError):
    """The REPL did not answer in time; its process group was killed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the Lean REPL did not answer within {seconds:g} s")
        self.seconds = seconds


class ReplMessageError(ProverError):
    """The REPL answered ``{"message": ...}``: it refused the request as a whole."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownEnvironmentError(ReplMessageError):
    """The request named an ``env`` number this REPL process never handed out."""


class UnknownProofStateError(ReplMessageError, UnknownStateError):
    """The request named a ``proofState`` number this REPL process never handed out."""


class LeanError(ReplMessageError):
    """Lean itself threw while running the request (``"Lean error:\\n..."``).

    For a tactic request this is how the REPL reports a tactic that failed
    outright (an unknown tactic, ``exact?`` finding nothing, ``apply`` failing).
    """

    @property
    def detail(self) -> str:
        """The message without the ``Lean error:`` prefix."""
        return self.message.removeprefix("Lean error:").strip()


def error_for_message(message: str) -> ReplMessageError:
    """The typed exception for a REPL ``{"message": message}`` reply."""
    if message.startswith("Unknown environment"):
        return UnknownEnvironmentError(message)
    if message.startswith("Unknown proof state"):
        return UnknownProofStateError(message)
    if message.startswith("Lean error:"):
        return LeanError(message)
    return ReplMessageError(message)
