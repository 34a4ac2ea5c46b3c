"""Two processes under torchrun (gloo, CPU) train the same steps as one process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.train.conftest import requires_theories, tiny_run
from train.config import to_toml
from train.run_log import read_log
from train.trainer import Trainer

pytestmark = requires_theories


@pytest.mark.parametrize("strategy", ["fsdp", "ddp"])
def test_two_gloo_processes_give_the_single_process_losses(tokenizer_dir, tmp_path, strategy) -> None:
    single = Trainer(tiny_run(tokenizer_dir, tmp_path / "one", "--train.steps", "6")).run()
    config = tiny_run(tokenizer_dir, tmp_path / "two", "--train.steps", "6", "--distributed.strategy", strategy)
    path = tmp_path / "two.toml"
    path.write_text(to_toml(config))
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "-m", "train", "pretrain", str(path)]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd=os.getcwd())
    assert done.returncode == 0, done.stderr[-3000:]
    steps, events = read_log(tmp_path / "two")
    assert [s["step"] for s in steps] == list(range(6)) and events[-1]["event"] == "done"
    assert [s["loss"] for s in steps] == pytest.approx(single, rel=2e-4)
