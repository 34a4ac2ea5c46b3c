"""The leanprover-community/repl wire protocol: typed requests and replies.

Requests are frozen dataclasses with :meth:`to_json`; :func:`encode_request`
frames one as the REPL reads it (one line of JSON, then a blank line: the REPL
joins a request's lines with no separator, so every line break of a tactic
must travel escaped inside a JSON string). Replies are pretty-printed JSON
objects ended by a blank line; :func:`parse_reply` turns one into a
:class:`CommandResponse` or :class:`ProofStepResponse`, or raises the typed
error of a ``{"message": ...}`` reply (see :mod:`lean_env.errors`).
"""

from __future__ import annotations

import json
from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar, Union

from lean_env.errors import ReplCrashError, error_for_message

# --------------------------------------------------------------------------- requests


class _Request:
    """A request whose fields map one to one onto JSON keys (``WIRE``: field -> key)."""

    WIRE: ClassVar[dict[str, str]] = {}

    def to_json(self) -> dict[str, Any]:
        """The request object as the REPL reads it (options left unset are left out)."""
        values = ((key, getattr(self, name)) for name, key in self.WIRE.items())
        return {key: value for key, value in values if value is not None and value is not False}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "_Request | None":
        """This kind of request for ``data``, or None if ``data`` is another kind."""
        required = {cls.WIRE[f.name] for f in fields(cls) if f.default is MISSING}
        if not required <= data.keys() <= set(cls.WIRE.values()):
            return None
        return cls(**{name: data[key] for name, key in cls.WIRE.items() if key in data})


#: The options every command and file request may carry.
_ELABORATION_OPTIONS = {"env": "env", "all_tactics": "allTactics", "root_goals": "rootGoals",
                        "infotree": "infotree"}


@dataclass(frozen=True)
class Command(_Request):
    """Elaborate ``cmd`` as Lean source, on top of environment ``env`` (or a fresh one)."""

    cmd: str
    env: int | None = None
    all_tactics: bool = False
    root_goals: bool = False
    infotree: str | None = None
    WIRE: ClassVar[dict[str, str]] = {"cmd": "cmd", **_ELABORATION_OPTIONS}


@dataclass(frozen=True)
class FileCommand(_Request):
    """Elaborate the file at ``path`` (relative to the REPL's working directory)."""

    path: str
    env: int | None = None
    all_tactics: bool = False
    root_goals: bool = False
    infotree: str | None = None
    WIRE: ClassVar[dict[str, str]] = {"path": "path", **_ELABORATION_OPTIONS}


@dataclass(frozen=True)
class ProofStep(_Request):
    """Run ``tactic`` on proof state ``proof_state``; the REPL answers with a new state."""

    tactic: str
    proof_state: int
    WIRE: ClassVar[dict[str, str]] = {"tactic": "tactic", "proof_state": "proofState"}


@dataclass(frozen=True)
class PickleEnvironment(_Request):
    """Write environment ``env`` to the ``.olean`` file ``path``."""

    path: str
    env: int
    WIRE: ClassVar[dict[str, str]] = {"path": "pickleTo", "env": "env"}


@dataclass(frozen=True)
class PickleProofState(_Request):
    """Write proof state ``proof_state`` to the ``.olean`` file ``path``."""

    path: str
    proof_state: int
    WIRE: ClassVar[dict[str, str]] = {"path": "pickleTo", "proof_state": "proofState"}


@dataclass(frozen=True)
class UnpickleEnvironment(_Request):
    """Load an environment pickled to ``path``; the reply names its new ``env``."""

    path: str
    WIRE: ClassVar[dict[str, str]] = {"path": "unpickleEnvFrom"}


@dataclass(frozen=True)
class UnpickleProofState(_Request):
    """Load a proof state pickled to ``path`` (optionally over environment ``env``)."""

    path: str
    env: int | None = None
    WIRE: ClassVar[dict[str, str]] = {"path": "unpickleProofStateFrom", "env": "env"}


Request = Union[Command, FileCommand, ProofStep, PickleEnvironment, PickleProofState,
                UnpickleEnvironment, UnpickleProofState]

#: Requests the REPL answers with a command response (``env``); the others get a proof-step one.
COMMAND_REQUESTS = (Command, FileCommand, PickleEnvironment, UnpickleEnvironment)

_REQUEST_KINDS = (Command, FileCommand, ProofStep, PickleEnvironment, PickleProofState,
                  UnpickleEnvironment, UnpickleProofState)


def request_from_json(data: dict[str, Any]) -> Request:
    """The typed request for a REPL request object (the inverse of ``to_json``)."""
    for kind in _REQUEST_KINDS:
        request = kind.from_json(data)
        if request is not None:
            return request
    raise ValueError(f"not a Lean REPL request: {sorted(data)}")


def encode_request(request: Request) -> bytes:
    """``request`` framed for the REPL's stdin: one JSON line, then a blank line."""
    line = json.dumps(request.to_json(), ensure_ascii=False)
    return (line + "\n\n").encode("utf-8")


# --------------------------------------------------------------------------- replies


@dataclass(frozen=True)
class Pos:
    """A source position: 1-based line, 0-based column (line 0 inside tactic replies)."""

    line: int
    column: int


