"""Parse coqtop's goal display into the protocol's :class:`~prover.env.Goal`.

coqtop prints the first goal in full and only the targets of the others::

    2 goals (ID 7)

      x, y : R
      H : x < y
      ============================
      x + 1 < y + 1

    goal 2 (ID 8) is:
     0 = 0

``Show i.`` prints goal ``i`` in full in the same layout, so one parser serves both.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from prover.env import Goal

_ANCHOR = re.compile(r"^(?:(\d+) goals? \(ID \d+\)|(No more goals)|(This subproof is complete))", re.M)
_RULE = re.compile(r"^[^\S\n]*={4,}\s*$", re.M)
_TARGET_HEADER = re.compile(r"^[^\S\n]*goal (\d+) \(ID \d+\) is:\n", re.M)
#: A target ends at a blank line, the next goal's header, or the end of the display.
_TARGET_END = re.compile(r"\n[^\S\n]*(?:\n|goal \d+ \(ID)")
_TAG = re.compile(r"</?(?:infomsg|warning)>")


@dataclass(frozen=True)
class GoalDisplay:
    """What one coqtop reply says about the proof: goal count, the full first goal, and status.

    ``targets`` maps ``i`` to the target of goal ``i`` (from 2 on), which coqtop prints without
    its hypotheses.
    """

    count: int
    first: Goal | None
    status: str  # "open", "proved", "unfocused", "shelved", "given_up"
    targets: dict[int, str] = field(default_factory=dict)


def parse_display(output: str) -> GoalDisplay:
    """Read the goal count, the first goal, and the no-goals status from ``Show.``'s reply.

    After ``BackTo`` coqtop prints the goals it owed with the next reply, so a
    reply can hold two displays: the last one is the current state.
    """
    text = _TAG.sub("", output).replace("\r\n", "\n")
    anchors = list(_ANCHOR.finditer(text))
    if not anchors:
        return GoalDisplay(0, None, "unfocused")
    last = anchors[-1]
    if last.group(2):
        rest = text[last.start():]
        status = "given_up" if "gave up" in rest else "shelved" if "shelved" in rest else "proved"
        return GoalDisplay(0, None, status)
    if last.group(3):
        return GoalDisplay(0, None, "unfocused")
    display = text[last.end():]
    return GoalDisplay(int(last.group(1)), parse_goal(display), "open", parse_targets(display))


def parse_goal(text: str) -> Goal | None:
    """The first fully printed goal (hypotheses above the rule, target below) in ``text``."""
    rule = _RULE.search(text)
    if not rule:
        return None
    above = text[: rule.start()].split("\n")
    # Drop the "(ID n)" / "goal i (ID n) is:" line and blank lines before the context.
    hyp_lines = [line for line in above if line.strip() and not re.match(r"^\s*(goal \d+ )?\(ID \d+\)", line.strip()) and "is:" not in line]
    hypotheses = _group_hypotheses(textwrap.dedent("\n".join(hyp_lines)).split("\n")) if hyp_lines else []
    below = text[rule.end():].lstrip("\n").split("\n")
    target: list[str] = []
    for line in below:
        if not line.strip() or re.match(r"^\s*goal \d+ \(ID \d+\) is:", line):
            break
        target.append(line)
    return Goal(tuple(hypotheses), textwrap.dedent("\n".join(target)).strip())


def parse_targets(text: str) -> dict[int, str]:
    """The target of every goal ``i`` printed as ``goal i (ID n) is:``, in one pass over ``text``."""
    targets: dict[int, str] = {}
    for header in _TARGET_HEADER.finditer(text):
        end = _TARGET_END.search(text, header.end())
        body = text[header.end() : end.start() if end else len(text)]
        targets.setdefault(int(header.group(1)), textwrap.dedent(body).strip())
    return targets


def _group_hypotheses(lines: list[str]) -> list[str]:
    """Join continuation lines (indented) to the hypothesis line they continue."""
    grouped: list[list[str]] = []
    for line in lines:
        if grouped and line[:1].isspace():
            grouped[-1].append(line)
        elif line.strip():
            grouped.append([line.rstrip()])
    return ["\n".join(group) for group in grouped]
