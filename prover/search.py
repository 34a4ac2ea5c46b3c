"""Proof search over one problem: best-first by default, or another strategy.

Nodes are proof states, edges are tactics. The frontier is ordered by the
cumulative log-probability of the tactics on the path from the root (higher is
better), unless ``strategy`` picks another order (:mod:`prover.strategies`:
normalized by depth, breadth-first, beam); the rest below is the same for all.
Each *expansion* asks the generator for ``samples`` tactics for the
node's goals and runs each one in the environment; ``budget`` bounds the
number of expansions (model queries) per theorem. When nothing is left to
expand before the budget is spent, ``widen`` rounds re-open the expanded
nodes: each is asked again for twice the tactics it last asked for, and
runs those it has not run yet (a fixed tactic list at its end gives none,
and a sampling model new samples). States whose goals are
identical to a state already seen are merged: the new edge points at the old
node and nothing new is queued. The search graph is a networkx ``DiGraph``.

When a step reports ``Proved``, the path is offered to ``accept`` (the
runner passes the backend's fresh-process re-check); a rejected path is
marked and the search goes on. The search's own "no goals left" never makes a
result verified: :attr:`SearchResult.proved` says the search *found* a path
that closed every goal, :attr:`SearchResult.verified` that ``accept`` accepted
one (a results record's ``proved`` and ``verified`` mean the same).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Callable

import networkx as nx

from prover.env import Problem, ProofEnv, Progress, Proved, State, StepResult, TacticError, Timeout, Verdict
from prover.generators.base import Suggestion, TacticGenerator
from prover.strategies import DEFAULT_STRATEGY, STRATEGIES, Frontier, make_frontier


@dataclass(frozen=True)
class SearchConfig:
    """Limits of one proof search."""

    budget: int = 100  #: node expansions (model queries) per theorem
    samples: int = 16  #: tactics requested per expansion
    max_depth: int = 32  #: tactics on a path, at most
    time_limit: float = 120.0  #: wall-clock seconds per theorem
    #: longest tactic, in characters, sent to the prover; a longer one is a failed step
    max_tactic_chars: int = 4096
    #: try the backend's combined automation tactic (``--generator automation``'s one tactic) on the
    #: root goal before the generator's, so the search proves at least what automation alone does
    automation_first: bool = False
    #: the order nodes are expanded in, one of :data:`prover.strategies.STRATEGIES`
    strategy: str = DEFAULT_STRATEGY
    beam_width: int = 8  #: nodes kept per depth by the ``beam`` strategy
    #: rounds of widening when nothing is left to expand: each round asks every expanded node again
    #: for twice as many tactics as it last asked for, and runs the ones it has not run (0: none)
    widen: int = 0

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown --strategy {self.strategy!r}; known: {', '.join(STRATEGIES)}")


class NodeStatus(str, Enum):
    """A search-graph node's ``status`` attribute (a ``str``, so the graph's JSON is plain text)."""

    OPEN = "open"  #: queued, not expanded yet
    EXPANDED = "expanded"  #: the generator was asked for its tactics
    PROVED = "proved"  #: no goals left, and the path was accepted (or nothing checks paths)
    REJECTED = "rejected"  #: no goals left, but ``accept`` refused the path


class StopReason(str, Enum):
    """Why a search ended (a ``str``: results files hold the value)."""

    PROVED = "proved"  #: a path closed every goal and was accepted (or nothing checks paths)
    BUDGET = "budget"  #: ``budget`` expansions were spent
    TIME_LIMIT = "time limit"  #: ``time_limit`` seconds passed
    EXHAUSTED = "exhausted"  #: nothing left to expand


@dataclass
class SearchResult:
    """The outcome of one search; ``verdict`` is set only if a proof was offered for checking.

    ``proved``: the search found a path that closed every goal (the prover's own view, checked
    or not). ``verified``: ``accept``, the fresh-process re-check, accepted such a path; then
    ``proof`` is that path. With no ``accept``, the first path found ends the search and is the
    ``proof``, ``proved`` but not ``verified``. Paths found and refused are counted in
    ``rejected``; when every one was refused, ``proof`` is empty.
    """

    proved: bool
    proof: list[str]
    logprobs: list[float]
    expansions: int
    steps: int
    wall_time: float
    stop_reason: StopReason
    graph: nx.DiGraph = field(repr=False)
    verdict: Verdict | None = None
    rejected: int = 0  #: proofs the search found that the re-check refused
    verified: bool = False  #: ``accept`` accepted ``proof``

    def failure(self) -> str:
        """Why no proof was verified: the stop reason, and the last refusal of the re-check if any."""
        text = f"{self.stop_reason.value} after {self.expansions} expansions"
        if self.rejected and self.verdict is not None:
            text += f"; {self.rejected} proofs found were refused, the last: {self.verdict.reason}"
        return text

    def graph_json(self) -> dict:
        """The search graph in networkx node-link form, ready for ``json.dump``."""
        return nx.node_link_data(self.graph, edges="edges")

    def save_graph(self, path: Path) -> None:
        """Write the search graph as JSON to ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.graph_json(), ensure_ascii=False), encoding="utf-8")


