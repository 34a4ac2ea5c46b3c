"""benchmarks/train_throughput.py prints both rows, fails a row whose loss is not finite, and ends by itself."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("torch", reason="the benchmark trains with torch")

from benchmarks import train_throughput  # noqa: E402

MICRO = ["--config", "micro", "--steps", "2", "--warmup", "1", "--vocab", "512", "--no-compile"]


def test_both_rows_are_printed(capsys) -> None:
    assert train_throughput.main(MICRO) == 0
    out = capsys.readouterr().out
    assert "(a) plain Hugging Face loop" in out and "(b) our training step" in out and "FAILED" not in out


def test_a_non_finite_loss_fails_its_row(capsys, monkeypatch) -> None:
    monkeypatch.setattr(train_throughput, "token_loss_sum", lambda *args, **kwargs: __import__("torch").tensor(float("nan"), requires_grad=True))
    assert train_throughput.main(MICRO) == 1
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "(b) our training step" in line)
    assert "FAILED" in row


def test_the_script_ends_by_itself() -> None:
    done = subprocess.run([sys.executable, train_throughput.__file__, *MICRO], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "training throughput" in done.stdout
