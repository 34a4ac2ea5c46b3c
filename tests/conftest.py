"""Shared fixtures: live Coq sessions, small Coq problems, and one tiny local model per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from prover.env import Problem

requires_coq = pytest.mark.skipif(
    shutil.which("coqtop") is None or shutil.which("coqc") is None,
    reason="Coq 8.16 is not installed (apt-get install coq libcoq-stdlib libcoq-hammer libcoq-interval)",
)

REALS = "Require Import Reals.\nOpen Scope R_scope.\n"

#: A tactic that never ends: binary iteration, constant memory and stack, ~10^11 steps.
#: (A recursive Ltac loop is no good: it overflows the stack, fast or slow by machine.)
LOOP = "let x := eval vm_compute in (Pos.iter Pos.succ 1%positive 100000000000%positive) in idtac"


def coq_problem(name: str, statement: str, header: str = REALS) -> Problem:
    """A Coq problem with the usual miniF2F real-number header."""
    return Problem(name=name, split="custom", header=header, statement=statement)


@pytest.fixture
def coq_env():
    """A live CoqEnv with a short tactic timeout, closed after the test."""
    from coq_env import CoqEnv

    env = CoqEnv(timeout=3.0)
    yield env
    env.close()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny Llama model and tokenizer in HF format, trained briefly on the Coq prompt."""
    pytest.importorskip("torch", reason="the hf engine needs torch (pip install torch==2.13.0, then .[hf])")
    pytest.importorskip("transformers", reason="the hf engine needs transformers (pip install .[hf])")
    from tools.tiny_model import TinyModelConfig, build_tiny_model

    config = TinyModelConfig(train_steps=60, batch_size=4, learning_rate=5e-3, coq_text_bytes=500_000)
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"), config)


@pytest.fixture(scope="session")
def tiny_engine(tiny_model_dir: Path):
    """An ``hf`` engine (CPU, default shared-prefix decode, fixed seed) over the tiny model."""
    from prover.engines.hf.config import HFEngineConfig
    from prover.engines.hf.engine import HFEngine

    engine = HFEngine.load(str(tiny_model_dir), HFEngineConfig(device="cpu", seed=0))
    yield engine
    engine.close()