Acceptor = Callable[[list[str]], Verdict]

#: How much of a failed tactic and of its error message a node keeps.
_KEPT_CHARS = 200


def search(
    problem: Problem,
    env: ProofEnv,
    generator: TacticGenerator,
    config: SearchConfig = SearchConfig(),
    accept: Acceptor | None = None,
    start: State | None = None,
) -> SearchResult:
    """Run the search ``config.strategy`` names for ``problem`` in ``env`` with tactics from ``generator``.

    The search starts from ``problem``'s initial state (``env.open``), or from ``start``, a
    state of the problem ``env`` has open already (an interactive session's current state):
    then the proof found is the tactics after ``start``, and ``accept`` gets those alone.
    """
    started = time.monotonic()
    root = env.open(problem) if start is None else start
    graph = nx.DiGraph()
    graph.add_node(root.id, goals=root.render(), score=0.0, depth=0, status=NodeStatus.OPEN)
    seen = {root.render(): root.id}
    frontier = make_frontier(config.strategy, config.beam_width)
    frontier.push(root.id, 0.0, 0)
    expansions = steps = rejected = widenings = 0
    last_verdict: Verdict | None = None
    tried: dict[int, set[str]] = {}  #: tactics run on each expanded node, so a widened one runs only new ones

    def finish(reason: StopReason, proof_node: int | None = None) -> SearchResult:
        proof, logprobs = _path(graph, root.id, proof_node) if proof_node is not None else ([], [])
        return SearchResult(
            proved=proof_node is not None or rejected > 0,
            proof=proof,
            logprobs=logprobs,
            expansions=expansions,
            steps=steps,
            wall_time=time.monotonic() - started,
            stop_reason=reason,
            graph=graph,
            verdict=last_verdict,
            rejected=rejected,
            verified=proof_node is not None and last_verdict is not None and last_verdict.ok,
        )

    while True:
        node = frontier.pop()
        if node is None:
            if widenings >= config.widen or not _reopen(graph, frontier, config.max_depth):
                break
            widenings += 1
            continue
        if expansions >= config.budget:
            return finish(StopReason.BUDGET)
        if time.monotonic() - started > config.time_limit:
            return finish(StopReason.TIME_LIMIT)
        attrs = graph.nodes[node]
        if attrs["depth"] >= config.max_depth:
            continue
        expansions += 1
        width = attrs["width"] * 2 if attrs["status"] == NodeStatus.EXPANDED else config.samples
        attrs["status"], attrs["width"] = NodeStatus.EXPANDED, width
        suggestions = generator.generate(attrs["goals"], width)
        attrs["more"] = len(suggestions) >= width  # fewer than asked for: the generator has no more to give
        if node == root.id and config.automation_first:
            suggestions = _automation_first(env, suggestions)
        for suggestion in _untried(suggestions, tried.setdefault(node, set())):
            if time.monotonic() - started > config.time_limit:
                return finish(StopReason.TIME_LIMIT)
            steps += 1
            result = checked_step(env, node, suggestion.tactic, config.max_tactic_chars)
            if isinstance(result, (TacticError, Timeout)):
                _record_failure(attrs, suggestion.tactic, result)
                continue
            score = attrs["score"] + suggestion.logprob
            state = result.state
            key = state.render() if isinstance(result, Progress) else f"proved:{state.id}"
            child = seen.get(key)
            if child is None:
                child = state.id
                seen[key] = child
                graph.add_node(child, goals=key, score=score, depth=attrs["depth"] + 1, status=NodeStatus.OPEN)
                graph.add_edge(node, child, tactic=suggestion.tactic, logprob=suggestion.logprob)
                if isinstance(result, Progress):
                    frontier.push(child, score, attrs["depth"] + 1)
            elif not graph.has_edge(node, child) and not nx.has_path(graph, child, node):
                graph.add_edge(node, child, tactic=suggestion.tactic, logprob=suggestion.logprob)
            if isinstance(result, Proved):
                proof, _ = _path(graph, root.id, child)
                if accept is None:
                    graph.nodes[child]["status"] = NodeStatus.PROVED
                    return finish(StopReason.PROVED, child)
                last_verdict = accept(proof)
                if last_verdict.ok:
                    graph.nodes[child]["status"] = NodeStatus.PROVED
                    return finish(StopReason.PROVED, child)
                graph.nodes[child]["status"] = NodeStatus.REJECTED
                rejected += 1
    return finish(StopReason.EXHAUSTED)


