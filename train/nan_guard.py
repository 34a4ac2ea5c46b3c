"""The NaN guard: a non-finite loss or gradient skips its step; several in a row roll back.

Llemma 7B's run died with a NaN loss at step 42,000 of 48,000. Here a step whose
loss or gradient norm is not finite changes nothing (no optimizer step); after
``rollback_after`` such steps in a row the model and optimizer go back to the
last checkpoint while the data stream goes on, so the batches that broke the
run are skipped. Every event is logged, and the run continues.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from train.config import NanGuardConfig


class Action(str, Enum):
    """What the trainer does with a step."""

    APPLY = "apply"
    SKIP = "skip"
    ROLLBACK = "rollback"


@dataclass
class NanGuard:
    """Counts non-finite steps and says when to skip and when to roll back."""

    config: NanGuardConfig
    consecutive: int = 0
    skipped: int = 0
    rollbacks: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)

    def judge(self, step: int, loss: float, grad_norm: float) -> Action:
        """The action for ``step`` given its (global) loss and gradient norm."""
        if math.isfinite(loss) and math.isfinite(grad_norm):
            self.consecutive = 0
            return Action.APPLY
        self.consecutive += 1
        self.skipped += 1
        action = Action.SKIP
        if self.consecutive >= self.config.rollback_after:
            if self.rollbacks >= self.config.max_rollbacks:
                raise RuntimeError(f"step {step}: {self.rollbacks} rollbacks already and the loss is still not finite")
            action = Action.ROLLBACK
        self.events.append({"step": step, "action": action.value, "loss": _json_number(loss), "grad_norm": _json_number(grad_norm)})
        return action

    def rolled_back(self) -> None:
        """Record that a rollback happened (the counter of consecutive bad steps starts again)."""
        self.rollbacks += 1
        self.consecutive = 0

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint keeps of the guard."""
        return {"consecutive": self.consecutive, "skipped": self.skipped, "rollbacks": self.rollbacks, "events": list(self.events)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`."""
        self.consecutive, self.skipped, self.rollbacks = state["consecutive"], state["skipped"], state["rollbacks"]
        self.events = list(state["events"])


def _json_number(value: float) -> float | str:
    return value if math.isfinite(value) else str(value)