@dataclass(frozen=True)
class Message:
    """A diagnostic Lean logged: ``severity`` is ``"error"``, ``"warning"`` or ``"info"``."""

    severity: str
    data: str
    pos: Pos | None = None
    end_pos: Pos | None = None

    @property
    def is_error(self) -> bool:
        """Whether this message makes the command or tactic fail."""
        return self.severity == "error"


@dataclass(frozen=True)
class Sorry:
    """A ``sorry`` Lean met, with the goal it stands for and a proof state to fill it."""

    goal: str
    proof_state: int | None = None
    pos: Pos | None = None
    end_pos: Pos | None = None


@dataclass(frozen=True)
class TacticInfo:
    """One tactic of a command, as ``allTactics`` reports it."""

    tactic: str
    goals: str
    proof_state: int | None = None
    pos: Pos | None = None
    end_pos: Pos | None = None
    used_constants: tuple[str, ...] = ()


@dataclass(frozen=True)
class CommandResponse:
    """The REPL's answer to a command, file or environment (un)pickling request."""

    env: int
    messages: tuple[Message, ...] = ()
    sorries: tuple[Sorry, ...] = ()
    tactics: tuple[TacticInfo, ...] = ()
    infotree: Any = None

    @property
    def errors(self) -> tuple[Message, ...]:
        """The error-severity messages: any of them means the command failed."""
        return tuple(m for m in self.messages if m.is_error)


@dataclass(frozen=True)
class ProofStepResponse:
    """The REPL's answer to a tactic or proof-state (un)pickling request.

    ``proof_status`` is ``"Completed"`` only when the proof is finished and
    passed the kernel; otherwise it reads ``"Incomplete: ..."`` or ``"Error: ..."``.
    """

    proof_state: int
    goals: tuple[str, ...]
    proof_status: str = ""
    messages: tuple[Message, ...] = ()
    sorries: tuple[Sorry, ...] = ()
    traces: tuple[str, ...] = ()

    @property
    def errors(self) -> tuple[Message, ...]:
        """The error-severity messages: any of them means the tactic failed."""
        return tuple(m for m in self.messages if m.is_error)

    @property
    def completed(self) -> bool:
        """Whether the proof is finished (the only status that counts as proved)."""
        return self.proof_status == "Completed"


Reply = Union[CommandResponse, ProofStepResponse]


def _pos(data: Any) -> Pos | None:
    if data is None:
        return None
    return Pos(int(data["line"]), int(data["column"]))


def _message(data: dict[str, Any]) -> Message:
    return Message(data["severity"], data.get("data", ""), _pos(data.get("pos")),
                   _pos(data.get("endPos")))


def _sorry(data: dict[str, Any]) -> Sorry:
    return Sorry(data["goal"], data.get("proofState"), _pos(data.get("pos")),
                 _pos(data.get("endPos")))


def _tactic(data: dict[str, Any]) -> TacticInfo:
    return TacticInfo(data["tactic"], data.get("goals", ""), data.get("proofState"),
                      _pos(data.get("pos")), _pos(data.get("endPos")),
                      tuple(data.get("usedConstants", ())))


def parse_reply(data: Any, request: Request | None = None) -> Reply:
    """The typed reply for one decoded REPL answer to ``request``.

    Raises the :mod:`lean_env.errors` exception of a ``{"message": ...}``
    reply, and :class:`ReplCrashError` for an answer of the wrong shape.
    """
    if not isinstance(data, dict):
        raise ReplCrashError(f"the Lean REPL answered a non-object: {data!r:.200}")
    try:
        if "message" in data and "env" not in data and "proofState" not in data:
            raise error_for_message(str(data["message"]))
        messages = tuple(_message(m) for m in data.get("messages", ()))
        sorries = tuple(_sorry(s) for s in data.get("sorries", ()))
        if "proofState" in data and "env" not in data:
            reply: Reply = ProofStepResponse(
                int(data["proofState"]), tuple(data.get("goals", ())),
                data.get("proofStatus", ""), messages, sorries, tuple(data.get("traces", ())))
        elif "env" in data:
            reply = CommandResponse(int(data["env"]), messages, sorries,
                                    tuple(_tactic(t) for t in data.get("tactics", ())),
                                    data.get("infotree"))
        else:
            raise ReplCrashError(f"unrecognised Lean REPL reply with keys {sorted(data)}")
    except (KeyError, TypeError, ValueError) as exc:
        raise ReplCrashError(f"malformed Lean REPL reply ({exc!r}): {data!r:.200}") from None
    if request is not None:
        expected = CommandResponse if isinstance(request, COMMAND_REQUESTS) else ProofStepResponse
        if not isinstance(reply, expected):
            raise ReplCrashError(
                f"the Lean REPL answered a {type(request).__name__} with a {type(reply).__name__}")
    return reply


def decode_reply(text: str, request: Request | None = None) -> Reply:
    """Parse the text of one framed reply (JSON up to the blank line)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReplCrashError(f"the Lean REPL wrote something that is not JSON ({exc}): "
                             f"{text.strip()[:300]!r}") from None
    return parse_reply(data, request)
