"""Sketches written by a model (``--mode dsp`` without ``--sketches``), with the tiny local model."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from prover.env import Problem
from prover.generators.models import ModelConfig
from prover.sketchers import FileSketches, ModelSketches, SketchPrompt

pytest.importorskip("torch", reason="the hf engine needs torch")

PROBLEM = Problem("halves", "custom", "Require Import Reals.\nOpen Scope R_scope.\n",
                  "Theorem halves : forall x : R, 2 * x = 4 -> x = 2.",
                  informal_statement="If $2x = 4$ then $x = 2$.", informal_proof="Divide both sides by 2.")


class _Recording:
    """The real sampler, with the prompts it was given written down."""

    def __init__(self, sampler):
        self.sampler, self.prompts = sampler, []

    def sample(self, prompt, n, params=None):
        self.prompts.append(prompt)
        return self.sampler.sample(prompt, n, params)

    def close(self):
        self.sampler.close()


@pytest.mark.parametrize("informal", ["human", "model"])
def test_a_model_writes_n_sketches_from_the_informal_proof(tiny_model_dir, informal) -> None:
    source = ModelSketches(ModelConfig(str(tiny_model_dir)), "coq", informal, max_new_tokens=24)
    source.sampler = recording = _Recording(source.sampler)
    try:
        sketches = source.sketches(PROBLEM, 3)
    finally:
        source.close()
    assert len(sketches) == 3 and all(isinstance(s, str) for s in sketches)
    last = recording.prompts[-1]
    assert last.endswith("Formal statement:\n" + PROBLEM.statement + "\nFormal sketch:\n")
    assert SketchPrompt.for_backend("coq").examples[0]["sketch"] in last
    if informal == "human":
        assert len(recording.prompts) == 1 and "Informal proof:\nDivide both sides by 2.\n" in last
    else:  # a draft first, then one sketch per drafted proof
        assert recording.prompts[0].endswith(f"Informal statement:\n{PROBLEM.informal_statement}\nInformal proof:\n")
        assert len(recording.prompts) == 4 and "Divide both sides by 2." not in last


def test_no_informal_proof_means_no_sketch_to_follow(tiny_model_dir) -> None:
    source = ModelSketches(ModelConfig(str(tiny_model_dir)), "coq", "human", max_new_tokens=8)
    try:
        bare = Problem("bare", "custom", PROBLEM.header, PROBLEM.statement)
        assert source.sketches(bare, 2) == []
    finally:
        source.close()


def test_a_cancelled_model_source_fails_at_once_instead_of_sketching(tiny_model_dir) -> None:
    """A stopped DSP run cancels its sketcher: no worker waits for a model call."""
    from prover.engines.base import GenerationCancelled

    source = ModelSketches(ModelConfig(str(tiny_model_dir)), "coq", "human", max_new_tokens=8)
    try:
        source.cancel()
        with pytest.raises(GenerationCancelled):
            source.sketches(PROBLEM, 2)
    finally:
        source.close()


def test_file_sketches_come_in_file_order_by_name(tmp_path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps({"name": n, "sketch": s}) + "\n" for n, s in [("halves", "a"), ("x", "b"), ("halves", "c")]))
    assert FileSketches(path).sketches(PROBLEM, 5) == ["a", "c"] and FileSketches(path).sketches(PROBLEM, 1) == ["a"]


@pytest.mark.skipif(shutil.which("coqtop") is None, reason="Coq is not installed (apt-get install coq)")
def test_prove_mode_dsp_with_a_local_model_records_every_attempt(tiny_model_dir, tmp_path) -> None:
    problems = tmp_path / "p.jsonl"
    record = {"name": "halves", "informal_statement": PROBLEM.informal_statement, "informal_proof": PROBLEM.informal_proof,
              "coq": {"header": PROBLEM.header, "statement": PROBLEM.statement}}
    problems.write_text(json.dumps(record) + "\n")
    out = tmp_path / "r.jsonl"
    command = [sys.executable, "-m", "prover", "--benchmark", str(problems), "--mode", "dsp", "--attempts", "2",
               "--model", str(tiny_model_dir), "--max-sketch-tokens", "32", "--gap-budget", "1", "--workers", "1",
               "--out", str(out)]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    (result,) = map(json.loads, out.read_text().splitlines())
    assert result["error"] == "" and result["expansions"] == len(result["dsp"]) >= 1
    known = {"verified", "refused", "step failed", "gap open", "unfinished", "rejected"}
    assert all(attempt["status"] in known and attempt["detail"] for attempt in result["dsp"])
    assert result["verified"] == any(attempt["status"] == "verified" for attempt in result["dsp"])
