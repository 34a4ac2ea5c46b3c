"""``IsabelleEnv``: the Isabelle/HOL backend of the environment protocol, over Isabelle's server.

A state is the list of proof steps taken so far (the theorem's statement is the problem's).
Stepping re-checks the whole theory: header, statement, the steps so far, the new step, and
the probe ``done`` after a step that keeps the proof going (see :mod:`isabelle_env.theory`).
Isabelle's verdict on the probe gives the goals left: "Failed to finish proof ... goal (N
subgoals)" means :class:`~prover.env.Progress` with those goals, no error means
:class:`~prover.env.Proved`, an error on the step's own lines is a
:class:`~prover.env.TacticError`. Re-checking from the start costs time on long proofs, but
every state is then exactly the file a user would write, and any state can be branched from.
"""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass

from isabelle_env.errors import IsabelleTimeoutError
from isabelle_env.results import TheoryResult, goals_in
from isabelle_env.server import ServerAddress, locate
from isabelle_env.session import SessionConfig, TheorySession
from isabelle_env.sledgehammer import SLEDGEHAMMER, try_this_proofs
from isabelle_env import sketches
from isabelle_env import theory as thy
from prover.env import (Goal, Problem, ProblemSetupError, ProofEnv, ProverCrashError, Progress, Proved, State,
                        StepResult, TacticError, Timeout, UnknownStateError, Verdict)


#: Seconds a Sledgehammer call may take (its provers run 30 s each by default, in parallel).
SLEDGEHAMMER_TIMEOUT = 90.0


def step_outcome(result: TheoryResult, layout: thy.Layout) -> TacticError | tuple[Goal, ...]:
    """What a checked file says of its last step: an error, the goals left, or ``()`` when none are.

    Errors before the probe (or anywhere, in a file with no probe) are the step's; an error on
    the probe's line lists the goals left; with no error at all the proof is finished.
    """
    stop = layout.probe or layout.end + 1
    for message in result.errors:
        if message.line < stop:
            return TacticError(message.text)
    for message in result.on_lines(layout.probe, layout.probe) if layout.probe else ():
        if message.is_error:
            goals = goals_in(message.text)
            return goals if goals else TacticError(message.text)
    if result.errors:
        return TacticError(result.errors[0].text)
    if not result.ok:
        return TacticError("Isabelle did not finish checking the theory")
    return ()


@dataclass(frozen=True)
class _Gap:
    """A state inside a gap of a ``proof ... qed`` sketch step: the steps before the block, the block,
    which of its gaps, and the steps run in that gap so far (the block's other gaps stay ``sorry``)."""

    base: tuple[str, ...]
    block: str
    index: int
    steps: tuple[str, ...] = ()

    def text(self, inside: list[str]) -> str:
        """The block with this gap replaced by ``inside`` (one step a line, the first where the marker was)."""
        count = len(sketches.gap_spans(self.block))
        return sketches.replace_gaps(self.block, ["\n".join(inside) if i == self.index else "sorry" for i in range(count)])

    def lines(self, file: thy.TheoryFile, inside: list[str]) -> tuple[int, int]:
        """The first and last line of ``inside`` in ``file``, whose last step is the block."""
        start = sketches.gap_spans(self.block)[self.index][0]
        first = file.layout.steps[-1][0] + self.block.count("\n", 0, start)
        return first, first + "\n".join(inside).count("\n")


