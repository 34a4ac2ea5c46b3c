"""Shared fixtures: live Coq sessions, small Coq problems, and one tiny local model per session."""

from __future__ import annotations

import shutil
import subprocess
import sys
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


REPO = Path(__file__).resolve().parents[1]


def hide_tools(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point PATH at an empty folder and HOME at ``tmp_path`` (returned): no proof assistant can be found."""
    empty = tmp_path / "bin"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def not_installed_message(backend: str, **options: object) -> str:
    """The message of the :class:`ProverNotInstalledError` that making ``backend`` raises; it must be one line."""
    from prover.env import ProverNotInstalledError
    from prover.registry import make_env

    with pytest.raises(ProverNotInstalledError) as caught:
        make_env(backend, **options)
    message = str(caught.value)
    assert "\n" not in message
    return message


def prove_without_tools(tmp_path: Path, backend: str, **environ: str) -> list[str]:
    """Run ``prove --backend BACKEND`` with no tool on PATH; its exit status must be 2 with one stderr line, returned."""
    empty = tmp_path / "bin"
    empty.mkdir(exist_ok=True)
    environ = {"PATH": str(empty), "HOME": str(tmp_path), "PYTHONPATH": str(REPO), **environ}
    out = tmp_path / "results.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "prover", "--benchmark", "minif2f", "--backend", backend, "--limit", "1", "--out", str(out)],
        cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert not out.exists() or not out.read_text()
    return lines


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
