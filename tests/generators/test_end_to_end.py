"""``prove --model PATH --engine hf`` on Coq with the tiny local model, end to end."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("torch", reason="the hf engine needs torch")
pytestmark = pytest.mark.skipif(shutil.which("coqtop") is None, reason="Coq is not installed (apt-get install coq)")

# Easy enough that a few seconds of training find a proof among many closing tactics.
PROBLEMS = [
    {"name": name, "coq": {"header": "Require Import Lia.", "statement": f"Theorem {name} : {statement}."}}
    for name, statement in [
        ("one_eq_one", "1 = 1"),
        ("true_holds", "True"),
        ("two_plus_two", "2 + 2 = 4"),
        ("n_eq_n", "forall n : nat, n = n"),
    ]
]


def test_prove_with_a_local_model_records_logprobs_on_the_proof_path(tiny_model_dir, tmp_path) -> None:
    problems = tmp_path / "easy.jsonl"
    problems.write_text("".join(json.dumps(p) + "\n" for p in PROBLEMS))
    out = tmp_path / "results.jsonl"
    command = [
        sys.executable, "-m", "prover.cli",
        "--benchmark", str(problems), "--backend", "coq",
        "--model", str(tiny_model_dir), "--engine", "hf",
        "--workers", "2", "--samples", "16", "--seed", "0", "--out", str(out),
    ]  # fmt: skip
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    records = {r["name"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert set(records) == {p["name"] for p in PROBLEMS}
    proved = [r for r in records.values() if r["verified"]]
    assert proved, records
    for record in proved:
        assert len(record["logprobs"]) == len(record["proof"]) >= 1
        assert all(isinstance(lp, float) and lp < 0 for lp in record["logprobs"])
