"""Fixtures for the training tests: a tokenizer trained here, the Coq standard library as text, tiny runs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="training needs torch")
pytest.importorskip("transformers", reason="training needs transformers")

from train.config import RunConfig, SourceConfig, load_config  # noqa: E402


def coq_theories() -> Path | None:
    """``$(coqc -where)/theories``: the .v sources Debian installs with Coq, if present."""
    if shutil.which("coqc") is None:
        return None
    root = Path(subprocess.run(["coqc", "-where"], capture_output=True, text=True).stdout.strip()) / "theories"
    return root if root.is_dir() else None


THEORIES = coq_theories()
requires_theories = pytest.mark.skipif(THEORIES is None, reason="the Coq standard library sources are not installed (apt-get install coq)")


@pytest.fixture(scope="session")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small byte-level BPE tokenizer trained on local text, saved in HF format."""
    from tools.tiny_model import LlamaShape, TinyModelConfig, train_tokenizer

    shape = LlamaShape(vocab_size=512, hidden_size=64, intermediate_size=128, num_layers=2, num_heads=4, num_kv_heads=2)
    tokenizer = train_tokenizer(TinyModelConfig(shape=shape, coq_text_bytes=300_000))
    out = tmp_path_factory.mktemp("tokenizer")
    tokenizer.save_pretrained(out)
    return out


def tiny_run(tokenizer_dir: Path, out_dir: Path, *overrides: str, folders: tuple[str, ...] = ("Bool", "Lists")) -> RunConfig:
    """A tiny Llama trained on a few folders of the Coq standard library (8 rows of 64 tokens a step)."""
    assert THEORIES is not None
    config = load_config(None, [
        "--model.tokenizer", str(tokenizer_dir),
        "--model.config", "{hidden_size = 64, intermediate_size = 128, num_hidden_layers = 2, num_attention_heads = 4, "
                          "num_key_value_heads = 2, max_position_embeddings = 256}",
        "--data.seq_len", "64", "--train.global_batch_tokens", "512", "--train.micro_batch_size", "4",
        "--train.steps", "20", "--train.out_dir", str(out_dir), "--train.device", "cpu",
        "--optim.lr", "3e-3", "--optim.warmup_steps", "3", "--checkpoint.every", "5", "--log.every", "1",
        "--log.progress", "false", "--log.tensorboard", "false", "--distributed.strategy", "none",
        *overrides,
    ])  # fmt: skip
    config.data.sources = [SourceConfig(name=folder, paths=[str(THEORIES / folder)], extensions=[".v"]) for folder in folders]
    return config
