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
        sys.executable, "-m", "prover",
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


def test_retry_errors_reruns_what_a_dead_model_server_failed(tiny_model_dir, tmp_path) -> None:
    """Problems that failed on an unreachable server get a new record once it is up; the rest stay."""
    import socket

    problems = tmp_path / "easy.jsonl"
    problems.write_text("".join(json.dumps(p) + "\n" for p in PROBLEMS[:2]))
    out = tmp_path / "results.jsonl"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api_base = f"http://127.0.0.1:{port}/v1"
    command = [
        sys.executable, "-m", "prover", "--benchmark", str(problems), "--backend", "coq",
        "--model", str(tiny_model_dir), "--engine", "openai", "--api-base", api_base,
        "--workers", "1", "--samples", "4", "--budget", "4", "--out", str(out), "--json",
    ]  # fmt: skip

    first = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-2000:]
    failed = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(failed) == 2 and all("OpenAIServerError" in r["error"] for r in failed), failed

    serve = [sys.executable, "-m", "prover", "serve", "--model", str(tiny_model_dir), "--port", str(port)]
    server = subprocess.Popen(serve, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout.readline().startswith("serving")
        unchanged = subprocess.run(command, capture_output=True, text=True, timeout=300)  # no --retry-errors
        assert len(out.read_text().splitlines()) == 2
        assert json.loads(unchanged.stdout.splitlines()[-1])["errors"] == 2
        retried = subprocess.run(command + ["--retry-errors"], capture_output=True, text=True, timeout=300)
        assert retried.returncode == 0, retried.stderr[-2000:]
    finally:
        server.kill()
        server.wait()
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["name"] for r in lines] == [p["name"] for p in PROBLEMS[:2]] * 2  # appended, nothing rewritten
    assert all(r["error"] == "" for r in lines[2:])
    summary = json.loads(retried.stdout.splitlines()[-1])
    assert summary["problems"] == 2 and summary["errors"] == 0


@pytest.mark.parametrize(
    "options, message",
    [
        (["--model", "/no/such/model"], "cannot load model '/no/such/model'"),
        (["--model", "m", "--engine", "vllm"], "pip install 'llemma-prover[gpu]'"),
    ],
)
def test_a_model_that_cannot_load_is_a_one_line_error(tmp_path, options, message, monkeypatch) -> None:
    if "vllm" in options:
        monkeypatch.setattr("prover.engines.vllm.engine.vllm_available", lambda: False)
    from prover.entrypoints.cli import main

    console_file = tmp_path / "stderr.txt"
    with open(console_file, "w") as stderr:
        monkeypatch.setattr(sys, "stderr", stderr)
        code = main(["--limit", "1", "--out", str(tmp_path / "r.jsonl"), *options])
    text = console_file.read_text()
    assert code == 2 and message in " ".join(text.split()) and "Traceback" not in text
    assert not (tmp_path / "r.jsonl").exists() or not (tmp_path / "r.jsonl").read_text()
