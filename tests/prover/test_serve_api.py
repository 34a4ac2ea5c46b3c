"""``prove serve``'s Lean Copilot API (/generate, /encode) and /prove, over HTTP on loopback.

The servers run as ``prove serve`` subprocesses, as users start them; a few limits are
checked on the application in process (``build_app`` with a stand-in tactic source).
"""

from __future__ import annotations

import asyncio
import math
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("uvicorn", reason="prove serve needs the serve extra (pip install -e '.[serve]')")
httpx = pytest.importorskip("httpx", reason="the tests call the server with httpx")

from prover.entrypoints.serve import main  # noqa: E402
from prover.env import Goal, Problem, ProofEnv, State, TacticError, Verdict  # noqa: E402
from prover.generators.base import Suggestion, TacticGenerator  # noqa: E402
from prover.serve.app import Services, build_app  # noqa: E402
from prover.serve.config import HTTPLimits, ProveLimits  # noqa: E402
from prover.serve.proving import EnvPool, ProveService  # noqa: E402
from prover.serve.schemas import ApiError  # noqa: E402
from tests.conftest import requires_coq  # noqa: E402

GOAL = "n : nat\n============================\nn + 0 = n"
#: Small limits, so that the oversized requests stay small.
LIMITS = ["--max-input-chars", "2000", "--max-body-bytes", "20000"]


@contextmanager
def serving(*options: str) -> Iterator[str]:
    """``prove serve --port 0 OPTIONS`` in its own process; yields its root URL, then stops it with ^C."""
    command = [sys.executable, "-m", "prover", "serve", "--port", "0", *options]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("serving ") and " on http://127.0.0.1:" in line, line
        yield line.split(" on ", 1)[1].strip().removesuffix("/v1")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def portfolio_server() -> Iterator[str]:
    """The no-model server: the Coq portfolio, small input limits."""
    with serving("--generator", "portfolio", *LIMITS) as url:
        yield url


def post(url: str, route: str, body: dict | None = None, content: bytes | None = None, timeout: float = 60) -> httpx.Response:
    """POST ``body`` as JSON (or raw ``content``) to ``url + route``."""
    return httpx.post(url + route, json=body, content=content, timeout=timeout)


def test_generate_without_a_model_proposes_the_portfolio_best_first(portfolio_server: str) -> None:
    response = post(portfolio_server, "/generate", {"name": "portfolio", "input": GOAL, "prefix": ""})
    assert response.status_code == 200
    outputs = response.json()["outputs"]
    assert 1 <= len(outputs) <= 16 and {"output", "score"} == set(outputs[0])
    scores = [o["score"] for o in outputs]
    assert scores == sorted(scores, reverse=True) and "lia" in [o["output"] for o in outputs]
    prefixed = post(portfolio_server, "/generate", {"name": "portfolio", "input": GOAL, "prefix": "ri"}).json()["outputs"]
    assert prefixed and all(o["output"].startswith("ri") for o in prefixed)


def test_encode_without_a_model_is_a_deterministic_unit_vector(portfolio_server: str) -> None:
    def encode(text: str) -> list[float]:
        response = post(portfolio_server, "/encode", {"name": "portfolio", "input": text})
        assert response.status_code == 200
        return response.json()["outputs"]

    vector = encode(GOAL)
    assert len(vector) == 256 and math.isclose(sum(x * x for x in vector), 1.0)
    assert encode(GOAL) == vector
    alike = encode("n : nat\nh : n = 1\n============================\nn + 0 = n")  # one more hypothesis
    other = encode("x : R\n============================\nsin x <= 1")
    cosine = lambda a, b: sum(x * y for x, y in zip(a, b))  # noqa: E731
    assert cosine(vector, alike) > 0.5 > cosine(vector, other)


def prove(url: str, statement: str, budget: int) -> dict:
    """``/prove`` of a Coq ``statement`` with no header; the answer, which must be a 200."""
    response = post(url, "/prove", {"backend": "coq", "header": "", "statement": statement, "budget": budget}, timeout=120)
    assert response.status_code == 200, response.text
    return response.json()


@requires_coq
def test_prove_finds_a_proof_the_recheck_accepts(portfolio_server: str) -> None:
    answer = prove(portfolio_server, "Theorem t : 1 + 1 = 2.", 10)
    assert answer["proved"] is True and answer["proof"] and "accepted" in answer["verdict"]


@requires_coq
def test_prove_within_a_tiny_budget_says_why_not(portfolio_server: str) -> None:
    answer = prove(portfolio_server, "Theorem u : forall n : nat, n = 0.", 1)
    assert answer["proved"] is False and "budget" in answer["reason"] and "proof" not in answer


