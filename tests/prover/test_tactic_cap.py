"""A tactic longer than ``max_tactic_chars`` is a failed step that never reaches the prover."""

import json
import subprocess
import sys
import time

import pytest

from prover.entrypoints.cli import build_parser, config_from_args
from prover.generators.replay import ReplayGenerator
from prover.search import SearchConfig, search
from tests.conftest import coq_problem, requires_coq

CONJ = coq_problem("conj", "Theorem conj : forall (n : nat) (x : R), (n + 0 = n)%nat /\\ x + 0 = x.")
#: A valid Coq tactic of 7,006 characters (it does what `intros` does).
LONG = "idtac; " * 1000 + "intros"


def _stepped(env, monkeypatch) -> list[str]:
    """The tactics that reach ``env.step`` from now on."""
    sent: list[str] = []
    step = env.step
    monkeypatch.setattr(env, "step", lambda state, tactic: sent.append(tactic) or step(state, tactic))
    return sent


@requires_coq
def test_an_over_long_tactic_is_a_failed_step_with_its_reason(coq_env, monkeypatch):
    sent = _stepped(coq_env, monkeypatch)
    generator = ReplayGenerator([LONG, "intros", "split", "lia", "lra"])
    result = search(CONJ, coq_env, generator, SearchConfig(budget=10),
                    accept=lambda proof: coq_env.verify(CONJ, proof))
    assert result.proved and result.verdict.ok and LONG not in result.proof
    assert LONG not in sent and "intros" in sent
    root = result.graph.nodes[0]
    refused = [e for e in root["errors"] if "over the limit" in e["error"]]
    assert refused == [{"tactic": LONG[:200], "error": "tactic of 7,006 characters is over the limit of 4,096 (max_tactic_chars)"}]
    assert root["failures"] == len(root["errors"])


@requires_coq
def test_a_raised_limit_lets_the_long_tactic_through(coq_env, monkeypatch):
    sent = _stepped(coq_env, monkeypatch)
    result = search(CONJ, coq_env, ReplayGenerator([LONG, "split", "lia", "lra"]),
                    SearchConfig(budget=10, max_tactic_chars=10_000), accept=lambda proof: coq_env.verify(CONJ, proof))
    assert LONG in sent and result.proved and result.verdict.ok
    assert any(edge["tactic"] == LONG for _, _, edge in result.graph.out_edges(0, data=True))
    assert not any("over the limit" in e["error"] for e in result.graph.nodes[0].get("errors", []))


def test_the_limit_is_a_cli_option():
    assert config_from_args(build_parser().parse_args([])).search.max_tactic_chars == SearchConfig().max_tactic_chars
    config = config_from_args(build_parser().parse_args(["--max-tactic-chars", "100"]))
    assert config.search.max_tactic_chars == 100


@requires_coq
@pytest.mark.timeout(300)
def test_a_replay_run_with_a_140_kB_line_proves_its_problem_in_seconds(tmp_path):
    # The acceptance run of issue 13: this line stalled a whole run for over 400 s.
    tactics = tmp_path / "tactics.txt"
    tactics.write_text("idtac; " * 20_000 + "intros\nintros.\nlra.\n", encoding="utf-8")
    assert len(tactics.read_text().splitlines()[0]) > 140_000
    out, graphs = tmp_path / "results.jsonl", tmp_path / "graphs"
    command = [sys.executable, "-m", "prover", "--benchmark", "minif2f", "--problems", "mathd_algebra_107",
               "--generator", "replay", "--tactics", str(tactics), "--workers", "1", "--out", str(out),
               "--graphs-dir", str(graphs)]
    started = time.monotonic()
    subprocess.run(command, check=True, capture_output=True, timeout=240)
    assert time.monotonic() - started < 60  # about 5 s: a coqtop start, a search, a coqc re-check
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["name"] == "mathd_algebra_107" and record["verified"] and record["proof"] == ["intros.", "lra."]
    (graph_file,) = graphs.iterdir()
    root = json.loads(graph_file.read_text())["nodes"][0]
    assert any("over the limit" in error["error"] for error in root["errors"])
