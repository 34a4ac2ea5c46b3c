"""``LeanEnv``: the Lean 4 backend of the environment protocol, over the REPL.

Opening a problem sends ``statement by sorry`` on top of the header
environment and searches from the ``sorry``'s proof state. Every state the
search has seen keeps its parent and tactic, so after a restart (a timeout,
a crash, or ``max_uses`` reached) any state is rebuilt by re-opening the
theorem and replaying its tactic path; the search never notices beyond a
slower step. (Pickling proof states is the alternative the REPL offers; it
writes ``.olean`` files per state and is not needed for this.)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from lean_env.check import check_proof, proof_file, statement_syntax_problem
from lean_env.errors import LeanError, ReplCrashError, ReplTimeoutError
from lean_env.goals import parse_goals
from lean_env.install import locate
from lean_env.pool import ReplConfig, ReplPool, ReplWorker
from lean_env.sketches import fill_sorries, sketch_steps, sorry_spans
from lean_env.protocol import Command, ProofStep, ProofStepResponse
from prover.env import (Problem, ProblemSetupError, ProofEnv, ProverCrashError, Progress, Proved,
                        State, StepResult, TacticError, Timeout, UnknownStateError, Verdict)


@dataclass
class _Node:
    """A state the search knows: how to rebuild it, and its REPL number in one generation.

    A sketch step with ``sorry`` inside makes, besides its own state, one state per ``sorry``
    (``sorry_index``): the REPL's proof state of that gap, rebuilt by replaying the step and
    taking its ``sorry_index``-th sorry. States in a gap (``in_gap``) are closed when no goal
    is left, though the REPL says the whole proof still has metavariables (the rest of it).
    """

    parent: int | None
    tactic: str
    proof_state: int
    generation: int
    sorry_index: int | None = None
    in_gap: bool = False
    sorries: int = 0  #: the ``sorry`` gaps the tactic holds (a sketch step)


class LeanEnv(ProofEnv):
    """Lean 4 through leanprover-community/repl, one REPL process per header.

    Options: ``project_dir`` (the Lean project, default the miniF2F project
    ``prove setup lean`` made), ``repl_command`` (argv or string that starts a
    REPL; default ``lake env <workspace>/repl/.lake/build/bin/repl``),
    ``workspace``, ``timeout`` (seconds per tactic; None: :attr:`default_timeout`), ``header_timeout``
    (seconds to import the header), ``check_timeout`` (seconds for the final
    check), ``memory_limit_mb`` (address-space cap per process, None for no
    cap), ``max_uses`` (requests before a restart), ``max_processes`` (headers
    kept live), ``fresh_process_check`` (check proofs in a new process instead
    of the shared one's header environment). Raises
    :class:`~prover.env.ProverNotInstalledError` when Lean cannot be found.
    """

    name = "lean"
    data_package = "lean_env.data"
    statement_field = "lean4"
    prompt_name = "lean"
    default_timeout = 60.0
    version_command = ("lean", "--version")

    def __init__(
        self,
        *,
        project_dir: str | os.PathLike | None = None,
        repl_command: str | Sequence[str] | None = None,
        workspace: str | os.PathLike | None = None,
        timeout: float | None = None,
        header_timeout: float = 600.0,
        check_timeout: float = 300.0,
        memory_limit_mb: int | None = 32768,
        max_uses: int = 1000,
        max_processes: int = 1,
        fresh_process_check: bool = False,
    ) -> None:
        launch = locate(project_dir, repl_command, workspace)
        self.config = ReplConfig(launch.argv, launch.cwd, self.resolve_timeout(timeout), header_timeout,
                                 memory_limit_mb, max_uses, max_processes)
        self.check_timeout = check_timeout
        self.fresh_process_check = fresh_process_check
        self._pool = ReplPool(self.config)
        self._problem: Problem | None = None
        self._worker: ReplWorker | None = None
        self._nodes: dict[int, _Node] = {}
        self._fresh_checker: ReplWorker | None = None

    @classmethod
    def statement_problem(cls, statement: str) -> str | None:
        """Why ``statement`` is not a named theorem ending with ``:=``, or None."""
        return statement_syntax_problem(statement)

    # ------------------------------------------------------------------ protocol

    def open(self, problem: Problem) -> State:
        """Import the header (once per process) and return the statement's initial state."""
        self._problem = problem
        self._nodes = {}
        self._worker = self._pool.worker(problem.header)
        generation = self._worker.ready()
        proof_state, goals = self._open_statement()
        self._nodes[0] = _Node(None, "", proof_state, generation)
        return State(0, parse_goals(goals))

    def step(self, state_id: int, tactic: str) -> StepResult:
        """Run ``tactic`` on state ``state_id``; errors, sorries and dead ends are ``TacticError``."""
        return self._run(state_id, tactic, sorries=0)[0]

    def sketch_step(self, state_id: int, step: str) -> tuple[StepResult, list[State]]:
        """Run ``step``; each ``sorry`` in it (outside comments and strings) is a gap, returned as its proof state."""
        return self._run(state_id, step, sorries=len(sorry_spans(step)))

    @classmethod
    def fill_gaps(cls, step: str, proofs: list[list[str]]) -> str:
        """``step`` with its ``sorry`` tokens replaced by ``proofs`` (see :func:`lean_env.sketches.fill_sorries`)."""
        return fill_sorries(step, proofs)

    @classmethod
    def sketch_steps(cls, problem: Problem, sketch: str) -> tuple[list[str], str]:
        """The sketch's top-level tactics, or why it is refused (see :mod:`lean_env.sketches`)."""
        return sketch_steps(problem.header, problem.statement, sketch)

    def _run(self, state_id: int, tactic: str, sorries: int) -> tuple[StepResult, list[State]]:
        """Send ``tactic`` on state ``state_id``; each of its ``sorries`` sorry gaps (a sketch step) becomes a gap state."""
        node = self._nodes.get(state_id)
        if node is None or self._problem is None:
            raise UnknownStateError(f"no Lean state {state_id} in the open problem")
        # Re-acquire: a check of another header may have evicted this worker from the pool.
        self._worker = self._pool.worker(self._problem.header)
        proof_state = self._current(state_id)
        try:
            reply = self._worker.send(ProofStep(tactic, proof_state))
        except ReplTimeoutError as exc:
            return Timeout(exc.seconds), []
        except LeanError as exc:
            return TacticError(exc.detail), []
        except ReplCrashError as exc:
            return TacticError(f"the Lean REPL died on this tactic: {exc}"), []
        failure = step_failure(reply, in_gap=node.in_gap, sorries=sorries)
        if failure:
            return TacticError(failure), []
        generation = self._worker.generation
        new_id = len(self._nodes)
        self._nodes[new_id] = _Node(state_id, tactic, reply.proof_state, generation, in_gap=node.in_gap,
                                    sorries=sorries)
        state = State(new_id, parse_goals(reply.goals))
        gaps = []
        for index, sorry in enumerate(reply.sorries):
            gap_id = len(self._nodes)
            self._nodes[gap_id] = _Node(state_id, tactic, sorry.proof_state, generation, sorry_index=index,
                                        in_gap=True, sorries=sorries)
            gaps.append(State(gap_id, parse_goals((sorry.goal,))))
        if not reply.goals and not reply.completed and not sorries:  # a gap closed: the rest of the proof is elsewhere
            return Progress(state), gaps
        return (Proved(state) if not reply.goals else Progress(state)), gaps

    def verify(self, problem: Problem, proof: list[str]) -> Verdict:
        """Check the whole theorem with ``proof`` as one command in a pristine environment."""
        if self.fresh_process_check:
            worker = self._fresh_checker = ReplWorker(problem.header, self.config)
            worker.interrupted = self._pool.interrupted
            try:
                return check_proof(worker, problem, proof, self.check_timeout)
            finally:
                self._fresh_checker = None
                worker.stop()
        return check_proof(self._pool.worker(problem.header), problem, proof, self.check_timeout)

    def proof_script(self, problem: Problem, proof: list[str]) -> str:
        """The ``.lean`` file the check elaborates: header, statement, ``by`` and the tactics."""
        return proof_file(problem, proof)

    def interrupt(self) -> None:
        """Kill every REPL process group at once, from any thread; the env is done."""
        self._pool.interrupt()
        checker = self._fresh_checker
        if checker is not None:
            checker.interrupt()

    def close(self) -> None:
        """Stop every REPL process."""
        self._pool.close()
        self._worker = None
        self._nodes = {}

    # ------------------------------------------------------------------ states

    def _open_statement(self) -> tuple[int, tuple[str, ...]]:
        """Send ``statement by sorry`` on the header env; the sorry's proof state and goal."""
        assert self._problem is not None and self._worker is not None
        reply = self._worker.send(Command(self._problem.statement + " by sorry",
                                          self._worker.header_env))
        if reply.errors:
            raise ProblemSetupError(f"Lean rejected the statement of {self._problem.name}: "
                                    f"{reply.errors[0].data}")
        if len(reply.sorries) != 1 or reply.sorries[0].proof_state is None:
            raise ProblemSetupError(f"expected one sorry in the statement of {self._problem.name}, "
                                    f"Lean reported {len(reply.sorries)}")
        return reply.sorries[0].proof_state, (reply.sorries[0].goal,)

    def _current(self, state_id: int) -> int:
        """The REPL number of ``state_id`` in the live process, replaying its path if needed."""
        assert self._worker is not None
        generation = self._worker.ready()
        path = []
        node_id: int | None = state_id
        while node_id is not None and self._nodes[node_id].generation != generation:
            path.append(node_id)
            node_id = self._nodes[node_id].parent
        try:
            for node_id in reversed(path):
                node = self._nodes[node_id]
                if node.parent is None:
                    node.proof_state = self._open_statement()[0]
                else:
                    parent = self._nodes[node.parent]
                    reply = self._worker.send(ProofStep(node.tactic, parent.proof_state))
                    failure = step_failure(reply, in_gap=parent.in_gap, sorries=node.sorries)
                    if failure:
                        raise ProverCrashError(
                            f"replaying {node.tactic!r} after a REPL restart failed: {failure}")
                    node.proof_state = (reply.proof_state if node.sorry_index is None
                                        else reply.sorries[node.sorry_index].proof_state)
                node.generation = generation
        except (ReplTimeoutError, LeanError) as exc:
            raise ProverCrashError(f"could not rebuild state {state_id} after a restart: "
                                   f"{exc}") from exc
        return self._nodes[state_id].proof_state


#: The REPL's word for a proof state with no goals whose proof term still has holes: in a
#: gap's proof state that is the rest of the proof around the gap, so the gap is closed.
_REST_OF_PROOF = "Incomplete: contains metavariable(s)"
#: The REPL's word for a proof state with no goals whose proof uses ``sorry``.
_USES_SORRY = "Incomplete: contains sorry"


def _closed_elsewhere(reply: ProofStepResponse, in_gap: bool, sorries: int) -> bool:
    """Whether a reply with no goals, not ``Completed``, still ends its part: a gap closed, or a
    sketch step that ends the proof but for its own gaps."""
    return (in_gap and reply.proof_status == _REST_OF_PROOF) or (sorries > 0 and reply.proof_status == _USES_SORRY)


def step_failure(reply: ProofStepResponse, in_gap: bool = False, sorries: int = 0) -> str | None:
    """Why a tactic reply is not a usable step, or None.

    A tactic that fails to elaborate still gets a new proof state: only the
    absence of error messages makes it a success. A step that used ``sorry``,
    or closed every goal without the proof being ``Completed`` (metavariables
    left, a kernel failure), is a dead end too. A sketch step may use exactly
    ``sorries`` sorries, its gaps; in a gap's state (``in_gap``), no goals with
    metavariables left is the gap closed.
    """
    if reply.errors:
        return "; ".join(message.data for message in reply.errors)
    if len(reply.sorries) != sorries:
        return ("the tactic uses sorry" if not sorries else
                f"the step has {sorries} sorry gaps but the REPL reported {len(reply.sorries)}")
    if not reply.goals and not reply.completed and not _closed_elsewhere(reply, in_gap, sorries):
        return f"no goals left but the proof is not complete: {reply.proof_status}"
    if reply.proof_status.startswith("Error"):
        return reply.proof_status
    return None
