"""The other entry points: fine-tuning, the mixture ablation, `prove train` on the command line, TensorBoard."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from tests.train.conftest import THEORIES, requires_theories, tiny_run
from train.ablation import ablate_mixture
from train.config import SourceConfig, to_toml
from train.run_log import read_log
from train.trainer import Trainer

pytestmark = requires_theories


def test_fine_tuning_learns_the_completions(tokenizer_dir, tmp_path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    tactics = ["intros. lia.", "reflexivity.", "simpl. auto.", "induction n; simpl; auto."]
    with pairs.open("w") as handle:
        for i in range(64):
            handle.write(json.dumps({"prompt": f"Goal {i} :\n", "completion": tactics[i % 4]}) + "\n")
    config = tiny_run(tokenizer_dir, tmp_path / "ft", "--train.steps", "15", "--optim.warmup_steps", "2")
    config.data.sources = [SourceConfig(name="pairs", paths=[str(pairs)])]
    losses = Trainer(config, mode="finetune").run()
    assert all(math.isfinite(x) for x in losses) and losses[-1] < 0.7 * losses[0]  # about 6.3 -> 3.7 nats


def test_the_mixture_ablation_writes_a_table_and_a_plot(tokenizer_dir, tmp_path) -> None:
    config = tiny_run(tokenizer_dir, tmp_path / "ablation", "--ablation.steps", "4", "--ablation.eval_rows", "8",
                      "--ablation.weight_sets", "[[0.9, 0.1], [0.1, 0.9]]", "--checkpoint.every", "4")  # fmt: skip
    config.data.held_out = [SourceConfig(name="arith", paths=[str(THEORIES / "Arith")], extensions=[".v"])]
    report = ablate_mixture(config)
    table = report.read_text()
    assert "| Bool | Lists | final train loss | held-out perplexity |" in table
    rows = [line for line in table.splitlines() if line.startswith("| 0.")]
    assert len(rows) == 2 and all(1 < float(r.split("|")[-2].strip(" *")) < 600 for r in rows)
    assert (report.parent / "report.png").stat().st_size > 1000
    for cell in ("mix-0.9-0.1", "mix-0.1-0.9"):
        steps, _ = read_log(report.parent / cell)
        assert [s["step"] for s in steps] == [0, 1, 2, 3]


def test_prove_train_runs_a_config_file_and_reports_bad_input_in_one_line(tokenizer_dir, tmp_path) -> None:
    config = tiny_run(tokenizer_dir, tmp_path / "cli", "--train.steps", "2", "--log.tensorboard", "true")
    path = tmp_path / "run.toml"
    path.write_text(to_toml(config))
    done = subprocess.run([sys.executable, "-m", "prover", "train", "pretrain", str(path), "--optim.lr", "1e-3"],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "lr = 0.001" in (tmp_path / "cli" / "config.toml").read_text()  # the resolved config, overrides applied
    assert list((tmp_path / "cli" / "tensorboard").glob("events.out.tfevents.*"))
    bad = subprocess.run([sys.executable, "-m", "prover", "train", "pretrain", str(path), "--optim.lrr", "1"],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert bad.returncode == 2 and bad.stderr.strip().splitlines() == ["error: --optim.lrr: no such field"]
