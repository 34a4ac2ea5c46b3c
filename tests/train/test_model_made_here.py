"""A model made here: a tokenizer from Coq text, fine-tuned on replayed proof steps, proposing tactics."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from coq_env.steps import StepsConfig, extract
from tests.train.conftest import THEORIES, requires_theories
from train.config import SourceConfig, load_config, to_toml
from train.tokenizer import train_tokenizer

pytestmark = requires_theories
ZERO_SHOT = Path(__file__).parents[2] / "prover" / "prompts" / "coq_zero_shot.json"


def test_steps_to_pairs_to_a_finetuned_model_that_proposes_tactics(tmp_path) -> None:
    extract(StepsConfig(tmp_path / "steps", (THEORIES / "Bool",), workers=2), report=lambda _: None)
    pairs = tmp_path / "pairs.jsonl"
    done = subprocess.run([sys.executable, "-m", "prover", "data", "pairs", "--steps", str(tmp_path / "steps" / "steps.jsonl"),
                           "--prompt-file", str(ZERO_SHOT), "--out", str(pairs)], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    first = json.loads(pairs.read_text().splitlines()[0])
    assert first["prompt"].endswith("Next tactic:\n---\n") and first["completion"].endswith("\n---")
    assert "Here are some examples" not in first["prompt"]
    text = [SourceConfig(name="bool", paths=[str(THEORIES / "Bool")], extensions=[".v"])]
    tokenizer = train_tokenizer(text, tmp_path / "tokenizer", vocab_size=600)
    config = load_config(None, [
        "--model.tokenizer", str(tokenizer),
        "--model.config", "{hidden_size = 64, intermediate_size = 128, num_hidden_layers = 2, num_attention_heads = 4, "
                          "max_position_embeddings = 2048}",
        "--data.seq_len", "1024", "--train.global_batch_tokens", "4096", "--train.micro_batch_size", "2", "--train.steps", "8",
        "--train.out_dir", str(tmp_path / "run"), "--train.device", "cpu", "--optim.lr", "3e-3", "--optim.warmup_steps", "2",
        "--log.progress", "false", "--log.tensorboard", "false", "--distributed.strategy", "none", "--checkpoint.every", "8",
    ])  # fmt: skip
    config.data.sources = [SourceConfig(name="steps", paths=[str(pairs)])]
    (tmp_path / "ft.toml").write_text(to_toml(config))
    for command in (["train", "finetune", str(tmp_path / "ft.toml")],
                    ["train", "export", str(tmp_path / "run"), "--out", str(tmp_path / "model"), "--dtype", "float32",
                     "--prompt-file", str(ZERO_SHOT)]):
        done = subprocess.run([sys.executable, "-m", "prover", *command], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]

    from prover.engines.base import SamplingParams
    from prover.engines.hf.config import HFEngineConfig
    from prover.generators.models import ModelConfig, build_model_generator, model_prompt

    model = ModelConfig(str(tmp_path / "model"), "hf", SamplingParams(max_new_tokens=24), engine_options=HFEngineConfig(device="cpu", seed=0))
    assert model_prompt(model, "coq").examples == ()  # the folder's own prompt, the one it was fine-tuned on
    generator = build_model_generator(model, "coq")
    suggestions = generator.generate("b : bool\n============================\nb && true = b", 8)
    generator.close()
    assert suggestions and all(s.tactic.endswith(".") and s.logprob < 0 for s in suggestions)
