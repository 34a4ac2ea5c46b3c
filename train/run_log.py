"""What a training run reports: a rich progress display, ``log.jsonl`` in the run folder, TensorBoard.

Only rank 0 reports. Each step line holds the step, loss, learning rate,
tokens/s, MFU (when the device's peak is known) and memory; events (resume,
checkpoint, skipped step, rollback) are lines with an ``event`` field. A
resumed run appends to the same log.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from train.config import LogConfig

#: Dense bf16 matrix rate in TFLOP/s, by a substring of the device's name.
PEAK_BF16_TFLOPS = {"H200": 989.4, "H100": 989.4, "A100": 312.0, "L40S": 362.0, "A10G": 70.0}


def peak_tflops(device_name: str, configured: float = 0.0) -> float:
    """The peak to compute MFU against: the configured one, or a known card's (0: unknown)."""
    if configured > 0:
        return configured
    return next((rate for key, rate in PEAK_BF16_TFLOPS.items() if key in device_name), 0.0)


class RunLog:
    """Progress, JSONL and TensorBoard for one run (silent on every rank but 0)."""

    def __init__(self, out_dir: str | Path, config: LogConfig, main: bool, total_steps: int, start_step: int = 0):
        self.config, self.main = config, main
        self.path = Path(out_dir) / "log.jsonl"
        self.console = Console(stderr=True)
        self._progress: Progress | None = None
        self._task = None
        self._tensorboard = None
        if not main:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if config.tensorboard and importlib.util.find_spec("tensorboard") is not None:
            from torch.utils.tensorboard import SummaryWriter

            self._tensorboard = SummaryWriter(str(Path(out_dir) / "tensorboard"))
        if config.progress:
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
            self._progress = Progress(*columns, console=self.console, transient=False)
            self._progress.start()
            self._task = self._progress.add_task("training", total=total_steps, completed=start_step)

    def step(self, step: int, metrics: dict[str, float]) -> None:
        """One optimizer step's metrics (written every ``every`` steps; the display always moves)."""
        if not self.main:
            return
        if self._progress is not None:
            shown = f"loss {metrics['loss']:.4f}  lr {metrics['lr']:.2e}  {metrics['tokens_per_s']:,.0f} tok/s"
            if metrics.get("mfu"):
                shown += f"  MFU {100 * metrics['mfu']:.1f}%"
            self._progress.update(self._task, completed=step + 1, description=shown)
        if step % max(1, self.config.every) and not metrics.get("last"):
            return
        self._write({"step": step, **{k: v for k, v in metrics.items() if k != "last"}})
        if self._tensorboard is not None:
            for name, value in metrics.items():
                if isinstance(value, (int, float)) and math.isfinite(value) and name != "last":
                    self._tensorboard.add_scalar(f"train/{name}", value, step)

    def event(self, kind: str, **fields: Any) -> None:
        """A run event (resume, checkpoint, skip, rollback, done), logged and printed."""
        if not self.main:
            return
        self._write({"event": kind, **fields})
        detail = ", ".join(f"{k}={v}" for k, v in fields.items())
        self.console.print(f"[bold]{kind}[/]: {detail}", highlight=False)

    def close(self) -> None:
        """Stop the display and flush the writers."""
        if self._progress is not None:
            self._progress.stop()
        if self._tensorboard is not None:
            self._tensorboard.close()

    def _write(self, record: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, default=str) + "\n")


def read_log(out_dir: str | Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A run's step records and event records, in order."""
    path = Path(out_dir) / "log.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()] if path.exists() else []
    return [r for r in records if "event" not in r], [r for r in records if "event" in r]
