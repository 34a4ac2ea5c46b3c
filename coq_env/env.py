"""``CoqEnv``: the environment protocol over one reused coqtop process.

Every state the search has seen is a node with a parent and the sentences
that led to it. Coq's document is linear, so the session holds one path of
nodes at a time; stepping from another node goes ``BackTo`` the deepest node
the two paths share and replays only the sentences below it. A sibling at
depth 20 costs one ``BackTo`` and one tactic, not twenty tactics.

A tactic that runs past its limit kills coqtop; the env restarts it, reloads
the prelude, header and statement, and every known state stays reachable by
replay, so the search goes on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coq_env import sketches
from coq_env.goals import GoalDisplay, parse_display, parse_goal
from coq_env.loader import ProblemLoader
from coq_env.prelude import Prelude, PreludeChoice, default_prelude
from coq_env.sentences import SentenceError, split_sentences, tactic_sentences
from coq_env.session import CoqtopSession, SentenceTimeout
from coq_env.statements import parse_statement
from coq_env.verify import CoqVerifier
from prover.env import (
    Goal,
    Problem,
    ProblemSetupError,
    ProofEnv,
    Progress,
    Proved,
    ProverCrashError,
    State,
    StepResult,
    TacticError,
    Timeout,
    UnknownStateError,
    Verdict,
)

#: How coqtop starts an error message (goal lines are indented).
_COQ_ERROR = re.compile(r"^Error:", re.M)

#: Goals past this many are shown by target only (``Show i`` costs a round trip each).
MAX_FULL_GOALS = 8


__all__ = ["CoqEnv", "default_prelude"]


@dataclass
class _Node:
    parent: int | None
    sentences: tuple[str, ...]
    state: State
    depth: int


class CoqEnv(ProofEnv):
    """Coq 8.16 through ``coqtop -emacs``: one process, reused across problems.

    Needs ``coqtop`` and ``coqc`` on PATH (checked when constructed); ``timeout``
    is seconds per tactic, the class's :attr:`default_timeout` when None.
    """

    name = "coq"
    data_package = "coq_env.data"
    statement_field = "coq"
    prompt_name = "coq"
    default_timeout = 5.0  # what the measured miniF2F runs used (docs/benchmarks.md)
    version_command = ("coqc", "--version")

    def __init__(
        self,
        timeout: float | None = None,
        memory_limit_mb: int | None = 6144,
        coqtop: str = "coqtop",
        coqc: str = "coqc",
        prelude: str | None = None,
        verify_timeout: float = 120.0,
        setup_timeout: float = 120.0,
    ) -> None:
        self.timeout = self.resolve_timeout(timeout)
        self.setup_timeout = setup_timeout
        self.prelude = default_prelude() if prelude is None else prelude
        self.session = CoqtopSession(coqtop, memory_limit_mb=memory_limit_mb)
        self.verifier = CoqVerifier(coqc=coqc, prelude=self.prelude, timeout=verify_timeout)
        self.loader = ProblemLoader(self.session, Prelude(self.prelude), setup_timeout, self.timeout)
        self.restarts = 0
        self._problem: Problem | None = None
        self._choices: dict[tuple[str, str], PreludeChoice] = {}  # (header, statement) -> the prelude it loaded with
        self._nodes: dict[int, _Node] = {}
        self._path: list[tuple[int, int]] = []  # (node id, coq state) from the root down
        self._next_id = 0

    @classmethod
    def is_gap(cls, step: str) -> bool:
        """A sketch's gap marker is ``admit.`` (:mod:`coq_env.sketches`)."""
        return sketches.is_gap(step)

    @classmethod
    def sketch_steps(cls, problem: Problem, sketch: str) -> tuple[list[str], str]:
        """The proof steps of a Coq sketch, or why it is refused (:mod:`coq_env.sketches`)."""
        return sketches.sketch_steps(problem.header, problem.statement, sketch)

    @classmethod
    def statement_problem(cls, statement: str) -> str | None:
        """Why ``statement`` is not one ``Theorem NAME : ... .`` sentence, or None.

        coqtop waits for a sentence's final period, so a statement without one would stall
        the session until its setup timeout.
        """
        try:
            parse_statement(statement)
            sentences = split_sentences(statement)
        except SentenceError as error:
            return f"not a Coq statement: {error}"
        if len(sentences) != 1:
            return f"a Coq statement is one sentence, this is {len(sentences)}"
        if not sentences[0].endswith("."):
            return "the Coq statement does not end with a period"
        return None

    # -- the protocol --------------------------------------------------------------

    def open(self, problem: Problem) -> State:
        """Load ``problem`` after the prelude and return the state after its statement."""
        self._problem = problem
        self._nodes.clear()
        self._path.clear()
        try:
            parse_statement(problem.statement)
            root_state = self._load_problem(problem)
            state = self._read_state(self._new_id())
        except SentenceTimeout as error:
            raise ProblemSetupError(f"{problem.name}: loading the problem timed out") from error
        except (SentenceError, ProblemSetupError) as error:
            raise ProblemSetupError(f"{problem.name}: {error}") from error
        self._nodes[state.id] = _Node(None, (), state, 0)
        self._path.append((state.id, root_state))
        return state

    def step(self, state_id: int, tactic: str) -> StepResult:
        """Apply ``tactic`` (one or more sentences) to state ``state_id``."""
        node = self._nodes.get(state_id)
        if node is None:
            raise UnknownStateError(f"unknown state id {state_id}")
        try:
            sentences = tactic_sentences(tactic)
        except SentenceError as error:
            return TacticError(f"{error}: {tactic[:200]!r}")
        try:
            start = self._goto(state_id)
            for sentence in sentences:
                reply = self.session.run(sentence, self.timeout)
                if not reply.ok:
                    if "Out of memory" in reply.error:
                        self._recover()  # coqtop survives the exception but not its heap
                    elif self.session.state != start:
                        self.session.back_to(start, self.timeout)
                    return TacticError(reply.error)
            return self._result_after(state_id, sentences, start)
        except SentenceTimeout:
            # The tactic, or printing the goals it left (a huge term), ran past the timeout.
            self._recover()
            return Timeout(self.timeout)
        except ProverCrashError as error:
            # The tactic killed coqtop (e.g. out of memory): restart, and the search goes on.
            self._recover()
            return TacticError(f"coqtop crashed on this tactic: {error}")

    def _result_after(self, state_id: int, sentences: list[str], start: int) -> StepResult:
        """The state reached by ``sentences`` from ``state_id`` (coqtop state ``start``), or why it is refused."""
        coq_state = self.session.state
        shown = self.session.run("Show.", self.timeout)
        display = parse_display(shown.output)
        if _COQ_ERROR.search(shown.text):
            # e.g. a stack overflow while printing a huge term: the state exists but cannot be read.
            self.session.back_to(start, self.timeout)
            return TacticError(f"the goals after the tactic could not be shown: {shown.error}")
        if display.status in ("given_up", "shelved"):
            self.session.back_to(start, self.timeout)
            return TacticError(f"the tactic left {display.status.replace('_', ' ')} goals")
        new_id = self._new_id()
        state = self._state_from(new_id, display)
        self._nodes[new_id] = _Node(state_id, tuple(sentences), state, self._nodes[state_id].depth + 1)
        self._path = self._path[: self._path_index(state_id) + 1] + [(new_id, coq_state)]
        return Proved(state) if display.status == "proved" else Progress(state)

    def verify(self, problem: Problem, proof: list[str]) -> Verdict:
        """Re-check the proof with ``coqc`` in a fresh process (see :class:`CoqVerifier`).

        The check uses the prelude the problem was loaded with; a problem this env has not
        loaded is opened first to choose it (which closes the problem open before).
        """
        choice = self._choices.get((problem.header, problem.statement))
        if choice is None:
            self.open(problem)
            choice = self._choices[(problem.header, problem.statement)]
        return self.verifier.verify(problem, proof, prelude=choice.text)

    def proof_script(self, problem: Problem, proof: list[str]) -> str:
        """The proof as a file, with the prelude the problem was loaded with (the whole one if not loaded)."""
        choice = self._choices.get((problem.header, problem.statement))
        return self.verifier.proof_file(problem, proof, prelude=None if choice is None else choice.text)

    def problem_setup(self) -> dict[str, str]:
        """The prelude the open problem was loaded with (``prelude``) and why not the whole one (``prelude_reason``)."""
        if self._problem is None:
            return {}
        choice = self._choices.get((self._problem.header, self._problem.statement))
        return choice.record() if choice else {}

    def interrupt(self) -> None:
        """Kill coqtop and any running ``coqc`` check at once, from any thread; the env is done."""
        self.session.interrupt()
        self.verifier.interrupt()

    def close(self) -> None:
        """Stop coqtop and remove its working folder."""
        self.session.close()
        self.loader.reset()

    # -- document navigation -------------------------------------------------------

    def sentences_to(self, state_id: int) -> list[str]:
        """All sentences from the root to ``state_id`` (the proof so far)."""
        chain = self._chain(state_id)
        return [s for node_id in chain for s in self._nodes[node_id].sentences]

    def _chain(self, state_id: int) -> list[int]:
        chain = []
        current: int | None = state_id
        while current is not None:
            chain.append(current)
            current = self._nodes[current].parent
        return chain[::-1]

    def _path_index(self, state_id: int) -> int:
        for index, (node_id, _) in enumerate(self._path):
            if node_id == state_id:
                return index
        raise ProverCrashError(f"state {state_id} is not on the current path")

    def _goto(self, state_id: int) -> int:
        """Bring coqtop to ``state_id``: back to the shared ancestor, replay the rest."""
        chain = self._chain(state_id)
        shared = 0
        while shared < min(len(chain), len(self._path)) and self._path[shared][0] == chain[shared]:
            shared += 1
        if shared == 0:
            raise ProverCrashError("the current path lost its root")
        del self._path[shared:]
        target = self._path[-1][1]
        if self.session.state != target:
            self.session.back_to(target, self.timeout)
        for node_id in chain[shared:]:
            for sentence in self._nodes[node_id].sentences:
                # A replay may be slower than the first run on a loaded machine.
                reply = self.session.run(sentence, 2 * self.timeout)
                if not reply.ok:
                    raise ProverCrashError(f"replaying {sentence!r} failed: {reply.error}")
            self._path.append((node_id, self.session.state))
        return self.session.state

    def _recover(self) -> None:
        """Restart coqtop after a timeout and rebuild the root of the open problem."""
        self.restarts += 1
        self.loader.reset()
        assert self._problem is not None
        root_id = self._path[0][0] if self._path else 0
        try:
            root_state = self._load_problem(self._problem)
        except SentenceTimeout as error:
            raise ProverCrashError("coqtop timed out while reloading the problem") from error
        self._path = [(root_id, root_state)]

    # -- loading -------------------------------------------------------------------

    def _load_problem(self, problem: Problem) -> int:
        """Load prelude (once per process), header and statement; return the root's Coq state."""
        root, choice = self.loader.load(problem.header, problem.statement)
        if len(self._choices) >= 256:
            self._choices.clear()
        self._choices[(problem.header, problem.statement)] = choice
        return root

    def _read_state(self, state_id: int) -> State:
        reply = self.session.run("Show.", self.timeout)
        return self._state_from(state_id, parse_display(reply.output))

    def _state_from(self, state_id: int, display: GoalDisplay) -> State:
        goals: list[Goal] = []
        if display.first is not None:
            goals.append(display.first)
        for index in range(2, display.count + 1):
            if index <= MAX_FULL_GOALS:
                shown = self.session.run(f"Show {index}.", self.timeout)
                goal = parse_goal(shown.text)
                if goal is not None:
                    goals.append(goal)
                    continue
            goals.append(Goal((), display.targets.get(index, "")))
        return State(state_id, tuple(goals))

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1
