"""A trained checkpoint exported to the Hugging Face format loads in `prove --model DIR --engine hf`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.train.conftest import requires_theories, tiny_run
from train.trainer import Trainer

pytestmark = requires_theories


def test_the_exported_model_proposes_tactics_in_a_proof_search(tokenizer_dir, tmp_path) -> None:
    Trainer(tiny_run(tokenizer_dir, tmp_path / "run", "--train.steps", "6")).run()
    out = tmp_path / "model"
    exported = subprocess.run([sys.executable, "-m", "prover", "train", "export", str(tmp_path / "run"), "--out", str(out),
                               "--dtype", "float32"], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert exported.returncode == 0, exported.stderr[-2000:]
    assert (out / "config.json").is_file() and (out / "tokenizer.json").is_file()

    from prover.engines.base import SamplingParams
    from prover.engines.hf.config import HFEngineConfig
    from prover.generators.models import ModelConfig, build_model_generator

    config = ModelConfig(str(out), "hf", SamplingParams(max_new_tokens=16), engine_options=HFEngineConfig(device="cpu", seed=0))
    generator = build_model_generator(config, "coq")
    suggestions = generator.generate("n : nat\n============================\nn + 0 = n", 16)
    generator.close()
    assert suggestions and all(s.tactic.endswith(".") and s.logprob < 0 for s in suggestions)

    if shutil.which("coqtop") is None:
        return
    problems = tmp_path / "p.jsonl"
    problems.write_text(json.dumps({"name": "n_plus_0", "coq": {"header": "", "statement": "Theorem n_plus_0 : forall n : nat, n + 0 = n."}}) + "\n")
    results = tmp_path / "r.jsonl"
    run = subprocess.run([sys.executable, "-m", "prover", "--benchmark", str(problems), "--model", str(out), "--engine", "hf",
                          "--device", "cpu", "--budget", "2", "--samples", "4", "--workers", "1", "--out", str(results)],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    (record,) = [json.loads(line) for line in results.read_text().splitlines()]
    assert record["name"] == "n_plus_0" and not record["error"] and record["expansions"] >= 1
