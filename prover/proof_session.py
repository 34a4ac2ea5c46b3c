"""One goal worked on step by step: the proof so far, its states, undo, suggestions and search from where it stands.

A :class:`ProofSession` opens a :class:`~prover.proof_site.ProofSite` (the problem, then
the steps written before the goal, replayed) and keeps the tactics of the proof from the
statement on, with the state after each: a tactic that runs is appended, one that fails
leaves everything as it was, :meth:`~ProofSession.undo` drops the last step (the replayed
ones too, down to the statement). It is what ``prove repl`` drives and ``prove suggest``
opens; it knows no terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prover.env import ProofEnv, Progress, Proved, ProverError, State, StepResult, Verdict
from prover.generators.base import TacticGenerator
from prover.proof_site import NoGoalThere, ProofSite
from prover.search import SearchConfig, SearchResult, checked_step, search
from prover.suggest import Tried, failure, try_suggestions


@dataclass
class ProofSession:
    """The proof of ``site``'s problem so far, in ``env``; call :meth:`open` first."""

    env: ProofEnv
    site: ProofSite
    max_tactic_chars: int = 4096
    tactics: list[str] = field(default_factory=list)  #: the proof so far, from the statement on
    states: list[State] = field(default_factory=list)  #: the statement's state, then the one after each tactic
    finished: bool = False  #: the last tactic left no goal

    def open(self) -> State:
        """Open the problem and replay the site's steps; the goal's state.

        Raises :class:`~prover.proof_site.NoGoalThere` naming the line of a step that does
        not run, and :class:`~prover.env.ProverError` when the prover cannot load the problem.
        """
        self.tactics.clear()
        self.states[:] = [self.env.open(self.site.problem)]
        self.finished = False
        for step in self.site.steps:
            result = self.run(step.tactic)
            if not isinstance(result, (Progress, Proved)):
                raise NoGoalThere(f"line {step.line}: the step {step.tactic!r} before the goal does not run: "
                                  f"{failure(result)}")
        return self.current

    @property
    def current(self) -> State:
        """The state the proof stands at."""
        return self.states[-1]

    def run(self, tactic: str) -> StepResult:
        """Run ``tactic`` from the current state; when it runs, it becomes the proof's last step."""
        result = checked_step(self.env, self.current.id, tactic, self.max_tactic_chars)
        if isinstance(result, (Progress, Proved)):
            self.tactics.append(tactic)
            self.states.append(result.state)
            self.finished = isinstance(result, Proved)
        return result

    def undo(self) -> bool:
        """Drop the last step (False when the proof has none: the statement's state is the first)."""
        if not self.tactics:
            return False
        self.tactics.pop()
        self.states.pop()
        self.finished = False
        return True

    def suggest(self, generator: TacticGenerator, k: int) -> list[Tried]:
        """``k`` tactics from ``generator``, each tried from the current state, ranked (see :mod:`prover.suggest`)."""
        return try_suggestions(self.env, self.current, generator, k, self.max_tactic_chars)

    def search(self, generator: TacticGenerator, config: SearchConfig) -> SearchResult:
        """Best-first search from the current state; a proof it finds, and the backend's re-check of the
        whole proof accepts, is run and becomes the rest of the proof."""
        before = list(self.tactics)
        result = search(self.site.problem, self.env, generator, config,
                        accept=lambda rest: self.verify(before + rest), start=self.current)
        if result.verified:
            for tactic in result.proof:
                if not isinstance(self.run(tactic), (Progress, Proved)):
                    raise ProverError(f"the proof the search found did not run again at {tactic!r}")
        return result

    def verify(self, proof: list[str] | None = None) -> Verdict:
        """The backend's fresh-process re-check of ``proof`` (default: the proof so far) for the problem."""
        return self.env.verify(self.site.problem, self.tactics if proof is None else proof)
