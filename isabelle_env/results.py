"""Typed results of ``use_theories``: the messages of a checked theory, with positions, and goals.

The ``FINISHED`` reply of ``use_theories`` holds ``ok``, ``errors`` and, per theory node,
``messages`` (``kind``: ``writeln``, ``warning``, ``error``...; ``message``; ``pos`` with the
1-based ``line``, symbol ``offset``/``end_offset`` and ``file``). A message that shows open
goals ("Failed to finish proof ...: goal (2 subgoals): 1. ... 2. ...") is read into
:class:`~prover.env.Goal`s, one a subgoal, the way Isabelle prints them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from prover.env import Goal

#: Isabelle's marker for "the position of this message" in message text; it carries no text.
HERE = "\\<^here>"


@dataclass(frozen=True)
class TheoryMessage:
    """One message of a checked theory, where it points to (``line`` 0 when it has no position)."""

    kind: str
    text: str
    line: int = 0
    offset: int = 0
    end_offset: int = 0
    file: str = ""

    @property
    def is_error(self) -> bool:
        """Whether the message is an error."""
        return self.kind == "error"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TheoryMessage":
        """A message from the server's JSON (``kind``, ``message``, optional ``pos``)."""
        pos = data.get("pos") or {}
        return cls(str(data.get("kind", "")), str(data.get("message", "")).replace(HERE, ""),
                   int(pos.get("line", 0) or 0), int(pos.get("offset", 0) or 0),
                   int(pos.get("end_offset", 0) or 0), str(pos.get("file", "") or ""))


@dataclass(frozen=True)
class TheoryResult:
    """The outcome of ``use_theories`` for the theories it was given."""

    ok: bool
    messages: tuple[TheoryMessage, ...]

    @property
    def errors(self) -> tuple[TheoryMessage, ...]:
        """The error messages, in order."""
        return tuple(message for message in self.messages if message.is_error)

    def on_lines(self, first: int, last: int) -> tuple[TheoryMessage, ...]:
        """The messages whose position lies on lines ``first`` to ``last``."""
        return tuple(message for message in self.messages if first <= message.line <= last)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> "TheoryResult":
        """The result in a ``use_theories`` ``FINISHED`` body.

        The node messages are the full list (errors included); the top-level ``errors`` are
        used only for errors no node reports (a theory that could not even be loaded).
        """
        messages = [TheoryMessage.from_json(m) for node in body.get("nodes", []) for m in node.get("messages", [])]
        seen = {(m.text, m.line) for m in messages if m.is_error}
        for error in body.get("errors", []):
            message = TheoryMessage.from_json({"kind": "error", **error})
            if (message.text, message.line) not in seen:
                messages.append(message)
        return cls(bool(body.get("ok")), tuple(messages))


_GOAL_HEADER = re.compile(r"goal \((\d+) subgoals?\):\n?")
_SUBGOAL = re.compile(r"^ (\d+)\. ", re.MULTILINE)


def goals_in(text: str) -> tuple[Goal, ...] | None:
    """The subgoals listed in ``text`` (``goal (N subgoals):`` then `` 1. ...``), or None if none listed.

    A subgoal keeps Isabelle's own form (``\\<And>x. A \\<Longrightarrow> B``) as its target; a line
    that continues a subgoal is indented deeper and stays part of it.
    """
    header = _GOAL_HEADER.search(text)
    if header is None:
        return None
    listing = text[header.end():]
    starts = list(_SUBGOAL.finditer(listing))
    goals = []
    for number, start in enumerate(starts):
        end = starts[number + 1].start() if number + 1 < len(starts) else len(listing)
        target = "\n".join(line.strip() for line in listing[start.end():end].strip().split("\n"))
        goals.append(Goal((), target))
    return tuple(goals)
