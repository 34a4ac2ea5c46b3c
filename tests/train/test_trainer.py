"""The training loop on the CPU, on real Coq text: learning, exact resume, atomic checkpoints, the NaN guard."""

from __future__ import annotations

import math

import pytest
import torch

from tests.train.conftest import requires_theories, tiny_run
from train import checkpoint
from train.optim import lr_factor
from train.run_log import read_log
from train.trainer import Trainer

pytestmark = requires_theories


def test_the_schedule_warms_up_then_decays_to_a_thirtieth() -> None:
    factors = [lr_factor(step, 5, 50, 1 / 30) for step in range(50)]
    assert factors[:5] == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert factors[5] == pytest.approx(1.0) and factors[-1] == pytest.approx(1 / 30)
    assert all(a >= b for a, b in zip(factors[5:], factors[6:]))


def test_the_loss_decreases_and_the_run_is_logged(tokenizer_dir, tmp_path) -> None:
    losses = Trainer(tiny_run(tokenizer_dir, tmp_path / "run")).run()
    assert len(losses) == 20 and all(math.isfinite(x) for x in losses)
    assert sum(losses[-4:]) / 4 < 0.9 * sum(losses[:4]) / 4  # about 6.1 -> 5.3 nats on the stdlib
    steps, events = read_log(tmp_path / "run")
    assert [s["step"] for s in steps] == list(range(20)) and all(s["tokens_per_s"] > 0 and s["memory_gb"] > 0 for s in steps)
    assert [e["event"] for e in events].count("checkpoint") == 4 and events[-1]["event"] == "done"
    assert (tmp_path / "run" / "config.toml").read_text().count("[optim]") == 1
    assert len(list(checkpoint.folder(tmp_path / "run").glob("step-*"))) == 3  # checkpoint.keep


def test_a_stopped_and_resumed_run_repeats_the_uninterrupted_losses_step_for_step(tokenizer_dir, tmp_path) -> None:
    whole = Trainer(tiny_run(tokenizer_dir, tmp_path / "whole", "--train.steps", "10")).run()
    first = Trainer(tiny_run(tokenizer_dir, tmp_path / "parts", "--train.steps", "10")).run(until=5)
    second = Trainer(tiny_run(tokenizer_dir, tmp_path / "parts", "--train.steps", "10")).run()
    assert first + second == whole  # exactly: same data, same optimizer state, same RNG
    _, events = read_log(tmp_path / "parts")
    assert any(e["event"] == "resume" and e["step"] == 5 for e in events)


def test_a_checkpoint_write_killed_midway_leaves_the_previous_one_loadable(tokenizer_dir, tmp_path, monkeypatch) -> None:
    config = tiny_run(tokenizer_dir, tmp_path / "run", "--train.steps", "10")
    save = torch.distributed.checkpoint.save

    def dies_while_writing(state, checkpoint_id):
        save(state, checkpoint_id=checkpoint_id)  # the shards are on disk ...
        if checkpoint_id.endswith("0000010.tmp"):
            raise KeyboardInterrupt("killed while writing step 10")  # ... the rest never is

    monkeypatch.setattr(torch.distributed.checkpoint, "save", dies_while_writing)
    with pytest.raises(KeyboardInterrupt):
        Trainer(config).run()
    assert checkpoint.latest(tmp_path / "run").name == "step-0000005"
    monkeypatch.undo()
    resumed = Trainer(tiny_run(tokenizer_dir, tmp_path / "run", "--train.steps", "10")).run()
    assert len(resumed) == 5 and checkpoint.latest(tmp_path / "run").name == "step-0000010"


def test_a_nan_loss_skips_then_rolls_back_and_the_run_finishes(tokenizer_dir, tmp_path, monkeypatch) -> None:
    config = tiny_run(tokenizer_dir, tmp_path / "run", "--train.steps", "14", "--nan_guard.rollback_after", "2")
    poisoned = {7, 8, 9}  # three non-finite steps in a row after the step-5 checkpoint
    loss_sum = Trainer._token_loss_sum

    def poison(self, input_ids, labels):
        value = loss_sum(self, input_ids, labels)
        return value * float("nan") if self.step in poisoned else value

    monkeypatch.setattr(Trainer, "_token_loss_sum", poison)
    trainer = Trainer(config)
    losses = trainer.run()
    assert len(losses) == 14 and [math.isnan(x) for x in losses[7:10]] == [True] * 3
    assert all(math.isfinite(x) for x in losses[:7] + losses[10:])
    _, events = read_log(tmp_path / "run")
    kinds = [(e["event"], e.get("step")) for e in events if e["event"] in ("skip", "rollback")]
    assert kinds == [("skip", 7), ("skip", 8), ("rollback", 8), ("skip", 9)]
    assert trainer.guard.rollbacks == 1 and trainer.guard.skipped == 3 and events[-1]["event"] == "done"