def test_bad_requests_get_json_errors_and_the_server_answers_on(portfolio_server: str) -> None:
    valid = {"name": "portfolio", "input": GOAL}
    bad = [
        ("/generate", None, b"{not json", 400),
        ("/generate", None, b"\xff\xfe garbage \x00", 400),
        ("/generate", {**valid, "name": "llemma"}, None, 404),  # not the served name
        ("/encode", {**valid, "name": "llemma"}, None, 404),
        ("/generate", {**valid, "input": "x" * 3000}, None, 413),  # over --max-input-chars
        ("/generate", None, b'{"name": "portfolio", "input": "' + b"x" * 30000 + b'"}', 413),  # over --max-body-bytes
        ("/generate", {"name": "portfolio"}, None, 400),  # input missing
        ("/generate", {"name": "portfolio", "input": 7}, None, 400),  # input not a string
        ("/generate", ["portfolio", GOAL], None, 400),  # not an object
        ("/prove", {"header": ""}, None, 400),  # statement missing
        ("/prove", {"statement": "Theorem t : True.", "budget": "ten"}, None, 400),
        ("/prove", {"statement": "Theorem t : True.", "budget": 10**6}, None, 400),  # over --max-budget
        ("/prove", {"statement": "Theorem t : True", "budget": 1}, None, 400),  # no final period
        ("/prove", {"statement": "Theorem t : True.", "backend": "hol"}, None, 400),
        ("/v1/completions", {"prompt": "x"}, None, 404),  # no model is served
        ("/nowhere", valid, None, 404),
    ]
    for route, body, content, status in bad:
        response = post(portfolio_server, route, body, content)
        assert response.status_code == status, (route, body, response.text)
        error = response.json()["error"]
        assert error["message"] and error["type"], error
    host, port = portfolio_server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:  # not even HTTP
        raw.sendall(b"\x00\x01 garbage \xff\r\n\r\n")
        assert raw.recv(1024).startswith(b"HTTP/1.1 400")
    assert httpx.get(portfolio_server + "/generate", timeout=10).status_code == 405
    assert httpx.get(portfolio_server + "/v1/models", timeout=10).json() == {"object": "list", "data": []}
    assert post(portfolio_server, "/generate", valid).status_code == 200


class _SlowTactics:
    """A tactic source that takes its time."""

    name = "slow"

    async def generate(self, backend: str, goal: str, k: int, prefix: str = "") -> list[Suggestion]:
        await asyncio.sleep(5)
        return [Suggestion("auto.", -1.0)]


def test_a_request_over_the_timeout_is_answered_504() -> None:
    from starlette.testclient import TestClient

    app = build_app(Services(tactics=_SlowTactics(), name="slow"), HTTPLimits(request_timeout=0.2))
    with TestClient(app) as client:
        response = client.post("/generate", json={"name": "slow", "input": GOAL})
        assert response.status_code == 504 and response.json()["error"]["type"] == "timeout_error"
        assert client.post("/encode", json={"name": "slow", "input": GOAL}).status_code == 200


def test_a_tactic_source_that_cannot_be_built_is_refused_at_start(capsys: pytest.CaptureFixture) -> None:
    assert main(["--generator", "knn", "--port", "0"]) == 2
    assert "--steps" in capsys.readouterr().err


def test_with_a_model_generate_and_encode_answer_lean_copilot(tiny_model_dir: Path) -> None:
    """The model mode: /generate samples the model (a prefix continues its prompt), /encode its hidden states."""
    pytest.importorskip("torch", reason="the model runs on the hf engine")
    name = str(tiny_model_dir)
    with serving("--model", name, "--seed", "0", "--max-new-tokens", "12", *LIMITS) as url:
        response = post(url, "/generate", {"name": name, "input": GOAL, "prefix": ""})
        assert response.status_code == 200, response.text
        outputs = response.json()["outputs"]
        assert outputs and all(o["output"].endswith(".") and o["score"] < 0 for o in outputs)
        scores = [o["score"] for o in outputs]
        assert scores == sorted(scores, reverse=True)
        prefixed = post(url, "/generate", {"name": name, "input": GOAL, "prefix": "intro"}).json()["outputs"]
        assert prefixed and all(o["output"].startswith("intro") for o in prefixed)
        vector = post(url, "/encode", {"name": name, "input": GOAL}).json()["outputs"]
        assert len(vector) > 8 and all(math.isfinite(x) for x in vector)
        assert post(url, "/encode", {"name": name, "input": GOAL}).json()["outputs"] == pytest.approx(vector, abs=1e-5)
        assert post(url, "/generate", {"name": "portfolio", "input": GOAL}).status_code == 404
        assert post(url, "/encode", {"name": name, "input": GOAL * 200}).status_code == 413
        assert post(url, "/generate", {"name": name, "input": GOAL}).status_code == 200


class _BlockedTactics(TacticGenerator):
    """Proposes nothing, once ``release`` is set."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def generate(self, goal: str, k: int) -> list[Suggestion]:
        self.release.wait(10)
        return []


class _NoProver(ProofEnv):
    """A prover with one state and no tactics that work."""

    def open(self, problem: Problem) -> State:
        return State(0, (Goal((), "True"),))

    def step(self, state_id: int, tactic: str) -> TacticError:
        return TacticError("no")

    def verify(self, problem: Problem, proof: list[str]) -> Verdict:
        return Verdict(False, "no")

    def close(self) -> None:
        pass


def test_searches_beyond_the_slots_and_the_queue_are_refused_503() -> None:
    tactics = _BlockedTactics()
    service = ProveService(lambda backend: tactics, "coq", limits=ProveLimits(max_searches=1, max_queued=0))
    service.envs = EnvPool(lambda backend: _NoProver())
    backend, problem = service.problem("Theorem t : True.", "", None)

    async def two_at_once() -> tuple[object, object]:
        first = asyncio.ensure_future(service.prove(backend, problem, service.config(5, None, 60)))
        await asyncio.sleep(0.1)
        try:
            await service.prove(backend, problem, service.config(5, None, 60))
        except ApiError as error:
            refused = error
        tactics.release.set()
        return refused, await first

    refused, answer = asyncio.run(two_at_once())
    service.close()
    assert isinstance(refused, ApiError) and refused.status == 503 and refused.kind == "server_busy"
    assert answer.proved is False and "exhausted" in answer.reason
