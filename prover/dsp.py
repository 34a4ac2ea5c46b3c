"""Draft, Sketch, Prove (Jiang et al., 2023): an informal proof made a formal sketch, its gaps closed by automation.

A *sketch* is a formal proof of the problem's statement in which some steps are *gaps*
(the backend's gap marker: Coq ``admit.``, Lean ``sorry``), or hold gaps inside them (Lean:
``have h : P := by sorry``; see :meth:`~prover.env.ProofEnv.sketch_step`). :func:`prove_sketch` replays
the sketch step by step from the statement's initial state in the backend's
:class:`~prover.env.ProofEnv`. At each gap it tries the backend's gap tactics (Coq: ``lia``,
``lra``, ``nia``, ..., ``sauto``), in order, on the gap's goal; a tactic *closes* the gap
when the proof is done after it or fewer goals are left than before it. Where no gap
tactic closes it, a short best-first search from the gap's state with the run's tactic
source tries to, under the same rule. The sketch's other steps must run as written. The
proof that comes out (the sketch with every gap replaced) is then judged by the backend's
own fresh-process re-check, the check every benchmark proof gets: a gap marker can never
be in it, since the re-check refuses ``admit``/``sorry``.

A sketch that states another theorem, or puts anything but the header's own imports before
the statement, is refused before anything runs (``ProofEnv.sketch_steps``).
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from prover.env import Problem, ProofEnv, Proved, State, StepResult, TacticError, Timeout
from prover.generators.base import TacticGenerator
from prover.search import NodeStatus, SearchConfig, search


@dataclass(frozen=True)
class DspConfig:
    """``--mode dsp``: where sketches come from, how many per problem, and how hard a gap is searched."""

    informal: str = "human"  #: the informal proof a model sketches from: the dataset's ("human") or its own draft ("model")
    attempts: int = 1  #: sketches tried per problem, until one is verified
    sketches: str | None = None  #: a JSONL file of sketches by problem name, instead of a model
    gap_budget: int = 8  #: expansions of the search that closes a gap no gap tactic closes (0: none)
    max_sketch_tokens: int = 768  #: longest sketch (or draft) a model may write, in tokens


class SketchStatus(str, Enum):
    """How one sketch ended (a ``str``: results files hold the value)."""

    VERIFIED = "verified"  #: every gap closed and the re-check accepted the proof
    REFUSED = "refused"  #: the sketch changes the statement or adds to the header; nothing ran
    STEP_FAILED = "step failed"  #: a step of the sketch itself (not a gap) failed
    GAP_OPEN = "gap open"  #: no gap tactic and no search closed a gap
    UNFINISHED = "unfinished"  #: every step ran, but goals were left at the end
    REJECTED = "rejected"  #: the re-check refused the proof


@dataclass
class GapResult:
    """One gap: where it is in the sketch, its goal, and what closed it (empty ``proof``: nothing)."""

    step: int  #: index of the gap among the sketch's steps
    goal: str  #: the goal state at the gap, as the generators see it
    proof: list[str] = field(default_factory=list)  #: what replaces the gap marker
    closed_by: str = ""  #: "tactic", "search", or "" when open
    seconds: float = 0.0

    def record(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {"step": self.step, "goal": self.goal[:2000], "proof": self.proof, "closed_by": self.closed_by,
                "seconds": round(self.seconds, 2)}


@dataclass
class SketchAttempt:
    """One sketch's outcome: its status and why, its gaps, and the proof it became."""

    sketch: str
    status: SketchStatus
    detail: str = ""
    gaps: list[GapResult] = field(default_factory=list)
    proof: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def verified(self) -> bool:
        """The re-check accepted this sketch's proof."""
        return self.status is SketchStatus.VERIFIED

    def record(self) -> dict[str, Any]:
        """JSON-ready data (the results record keeps one per attempt)."""
        return {"sketch": self.sketch, "status": self.status.value, "detail": self.detail,
                "gaps": [gap.record() for gap in self.gaps], "proof": self.proof, "seconds": round(self.seconds, 2)}


def closes_gap(before: State, result: StepResult) -> bool:
    """Whether ``result`` (a step from ``before``) closed the goal ``before`` focused on."""
    if isinstance(result, (TacticError, Timeout)):
        return False
    return isinstance(result, Proved) or len(result.state.goals) < len(before.goals)


class _GapEnv:
    """``env`` seen from a gap: a step that closes the gap's goal counts as a finished proof.

    So the ordinary search, started at the gap's state, ends as soon as the gap is closed;
    the states it reaches stay ``env``'s, to go on from.
    """

    def __init__(self, env: ProofEnv, gap: State) -> None:
        self.env, self.gap = env, gap
        self.states: dict[int, State] = {gap.id: gap}
        self.finished: set[int] = set()  #: states in which ``env`` itself says the whole proof is done

    def step(self, state_id: int, tactic: str) -> StepResult:
        result = self.env.step(state_id, tactic)
        if isinstance(result, (TacticError, Timeout)):
            return result
        self.states[result.state.id] = result.state
        if isinstance(result, Proved):
            self.finished.add(result.state.id)
        return Proved(result.state) if closes_gap(self.gap, result) else result


