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
from dataclasses import dataclass

from prover.env import Goal

_ANCHOR = re.compile(r"^(?:(\d+) goals? \(ID \d+\)|(No more goals)|(This subproof is complete))", re.M)
_RULE = re.compile(r"^\s*={4,}\s*$", re.M)
_TAG = re.compile(r"</?(?:infomsg|warning)>")


@dataclass(frozen=True)
class GoalDisplay:
    """What one coqtop reply says about the proof: goal count, the full first goal, and status."""

    count: int
    first: Goal | None
    status: str  # "open", "proved", "unfocused", "shelved", "given_up"


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
    return GoalDisplay(int(last.group(1)), parse_goal(text[last.end():]), "open")


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


def parse_target_only(text: str, index: int) -> str:
    """The target of goal ``index`` (1-based) from the ``goal i (ID n) is:`` lines."""
    match = re.search(rf"^\s*goal {index} \(ID \d+\) is:\n(.*?)(?=\n\s*\n|\n\s*goal \d+ \(ID|\Z)", text, re.M | re.S)
    return textwrap.dedent(match.group(1)).strip() if match else ""


def _group_hypotheses(lines: list[str]) -> list[str]:
    """Join continuation lines (indented) to the hypothesis line they continue."""
    grouped: list[str] = []
    for line in lines:
        if grouped and line[:1].isspace():
            grouped[-1] += "\n" + line
        elif line.strip():
            grouped.append(line.rstrip())
    return grouped
