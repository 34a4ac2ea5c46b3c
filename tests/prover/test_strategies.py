"""Search strategies: the frontiers' orders, and the four strategies against live Coq."""

import json

import pytest

from prover.generators.portfolio import PortfolioGenerator
from prover.records import ResultRecord
from prover.results import ResultStore
from prover.run_config import ConfigMismatchError, RunConfig, check_results_config, fingerprint
from prover.search import SearchConfig, StopReason, search
from prover.strategies import STRATEGIES, make_frontier
from tests.conftest import coq_problem, requires_coq


def drain(frontier) -> list[int]:
    """Every node the frontier hands out, in order."""
    order = []
    while (node := frontier.pop()) is not None:
        order.append(node)
    return order


def test_frontier_orders() -> None:
    pushes = [(1, -0.5, 1), (2, -0.9, 3), (3, -0.2, 1), (4, -0.5, 1)]  # node, score, depth
    expected = {"best-first": [3, 1, 4, 2],  # by score, the tie 1/4 in push order
                "best-first-normalized": [3, 2, 1, 4],  # 2's mean is -0.3 per tactic
                "breadth-first": [1, 2, 3, 4]}
    for strategy, order in expected.items():
        frontier = make_frontier(strategy, 8)
        for push in pushes:
            frontier.push(*push)
        assert drain(frontier) == order, strategy


def test_beam_keeps_the_best_of_each_depth() -> None:
    beam = make_frontier("beam", 2)
    beam.push(0, 0.0, 0)
    assert beam.pop() == 0
    for node, score in [(1, -1.0), (2, -0.1), (3, -0.5)]:  # the root's children
        beam.push(node, score, 1)
    assert beam.pop() == 2  # best of depth 1; node 1 is dropped
    beam.push(20, -0.2, 2)  # a child of 2 waits until depth 1 is done
    assert beam.pop() == 3
    beam.push(30, -0.6, 2)
    assert drain(beam) == [20, 30]


def test_an_unknown_strategy_or_width_is_refused() -> None:
    with pytest.raises(ValueError, match="strategy"):
        SearchConfig(strategy="depth-first")
    with pytest.raises(ValueError, match="--beam-width"):
        RunConfig(search=SearchConfig(strategy="beam", beam_width=0))


def test_a_results_file_from_before_strategies_counts_as_best_first(tmp_path) -> None:
    old = fingerprint(RunConfig())
    for key in ("strategy", "beam_width"):
        del old["search"][key]  # what files written before --strategy existed record
    out = tmp_path / "old.jsonl"
    out.write_text(json.dumps(ResultRecord(name="p", split="test", config=old).to_json()) + "\n")
    with ResultStore(out) as store:
        check_results_config(store, RunConfig())  # best-first, width 8: the same runs as then
        with pytest.raises(ConfigMismatchError, match="search.strategy: 'best-first' in the file, 'beam' now"):
            check_results_config(store, RunConfig(search=SearchConfig(strategy="beam")))


#: One proof only: each tactic works at exactly one state of the path, so every strategy takes it.
PROJ = coq_problem("proj", "Theorem proj : forall A B : Prop, A /\\ B -> B.")
PROJ_TACTICS = [("intros A B H", -0.1), ("destruct H as [a b]", -0.2), ("exact b", -0.3)]


@requires_coq
def test_every_strategy_finds_the_one_short_proof_alike(coq_env) -> None:
    outcomes = set()
    for strategy in STRATEGIES:
        result = search(PROJ, coq_env, PortfolioGenerator(PROJ_TACTICS), SearchConfig(budget=10, strategy=strategy),
                        accept=lambda proof: coq_env.verify(PROJ, proof))
        assert result.verified, strategy
        outcomes.add((tuple(result.proof), result.expansions, result.steps))
    assert outcomes == {(("intros A B H", "destruct H as [a b]", "exact b"), 3, 9)}


#: ``intro`` (-0.3 each) walks a chain of 8 states S1..S8, one binder at a time, and leads nowhere:
#: at S8 (goal ``A /\ B``) nothing new comes. ``intros; split`` (-1.0) from the root or any Si reaches
#: the same state G (goals A and B; one merged node, depth 1), where ``assumption`` (-1.0) twice proves it.
CHAIN = coq_problem("chain", "Theorem chain : forall (A B : Prop) (a b c d : nat), A -> B -> A /\\ B.")
CHAIN_TACTICS = [("intro", -0.3), ("intros; split", -1.0), ("assumption", -1.0)]


@requires_coq
def test_strategies_differ_in_expansions_where_they_should(coq_env) -> None:
    def run(strategy: str, width: int = 8):
        return search(CHAIN, coq_env, PortfolioGenerator(CHAIN_TACTICS),
                      SearchConfig(budget=20, samples=3, strategy=strategy, beam_width=width),
                      accept=lambda proof: coq_env.verify(CHAIN, proof))

    proof = ["intros; split", "assumption", "assumption"]
    # best-first: root, S1 -0.3, S2 -0.6, S3 -0.9, G -1.0, S4 -1.2, S5 -1.5, S6 -1.8, then G's child
    # (-2.0) comes before S7 (-2.1) and closes the goal: 9 expansions.
    best = run("best-first")
    assert best.verified and best.proof == proof and best.expansions == 9
    # normalized: every Si scores -0.3 per tactic, G and its child -1.0: the whole chain first (root,
    # S1..S8), then G and its child: 11.
    normalized = run("best-first-normalized")
    assert normalized.verified and normalized.proof == proof and normalized.expansions == 11
    # breadth-first: root; depth 1: S1, G; depth 2: S2, then G's child closes it: 5.
    breadth = run("breadth-first")
    assert breadth.verified and breadth.proof == proof and breadth.expansions == 5
    # beam of width 1 keeps S1 (-0.3) over G (-1.0) and follows the chain to its dead end at S8.
    narrow = run("beam", 1)
    assert not narrow.proved and narrow.stop_reason is StopReason.EXHAUSTED and narrow.expansions == 9
    # width 2 keeps G as well: the same expansions as breadth-first here.
    wide = run("beam", 2)
    assert wide.verified and wide.proof == proof and wide.expansions == 5


def test_tactic_and_step_files_count_by_their_resolved_paths(tmp_path, monkeypatch) -> None:
    from prover.generators.factory import GeneratorConfig

    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "steps.jsonl").write_text("")
    (tmp_path / "link.jsonl").symlink_to(tmp_path / "data" / "steps.jsonl")

    def knn(steps: str) -> RunConfig:
        return RunConfig(generator=GeneratorConfig(name="knn", steps=steps))

    assert fingerprint(knn("data/steps.jsonl")) == fingerprint(knn("./data/../data/steps.jsonl")) == fingerprint(knn("link.jsonl"))
    assert fingerprint(knn("data/steps.jsonl"))["generator"]["steps"] == str(tmp_path / "data" / "steps.jsonl")
    old = fingerprint(knn("data/steps.jsonl"))
    old["generator"]["steps"] = "link.jsonl"  # what a file written before paths were resolved records
    out = tmp_path / "old.jsonl"
    out.write_text(json.dumps(ResultRecord(name="p", split="test", config=old).to_json()) + "\n")
    with ResultStore(out) as store:
        check_results_config(store, knn(str(tmp_path / "data" / "steps.jsonl")))  # the same file: resumes
        (tmp_path / "other.jsonl").write_text("")
        with pytest.raises(ConfigMismatchError, match="generator.steps"):
            check_results_config(store, knn("other.jsonl"))
