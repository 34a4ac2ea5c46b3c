"""Best-first search against live Coq."""

import json

from prover.env import Proved
from prover.generators.portfolio import PortfolioGenerator
from prover.generators.replay import ReplayGenerator
from prover.search import NodeStatus, SearchConfig, StopReason, search
from tests.conftest import LOOP, coq_problem, requires_coq

pytestmark = requires_coq

CONJ = coq_problem("conj", "Theorem conj : forall (n : nat) (x : R), (n + 0 = n)%nat /\\ x + 0 = x.")
PORTFOLIO = [("intros", -0.1), ("lia", -0.5), ("lra", -0.6), ("split", -1.0)]


def test_no_single_tactic_closes_the_goal(coq_env):
    root = coq_env.open(CONJ)
    for tactic, _ in PORTFOLIO:
        assert not isinstance(coq_env.step(root.id, tactic), Proved), tactic


def test_search_finds_a_multi_step_proof_that_coqc_accepts(coq_env, tmp_path):
    result = search(CONJ, coq_env, PortfolioGenerator(PORTFOLIO), SearchConfig(budget=20, samples=4),
                    accept=lambda proof: coq_env.verify(CONJ, proof))
    assert result.proved and result.verified and result.verdict.ok and result.stop_reason is StopReason.PROVED
    assert len(result.proof) >= 3 and {"split", "lia", "lra"} <= set(result.proof)
    assert result.logprobs == [dict(PORTFOLIO)[tactic] for tactic in result.proof]
    assert coq_env.verify(CONJ, result.proof).ok
    result.save_graph(tmp_path / "graph.json")
    graph = json.loads((tmp_path / "graph.json").read_text())
    assert any(edge["tactic"] == "split" for edge in graph["edges"])
    statuses = {node["status"] for node in graph["nodes"]}  # plain strings in the JSON
    assert {"expanded", "proved"} <= statuses <= {status.value for status in NodeStatus}
    assert all(isinstance(status, NodeStatus) for _, status in result.graph.nodes(data="status"))


def test_identical_states_are_merged(coq_env):
    # `intros` from the root and `intros n` then `intros` reach the same goal: one node, two parents.
    generator = PortfolioGenerator([("intros n", -0.1), ("intros", -0.2)])
    result = search(CONJ, coq_env, generator, SearchConfig(budget=2, samples=2))
    graph = result.graph
    both = graph.nodes[next(n for n in graph.nodes if graph.in_degree(n) == 2)]
    assert "n : nat" in both["goals"] and "x : R" in both["goals"]
    assert graph.number_of_nodes() == 3 and graph.number_of_edges() == 3


def test_budget_counts_expansions(coq_env):
    generator = PortfolioGenerator([("intros", -0.1), ("idtac", -0.2), ("simpl", -0.3)])
    result = search(CONJ, coq_env, generator, SearchConfig(budget=1, samples=3))
    assert result.expansions == 1 and result.stop_reason is StopReason.BUDGET and result.steps == 3


def test_failures_and_a_hanging_tactic_leave_the_search_running(coq_env):
    tactics = [LOOP, "this is garbage ((", "intros", "split", "lia", "lra"]
    result = search(CONJ, coq_env, ReplayGenerator(tactics), SearchConfig(budget=10),
                    accept=lambda proof: coq_env.verify(CONJ, proof))
    assert result.proved and result.verdict.ok
    assert coq_env.restarts >= 1


def test_escape_tactics_never_yield_a_proof(coq_env):
    tactics = ["admit.", "Admitted.", "Abort.", "Axiom cheat : forall n x, (n + 0 = n)%nat /\\ x + 0 = x.",
               "apply cheat.", "Qed.", "Theorem conj2 : True.", "exact I.", "give_up.", "intros. admit.",
               "intros", "exact I."]
    result = search(CONJ, coq_env, ReplayGenerator(tactics), SearchConfig(budget=10, time_limit=60),
                    accept=lambda proof: coq_env.verify(CONJ, proof))
    assert not result.proved and not result.verified and result.proof == []


def test_a_proof_the_recheck_refuses_is_proved_but_not_verified(coq_env):
    # exact_no_check closes the goal in coqtop without typing the term; Qed in coqc refuses it.
    tactics = ["exact_no_check I"]
    result = search(CONJ, coq_env, ReplayGenerator(tactics), SearchConfig(budget=3),
                    accept=lambda proof: coq_env.verify(CONJ, proof))
    assert result.proved and not result.verified and result.rejected == 1 and result.proof == []
    assert result.stop_reason is StopReason.EXHAUSTED and not result.verdict.ok
    statuses = dict(result.graph.nodes(data="status"))
    assert sorted(statuses.values()) == [NodeStatus.EXPANDED, NodeStatus.REJECTED]
    unchecked = search(CONJ, coq_env, ReplayGenerator(tactics), SearchConfig(budget=3))
    assert unchecked.proved and not unchecked.verified and unchecked.proof == tactics


PROJ = coq_problem("proj", "Theorem proj : forall A B : Prop, A /\\ B -> B.")


def test_automation_first_tries_the_backend_automation_at_the_root_only(coq_env):
    generator = ReplayGenerator(["intros A B"])
    alone = search(PROJ, coq_env, generator, SearchConfig(budget=5))
    assert not alone.proved and alone.stop_reason is StopReason.EXHAUSTED
    automation = type(coq_env).automation()
    result = search(PROJ, coq_env, generator, SearchConfig(budget=5, automation_first=True),
                    accept=lambda proof: coq_env.verify(PROJ, proof))
    assert result.verified and result.proof == [automation] and result.expansions == 1
    # where automation fails at the root, the search goes on with the generator's tactics, and
    # never tries automation again below the root
    unprovable = coq_problem("hard", "Theorem hard : forall A B : Prop, A -> B.")
    failed = search(unprovable, coq_env, generator, SearchConfig(budget=5, automation_first=True))
    assert not failed.proved and failed.steps == 3 and failed.expansions == 2
    assert [tactic for _, _, tactic in failed.graph.edges(data="tactic")] == ["intros A B"]


def test_widening_asks_expanded_nodes_again_for_more_tactics_instead_of_ending_exhausted(coq_env):
    # Two tactics per expansion never reach `lra` and `split`: the search ends with nothing to expand.
    narrow = search(CONJ, coq_env, PortfolioGenerator(PORTFOLIO), SearchConfig(budget=30, samples=2),
                    accept=lambda proof: coq_env.verify(CONJ, proof))
    assert not narrow.proved and narrow.stop_reason is StopReason.EXHAUSTED
    wide = search(CONJ, coq_env, PortfolioGenerator(PORTFOLIO), SearchConfig(budget=30, samples=2, widen=3),
                  accept=lambda proof: coq_env.verify(CONJ, proof))
    assert wide.verified and {"split", "lra"} <= set(wide.proof), wide.failure()
    assert wide.expansions > narrow.expansions
    widened = [attrs for _, attrs in wide.graph.nodes(data=True) if attrs.get("width", 0) > 2]
    assert widened and all(attrs["status"] != NodeStatus.OPEN for attrs in widened)
    # A tactic list with nothing more to give is not asked again: the widening ends at once.
    spent = search(CONJ, coq_env, PortfolioGenerator(PORTFOLIO[:2]), SearchConfig(budget=30, samples=2, widen=5))
    again = search(CONJ, coq_env, PortfolioGenerator(PORTFOLIO[:2]), SearchConfig(budget=30, samples=2))
    assert spent.stop_reason is StopReason.EXHAUSTED and spent.expansions <= again.expansions + 2
