"""benchmarks/generation.py counts failed work, prints no figure for it, and ends by itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the benchmark drives the hf engine")

from benchmarks import generation  # noqa: E402
from prover.engines.hf.engine import HFEngine  # noqa: E402

MICRO = ["--config", "micro", "--device", "cpu", "--cases", "acd", "--d-searches", "4", "--repeats", "1"]
#: Only the engine's cases, timed three times: steady enough to pass on a loaded machine.
STEADY = ["--config", "micro", "--device", "cpu", "--cases", "cd", "--d-searches", "4", "--repeats", "3"]


def test_a_healthy_run_prints_figures_and_exits_zero(capsys) -> None:
    assert generation.main(STEADY) == 0
    out = capsys.readouterr().out
    assert "generation throughput" in out and "FAILED" not in out
    assert "(c) engine (shared, eager), 3 searches" in out and "(d) engine (shared), 4 searches" in out


def test_failed_requests_make_the_case_fail_and_the_script_exit_nonzero(capsys, monkeypatch) -> None:
    calls = []
    sample = HFEngine.sample

    def every_other_call_fails(self, requests, params):
        calls.append(len(requests))
        if len(calls) % 2 == 0:
            raise RuntimeError("injected engine failure")
        return sample(self, requests, params)

    monkeypatch.setattr(HFEngine, "sample", every_other_call_fails)
    assert generation.main(MICRO) == 1
    out = capsys.readouterr().out
    assert "FAILED (" in out and "RuntimeError: injected engine failure" in out
    c_row = next(line for line in out.splitlines() if line.startswith("│ (c)"))
    assert "FAILED" in c_row and "tokens/s" not in c_row


def test_samples_short_of_the_asked_tokens_fail_the_case(capsys, monkeypatch) -> None:
    sample = HFEngine.sample

    def one_token_short(self, requests, params):
        results = sample(self, requests, params)
        results[0][0] = type(results[0][0])(text="", logprob=0.0, tokens=results[0][0].tokens[:-1])
        return results

    monkeypatch.setattr(HFEngine, "sample", one_token_short)
    assert generation.main(MICRO) == 1
    assert "tokens, expected" in capsys.readouterr().out


def test_no_case_reports_a_step_faster_than_its_roofline(capsys) -> None:
    """With an absurdly low bandwidth every roofline is longer than the step: each case fails, none prints 100%+."""
    assert generation.main([*MICRO, "--bandwidth-gbs", "0.0001"]) == 1
    out = capsys.readouterr().out
    assert out.count("beats its roofline") >= 3
    assert not any(cell.strip().endswith("%") and int(cell.strip()[:-1]) > 100 for cell in out.split("│") if cell.strip()[:-1].isdigit())


def test_the_shared_decode_counts_each_prompts_kv_once() -> None:
    shape = generation.CONFIGS["7b"]
    bench = generation.Bench(model=None, tokenizer=None, shape=shape, bandwidth_gbs=1.0)
    own, naive = bench.kv_tokens(64, 8, shared_decode=True)
    assert own == 8 * 256 + 64 * 32 and naive == 64 * 256 + 64 * 32
    assert bench.kv_tokens(64, 8, shared_decode=False) == (naive, naive)
    assert bench.kv_tokens(64, 8, shared_decode=True, header=192)[0] == 192 + 8 * 64 + 64 * 32


def test_the_script_ends_by_itself_with_a_table() -> None:
    script = Path(generation.__file__)
    done = subprocess.run([sys.executable, str(script), *STEADY], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "generation throughput" in done.stdout
