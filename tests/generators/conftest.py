"""Fixtures for the generator tests: one tiny local model per session."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny Llama model and tokenizer in HF format, trained briefly on the Coq prompt."""
    pytest.importorskip("torch", reason="the hf engine needs torch (pip install torch==2.13.0, then .[hf])")
    pytest.importorskip("transformers", reason="the hf engine needs transformers (pip install .[hf])")
    from prover.generators.tiny_model import TinyModelConfig, build_tiny_model

    config = TinyModelConfig(train_steps=60, batch_size=4, learning_rate=5e-3, coq_text_bytes=500_000)
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"), config)


@pytest.fixture(scope="session")
def tiny_engine(tiny_model_dir: Path):
    """An ``hf`` engine (CPU, default shared-prefix decode, fixed seed) over the tiny model."""
    from prover.generators.hf_engine import HFEngine, HFEngineConfig

    engine = HFEngine.load(str(tiny_model_dir), HFEngineConfig(device="cpu", seed=0))
    yield engine
    engine.close()