def _untried(suggestions: list[Suggestion], done: set[str]) -> list[Suggestion]:
    """The suggestions whose tactic is not in ``done`` (each once), added to ``done``."""
    fresh = []
    for suggestion in suggestions:
        if suggestion.tactic not in done:
            done.add(suggestion.tactic)
            fresh.append(suggestion)
    return fresh


def _reopen(graph: nx.DiGraph, frontier: Frontier, max_depth: int) -> bool:
    """Queue again, to be widened, every expanded node above ``max_depth`` whose generator gave all it was
    asked for last time (so it may have more); whether there was one."""
    reopened = False
    for node, attrs in graph.nodes(data=True):
        if attrs["status"] == NodeStatus.EXPANDED and attrs["depth"] < max_depth and attrs.get("more"):
            frontier.push(node, attrs["score"], attrs["depth"])
            reopened = True
    return reopened


def _automation_first(env: ProofEnv, suggestions: list[Suggestion]) -> list[Suggestion]:
    """``suggestions`` after the backend's automation tactic (prior log-probability 0), without a repeat of it."""
    automation = type(env).automation()
    if not automation:
        return suggestions
    return [Suggestion(automation, 0.0), *(s for s in suggestions if s.tactic != automation)]


def checked_step(env: ProofEnv, node: int, tactic: str, max_chars: int) -> StepResult:
    """``env.step``, unless the tactic is too long to send: then a failed step, at once."""
    if len(tactic) > max_chars:
        return TacticError(f"tactic of {len(tactic):,} characters is over the limit of {max_chars:,} (max_tactic_chars)")
    return env.step(node, tactic)


def _record_failure(attrs: dict, tactic: str, result: TacticError | Timeout) -> None:
    """Count a failed step on its node and keep why it failed (the tactic's start and the message)."""
    attrs["failures"] = attrs.get("failures", 0) + 1
    reason = result.message if isinstance(result, TacticError) else f"timed out after {result.seconds:g} s"
    attrs.setdefault("errors", []).append({"tactic": tactic[:_KEPT_CHARS], "error": reason[:_KEPT_CHARS]})


def _path(graph: nx.DiGraph, root: int, node: int) -> tuple[list[str], list[float]]:
    """Tactics and their log-probabilities along the tree path from ``root`` to ``node``.

    Each node's first incoming edge is the one that created it, so following
    those edges walks the path the search actually took.
    """
    tactics: list[str] = []
    logprobs: list[float] = []
    while node != root:
        parent = next(iter(graph.predecessors(node)))
        edge = graph.edges[parent, node]
        tactics.append(edge["tactic"])
        logprobs.append(edge["logprob"])
        node = parent
    return tactics[::-1], logprobs[::-1]