class IsabelleEnv(ProofEnv):
    """Isabelle/HOL through an Isabelle server (see the module docstring and ``docs/isabelle.md``).

    Options: ``server`` (a :class:`~isabelle_env.server.ServerAddress` or the line ``isabelle
    server`` prints; default ``$LLEMMA_PROVER_ISABELLE_SERVER``, else a server is started with
    the ``isabelle`` executable), ``isabelle_dir`` (where ``prove setup isabelle`` installed),
    ``session``, ``dirs``, ``master_dir`` (see :class:`~isabelle_env.session.SessionConfig`),
    ``timeout`` (seconds per step; None: :attr:`default_timeout`), ``open_timeout`` (seconds for the
    first check of a problem, which loads any imported theory the session image lacks),
    ``check_timeout`` (seconds for :meth:`verify`), ``fresh_session_check`` (verify in a session of
    its own, that is a new Isabelle/ML process, as the protocol asks; default True; False reuses
    the search's session). Raises :class:`~prover.env.ProverNotInstalledError` at once when
    neither a server nor Isabelle is found.
    """

    name = "isabelle"
    data_package = "isabelle_env.data"
    statement_field = "isabelle"
    prompt_name = "isabelle"
    default_timeout = 30.0

    def __init__(self, *, server: ServerAddress | str | None = None, isabelle_dir: str | os.PathLike | None = None,
                 session: str = SessionConfig.session, dirs: tuple[str, ...] = (), master_dir: str | None = None,
                 timeout: float | None = None, open_timeout: float = 300.0, check_timeout: float = 300.0,
                 fresh_session_check: bool = True) -> None:
        self._plan = locate(server, isabelle_dir)
        self.config = SessionConfig(session=session, dirs=tuple(dirs), master_dir=master_dir)
        self.timeout = self.resolve_timeout(timeout)
        self.open_timeout = open_timeout
        self.check_timeout = check_timeout
        self.fresh_session_check = fresh_session_check
        self._session: TheorySession | None = None
        self._checker: TheorySession | None = None
        self._problem: Problem | None = None
        self._states: dict[int, tuple[str, ...]] = {}
        self._gaps: dict[int, _Gap] = {}  #: states inside a sketch block's gaps, numbered with ``_states``
        self._interrupted = threading.Event()

    @classmethod
    def statement_problem(cls, statement: str) -> str | None:
        """Why ``statement`` is not an Isabelle theorem statement without a proof, or None."""
        return thy.statement_problem(statement)

    # ------------------------------------------------------------------ protocol

    def open(self, problem: Problem) -> State:
        """Check the statement with the probe after it and return its goals as state 0."""
        why = thy.header_problem(problem.header) or thy.statement_problem(problem.statement)
        if why:
            raise ProblemSetupError(f"{problem.name}: {why}")
        self._problem, self._states, self._gaps = problem, {}, {}
        file = self._theory(problem, [])
        try:
            result = self._live().check(file, max(self.open_timeout, self.timeout))
        except IsabelleTimeoutError as exc:
            raise ProblemSetupError(f"{problem.name}: {exc}") from None
        outcome = step_outcome(result, file.layout)
        if isinstance(outcome, TacticError) or not outcome:
            detail = outcome.message if isinstance(outcome, TacticError) else "the statement leaves no goal"
            raise ProblemSetupError(f"Isabelle rejected the statement of {problem.name}: {detail}")
        self._states[0] = ()
        return State(0, outcome)

    def step(self, state_id: int, tactic: str) -> StepResult:
        """Re-check the proof of ``state_id`` with ``tactic`` after it; see the module docstring."""
        if state_id in self._gaps:
            return self._gap_step(self._gaps[state_id], tactic)
        if state_id not in self._states or self._problem is None:
            raise UnknownStateError(f"no Isabelle state {state_id} in the open problem")
        why = thy.step_problem(tactic)
        if why:
            return TacticError(why)
        steps = [*self._states[state_id], tactic.strip()]
        file = self._theory(self._problem, steps, probe=None if thy.is_terminal(tactic) else thy.PROBE)
        try:
            result = self._live().check(file, self.timeout)
        except IsabelleTimeoutError as exc:
            return Timeout(exc.seconds)
        outcome = step_outcome(result, file.layout)
        if isinstance(outcome, TacticError):
            return outcome
        new_id = self._new_id()
        self._states[new_id] = tuple(steps)
        state = State(new_id, outcome)
        return Progress(state) if outcome else Proved(state)

    # ------------------------------------------------------------------ sketches (Draft, Sketch, Prove)

    @classmethod
    def sketch_steps(cls, problem: Problem, sketch: str) -> tuple[list[str], str]:
        """A sketch's steps (a ``proof ... qed`` block is one), or why it is refused; see :mod:`isabelle_env.sketches`."""
        return sketches.sketch_steps(problem.statement, sketch)

    @classmethod
    def is_gap(cls, step: str) -> bool:
        """Whether ``step`` is ``sorry`` or ``sledgehammer`` alone."""
        return sketches.is_gap(step)

    @classmethod
    def fill_gaps(cls, step: str, proofs: list[list[str]]) -> str:
        """``step`` with each gap marker replaced by its proof (``by ...`` inline, else one step a line)."""
        return sketches.replace_gaps(step, [sketches.gap_proof_text(proof) for proof in proofs])

    def sketch_step(self, state_id: int, step: str) -> tuple[StepResult, list[State]]:
        """Run a ``proof ... qed`` block with gaps: checked with every gap ``sorry``, then each gap's goals
        shown by the probe ``done`` in its place; one state per gap. Other steps are :meth:`step`\\ s."""
        if thy.first_word(step) != thy.ISAR or not sketches.gap_spans(step) or state_id not in self._states:
            return self.step(state_id, step), []
        assert self._problem is not None
        why = thy.step_problem(sketches.replace_gaps(step, "done"))
        if why:
            return TacticError(why), []
        base = self._states[state_id]
        try:
            result = self._live().check(self._theory(self._problem, [*base, sketches.replace_gaps(step, "sorry")], probe=None),
                                        self.timeout)
            if result.errors or not result.ok:
                return TacticError(result.errors[0].text if result.errors else "Isabelle did not finish the sketch"), []
            gaps = []
            for index in range(len(sketches.gap_spans(step))):
                gap = _Gap(base, step, index)
                outcome = self._gap_outcome(gap, [])
                if isinstance(outcome, (TacticError, Timeout)) or not outcome:
                    why = outcome.message if isinstance(outcome, TacticError) else "no goal is left there"
                    return TacticError(f"gap {index + 1} of the block: {why}"), []
                gaps.append(self._add_gap(gap, outcome))
        except IsabelleTimeoutError as exc:
            return Timeout(exc.seconds), []
        new_id = self._new_id()
        self._states[new_id] = (*base, step)
        return Proved(State(new_id, ())), gaps

    def gap_candidates(self, state_id: int, tactic: str) -> list[str]:
        """``sledgehammer`` stands for each proof Sledgehammer finds for ``state_id``; any other tactic for itself."""
        return self.sledgehammer(state_id) if tactic.strip() == SLEDGEHAMMER else [tactic]

    def _gap_step(self, gap: _Gap, tactic: str) -> StepResult:
        """Run ``tactic`` in ``gap``: the goals it leaves there, or none (the gap closed)."""
        why = thy.step_problem(tactic)
        if why:
            return TacticError(why)
        try:
            outcome = self._gap_outcome(gap, [*gap.steps, tactic.strip()])
        except IsabelleTimeoutError as exc:
            return Timeout(exc.seconds)
        if isinstance(outcome, TacticError):
            return outcome
        return Progress(self._add_gap(_Gap(gap.base, gap.block, gap.index, (*gap.steps, tactic.strip())), outcome))

    def _gap_outcome(self, gap: _Gap, steps: list[str]) -> TacticError | tuple[Goal, ...]:
        """Check the block with ``steps`` in ``gap`` (and the probe after them unless the last ends it)."""
        assert self._problem is not None
        probe = not steps or not thy.is_terminal(steps[-1])
        inside = [*steps, thy.PROBE] if probe else steps
        file = self._theory(self._problem, [*gap.base, gap.text(inside)], probe=None)
        result = self._live().check(file, self.timeout)
        last = gap.lines(file, inside)[1]
        layout = thy.Layout(file.layout.statement, (), last if probe else 0, last)
        return step_outcome(result, layout)

    def _add_gap(self, gap: _Gap, goals: tuple[Goal, ...]) -> State:
        new_id = self._new_id()
        self._gaps[new_id] = gap
        return State(new_id, goals)

    def _new_id(self) -> int:
        return len(self._states) + len(self._gaps)

    def verify(self, problem: Problem, proof: list[str]) -> Verdict:
        """Check the statement with ``proof``, no probe, as a theory of a fresh name in a fresh session.

        The proof must pass :func:`~isabelle_env.theory.proof_problem` first (no ``sorry``,
        ``oops``, axioms or new commands; only the last step ends the proof); the statement and
        header are the problem's own, so the proof cannot change what is proved.
        """
        why = thy.header_problem(problem.header) or thy.proof_problem(proof)
        if why:
            return Verdict(False, f"rejected before checking: {why}")
        file = self._theory(problem, thy.finished(proof), probe=None, prefix="Check")
        session = self._fresh() if self.fresh_session_check else self._live()
        try:
            result = session.check(file, self.check_timeout)
        except IsabelleTimeoutError as exc:
            return Verdict(False, str(exc), file.text)
        finally:
            if session is not self._session:
                self._checker = None
                session.stop()
        if result.errors:
            first = result.errors[0]
            return Verdict(False, f"line {first.line}: {first.text}", file.text)
        if not result.ok:
            return Verdict(False, "Isabelle did not finish checking the theory", file.text)
        return Verdict(True, "", file.text)

    def proof_script(self, problem: Problem, proof: list[str]) -> str:
        """The ``.thy`` file of ``proof``, under the problem's own theory name."""
        name = thy.header_name(problem.header) if thy.header_problem(problem.header) is None else problem.name
        return thy.build_theory(name, problem.header, problem.statement, thy.finished(proof), probe=None).text

    def sledgehammer(self, state_id: int, timeout: float = SLEDGEHAMMER_TIMEOUT) -> list[str]:
        """Sledgehammer's proofs of the goals of ``state_id``, as steps (``by (metis ...)``), in the order found.

        Empty when it found none or ran past ``timeout`` seconds.
        """
        gap = self._gaps.get(state_id)
        if (state_id not in self._states and gap is None) or self._problem is None:
            raise UnknownStateError(f"no Isabelle state {state_id} in the open problem")
        if gap is not None:
            inside = [*gap.steps, SLEDGEHAMMER, "sorry"]
            file = self._theory(self._problem, [*gap.base, gap.text(inside)], probe=None)
            first = last = gap.lines(file, inside)[0] + len(gap.steps)
        else:
            file = self._theory(self._problem, [*self._states[state_id], SLEDGEHAMMER], probe="oops")
            first, last = file.layout.steps[-1]
        try:
            result = self._live().check(file, timeout)
        except IsabelleTimeoutError:
            return []
        return try_this_proofs(result.on_lines(first, last))

    def interrupt(self) -> None:
        """Stop the running check at once and cancel its task, from any thread; later calls raise ProverCrashError."""
        self._interrupted.set()
        for session in (self._session, self._checker):
            if session is not None:
                session.interrupt()

    def close(self) -> None:
        """Stop the session (and the server this env started)."""
        for session in (self._checker, self._session):
            if session is not None:
                session.stop()
        self._session = self._checker = None
        self._states = {}

    # ------------------------------------------------------------------ helpers

    def _live(self) -> TheorySession:
        """The session the searches use, started on first use."""
        if self._interrupted.is_set():
            raise ProverCrashError("the Isabelle environment was interrupted")
        if self._session is None:
            self._session = TheorySession(self._plan, self.config)
        return self._session

    def _fresh(self) -> TheorySession:
        if self._interrupted.is_set():
            raise ProverCrashError("the Isabelle environment was interrupted")
        self._checker = TheorySession(self._plan, self.config)
        return self._checker

    def _theory(self, problem: Problem, steps: list[str], probe: str | None = thy.PROBE,
                prefix: str = "Step") -> thy.TheoryFile:
        return thy.build_theory(f"{prefix}_{uuid.uuid4().hex}", problem.header, problem.statement, steps, probe)
