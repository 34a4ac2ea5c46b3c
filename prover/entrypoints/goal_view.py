"""How ``prove suggest`` and ``prove repl`` show a goal and the tactics tried on it (rich text)."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from prover.env import Progress, Proved, State
from prover.suggest import Effect, Tried

#: Lines of goals a table cell shows; the rest is cut.
_CELL_LINES = 12
#: Characters of an error a table cell shows.
_ERROR_CHARS = 300


def goals_text(state: State, proved: bool = False) -> str:
    """The goals of ``state`` as the prover shows them, each numbered; what is left when there are none."""
    if proved:
        return "No goals left: the proof is complete."
    if not state.goals:
        return "No goal in focus: this one is done; go on with the next bullet or }."
    count = len(state.goals)
    if count == 1:
        return state.goals[0].render()
    return "\n\n".join(f"goal {number} of {count}\n{goal.render()}" for number, goal in enumerate(state.goals, 1))


def result_text(tried: Tried) -> str:
    """What a tried tactic did, for a table cell: proved, the goals it leaves, no change, or its error."""
    if tried.effect is Effect.FAILED:
        message = " ".join(tried.message.split()).removeprefix("Error: ")
        return "error: " + (message if len(message) <= _ERROR_CHARS else message[: _ERROR_CHARS - 1] + "…")
    if tried.effect in (Effect.PROVED, Effect.SOLVED, Effect.UNCHANGED):
        return tried.effect.value
    assert isinstance(tried.result, (Progress, Proved))
    state = tried.result.state
    lines = goals_text(state).split("\n")
    if len(lines) > _CELL_LINES:
        lines = lines[:_CELL_LINES] + ["…"]
    return "\n".join(lines)


def suggestion_table(tried: list[Tried], title: str) -> Table:
    """The numbered table of ``tried``: tactic, score, what it did, time."""
    table = Table(title=escape(title), show_lines=True)
    for column in ("#", "tactic", "score", "result", "time"):
        table.add_column(column, justify="right" if column in ("#", "score", "time") else "left")
    for number, row in enumerate(tried, 1):
        table.add_row(str(number), escape(row.tactic), f"{row.logprob:.2f}", escape(result_text(row)),
                      f"{row.seconds:.1f} s")
    return table