def close_gap(env: ProofEnv, problem: Problem, state: State, step: int, generator: TacticGenerator | None,
              config: SearchConfig) -> tuple[GapResult, State | None, bool]:
    """Close the gap at ``state``: the backend's gap tactics in order, then a search of ``config.budget`` expansions.

    Returns the gap's result, the state after it (None when it stays open), and whether
    that state ends the whole proof.
    """
    started = time.monotonic()
    gap = GapResult(step, state.render())
    tried: set[str] = set()
    for listed in type(env).gap_tactics():
        for tactic in env.gap_candidates(state.id, listed):
            if tactic in tried:
                continue
            tried.add(tactic)
            result = env.step(state.id, tactic)
            if closes_gap(state, result):
                gap.proof, gap.closed_by, gap.seconds = [tactic], "tactic", time.monotonic() - started
                assert not isinstance(result, (TacticError, Timeout))
                return gap, result.state, isinstance(result, Proved)
    if generator is not None and config.budget > 0:
        view = _GapEnv(env, state)
        found = search(problem, view, generator, dataclasses.replace(config, automation_first=False),  # type: ignore[arg-type]
                       start=state)
        if found.proved:
            end = next(node for node, status in found.graph.nodes(data="status") if status == NodeStatus.PROVED)
            gap.proof, gap.closed_by, gap.seconds = found.proof, "search", time.monotonic() - started
            return gap, view.states[end], end in view.finished
    gap.seconds = time.monotonic() - started
    return gap, None, False


def prove_sketch(problem: Problem, env: ProofEnv, sketch: str, generator: TacticGenerator | None = None,
                 gap_search: SearchConfig = SearchConfig(budget=DspConfig.gap_budget, time_limit=60.0)) -> SketchAttempt:
    """Replay ``sketch`` for ``problem`` in ``env``, closing its gaps, and re-check the proof it becomes."""
    started = time.monotonic()
    attempt = SketchAttempt(sketch, SketchStatus.REFUSED)
    steps, refusal = type(env).sketch_steps(problem, sketch)
    if refusal:
        attempt.detail = refusal
    else:
        _replay(problem, env, steps, generator, gap_search, attempt)
    attempt.seconds = time.monotonic() - started
    return attempt


def _replay(problem: Problem, env: ProofEnv, steps: list[str], generator: TacticGenerator | None,
            gap_search: SearchConfig, attempt: SketchAttempt) -> None:
    """Run ``steps`` (gaps closed as they come), then the re-check; fill ``attempt``."""
    state = env.open(problem)
    done = False
    for index, step in enumerate(steps):
        if type(env).is_gap(step):
            gap, after, done = close_gap(env, problem, state, index, generator, gap_search)
            attempt.gaps.append(gap)
            if after is None:
                attempt.status, attempt.detail = SketchStatus.GAP_OPEN, f"gap {len(attempt.gaps)} (step {index + 1}) stays open: {_first_line(gap.goal)}"
                return
            attempt.proof += gap.proof
            state = after
            continue
        result, inner = env.sketch_step(state.id, step)
        if isinstance(result, (TacticError, Timeout)):
            why = result.message if isinstance(result, TacticError) else f"timed out after {result.seconds:g} s"
            attempt.status, attempt.detail = SketchStatus.STEP_FAILED, f"step {index + 1} {step!r} failed: {why}"[:1000]
            return
        proofs = []
        for gap_state in inner:
            gap, after, _ = close_gap(env, problem, gap_state, index, generator, gap_search)
            attempt.gaps.append(gap)
            if after is None:
                attempt.status, attempt.detail = SketchStatus.GAP_OPEN, f"gap {len(attempt.gaps)} (in step {index + 1}) stays open: {_first_line(gap.goal)}"
                return
            proofs.append(gap.proof)
        attempt.proof.append(type(env).fill_gaps(step, proofs) if inner else step)
        state, done = result.state, isinstance(result, Proved)
    if not done:
        attempt.status, attempt.detail = SketchStatus.UNFINISHED, f"goals left after the last step: {_first_line(state.render())}"
        return
    verdict = env.verify(problem, attempt.proof)
    attempt.status = SketchStatus.VERIFIED if verdict.ok else SketchStatus.REJECTED
    attempt.detail = verdict.reason


def after_statement(sketch: str, statement: str) -> str:
    """``sketch`` after the characters that spell ``statement`` at its start, whitespace aside ("" if too short)."""
    wanted, seen = len("".join(statement.split())), 0
    for index, char in enumerate(sketch):
        if seen == wanted:
            return sketch[index:]
        if not char.isspace():
            seen += 1
    return ""


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else text[:200]


def load_sketches(path: str | Path) -> dict[str, list[str]]:
    """``--sketches FILE``: JSONL lines ``{"name": ..., "sketch": ...}``, several lines per name for several attempts."""
    sketches: dict[str, list[str]] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not JSON: {error}") from None
        if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not isinstance(data.get("sketch"), str):
            raise ValueError(f'{path}:{number}: a sketch line is {{"name": "...", "sketch": "..."}}')
        sketches.setdefault(data["name"], []).append(data["sketch"])
    return sketches
