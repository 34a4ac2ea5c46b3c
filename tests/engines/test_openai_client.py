"""The OpenAI-compatible client against this project's server on loopback."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest

pytest.importorskip("torch", reason="the loopback server runs the hf engine")
pytest.importorskip("httpx", reason="the openai client needs httpx")
pytest.importorskip("uvicorn", reason="prove serve needs the serve extra (pip install -e '.[serve]')")

import httpx  # noqa: E402

from prover.engines.base import Request, SamplingParams  # noqa: E402
from prover.generators.models import ModelConfig, build_model_generator  # noqa: E402
from prover.engines.openai.client import (  # noqa: E402
    OpenAICompletionsClient,
    OpenAIConfig,
    OpenAIServerError,
)
from prover.generators.prompting import PromptTemplate  # noqa: E402
from prover.engines.scheduler import SchedulerConfig  # noqa: E402
from prover.serve.completions import CompletionsService  # noqa: E402
from prover.serve.server import make_server  # noqa: E402

COQ = PromptTemplate.for_backend("coq")
GREEDY = SamplingParams(temperature=0.0, max_new_tokens=10, stop=COQ.stop)
GOAL = "x, y : R\nh : x = 2\n============================\nx + y = y + 2"


@pytest.fixture(scope="module")
def server(tiny_engine):
    """The ``hf`` engine served on an ephemeral loopback port."""
    service = CompletionsService(tiny_engine, "tiny", SchedulerConfig(max_batch_size=64, max_wait_ms=100))
    http = make_server(service, "127.0.0.1", 0)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield service, f"http://127.0.0.1:{http.server_port}/v1"
    http.shutdown()
    http.server_close()
    service.close()  # the hf engine stays usable: close only drops its cached KV tensors


def test_client_gets_the_engines_samples_and_logprobs(server, tiny_engine) -> None:
    _, api_base = server
    client = OpenAICompletionsClient("tiny", GREEDY, OpenAIConfig(api_base=api_base))
    samples = client.sample(COQ.render(GOAL), 3)
    client.close()
    direct = tiny_engine.sample([Request(COQ.render(GOAL), 1)], GREEDY)[0][0]
    assert len(samples) == 3
    for sample in samples:
        assert "\n---" not in sample.text  # the server cuts at the stop sequence, as OpenAI does
        assert direct.text.startswith(sample.text)
        assert sample.logprob == pytest.approx(direct.logprob, abs=1e-4)
        assert len(sample.token_logprobs) == len(sample.tokens) > 0


def test_the_wire_format_is_openais(server) -> None:
    _, api_base = server
    body = {"model": "tiny", "prompt": [COQ.render(GOAL), COQ.render("⊢ True")], "n": 2, "max_tokens": 4, "logprobs": 1}
    payload = httpx.post(f"{api_base}/completions", json=body, timeout=60).json()
    assert payload["object"] == "text_completion"
    assert [c["index"] for c in payload["choices"]] == [0, 1, 2, 3]
    for choice in payload["choices"]:
        assert set(choice["logprobs"]) == {"tokens", "token_logprobs", "top_logprobs", "text_offset"}
        assert choice["finish_reason"] in ("stop", "length")
    assert httpx.get(f"{api_base}/models", timeout=10).json()["data"][0]["id"] == "tiny"
    assert httpx.post(f"{api_base}/nowhere", json={}, timeout=10).status_code == 404


def test_async_requests_are_batched_on_the_server(server) -> None:
    service, api_base = server
    client = OpenAICompletionsClient("tiny", GREEDY, OpenAIConfig(api_base=api_base))
    before = len(service.scheduler.stats.batch_requests)

    async def main():
        return await asyncio.gather(*(client.asample(COQ.render(f"⊢ {i} = {i}"), 2) for i in range(6)))

    results = asyncio.run(main())
    client.close()
    assert [len(r) for r in results] == [2] * 6
    assert max(service.scheduler.stats.batch_requests[before:]) > 1


def test_the_openai_engine_is_a_tactic_generator(server) -> None:
    _, api_base = server
    config = ModelConfig("tiny", "openai", SamplingParams(max_new_tokens=10), engine_options=OpenAIConfig(api_base=api_base))
    generator = build_model_generator(config, "coq")
    suggestions = generator.generate(GOAL, 16)
    generator.close()
    assert 1 <= len(suggestions) <= 16
    assert all(s.tactic.endswith(".") and s.logprob < 0 for s in suggestions)


def test_unreachable_server_fails_after_retries() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = OpenAIConfig(api_base=f"http://127.0.0.1:{port}/v1", retries=2, backoff_s=0.01, connect_timeout_s=1)
    client = OpenAICompletionsClient("tiny", GREEDY, config)
    with pytest.raises(OpenAIServerError, match="completions"):
        client.sample("x", 1)
    with pytest.raises(OpenAIServerError):
        asyncio.run(client.asample("x", 1))
    client.close()


def test_server_errors_are_answered_as_http_errors(server) -> None:
    _, api_base = server
    for body in ({"prompt": "x", "n": "many"}, {"prompt": "x", "n": 0}, {"prompt": []}):
        bad = httpx.post(f"{api_base}/completions", json=body, timeout=10)
        assert bad.status_code == 400
        assert "error" in bad.json()
    assert httpx.post(f"{api_base}/completions", content=b"{not json", timeout=10).status_code == 400


def test_prove_serve_serves_a_local_model(tiny_model_dir) -> None:
    """``prove serve`` in its own process answers the openai client; ^C stops it cleanly."""
    import signal
    import subprocess
    import sys

    command = [sys.executable, "-m", "prover", "serve", "--model", str(tiny_model_dir), "--port", "0", "--seed", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith(f"serving {tiny_model_dir} on http://127.0.0.1:"), line
        api_base = line.split(" on ", 1)[1].strip()
        client = OpenAICompletionsClient("tiny", GREEDY, OpenAIConfig(api_base=api_base, timeout_s=60))
        samples = client.sample(COQ.render(GOAL), 2)
        client.close()
        assert len(samples) == 2 and all(s.logprob < 0 and s.tokens for s in samples)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=90) == 0
    finally:
        process.kill()
        process.wait()


def test_clients_with_many_sampling_settings_start_no_threads(server) -> None:
    """One scheduler serves every setting: the server's thread count does not grow with them."""
    _, api_base = server
    body = {"model": "tiny", "prompt": COQ.render(GOAL), "n": 1, "max_tokens": 2}
    httpx.post(f"{api_base}/completions", json=body, timeout=60).raise_for_status()
    before = threading.active_count()
    for i in range(8):
        response = httpx.post(f"{api_base}/completions", json={**body, "temperature": 0.1 * (i + 1)}, timeout=60)
        assert response.status_code == 200 and len(response.json()["choices"]) == 1
    assert threading.active_count() <= before
