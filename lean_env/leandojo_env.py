"""``LeanDojoEnv``: the same protocol over lean-dojo's ``Dojo`` (optional backend).

LeanDojo traces the miniF2F Lean 4 repository and drives each theorem in its
own instrumented Lean process. It is imported only when this backend is
built; without the ``lean-dojo`` package the constructor raises
:class:`~prover.env.ProverNotInstalledError`. Register it with
``prover.registry.register("leandojo", "lean_env.leandojo_env:LeanDojoEnv")``.
The final check is the REPL backend's (:mod:`lean_env.check`), so a proof
found here is held to exactly the same standard.
"""

from __future__ import annotations

from typing import Any

from lean_env.check import proof_file, statement_syntax_problem, theorem_name
from lean_env.goals import LeanGoal, parse_goal
from lean_env.install import MINIF2F_COMMIT, MINIF2F_REPO
from prover.env import (Problem, ProblemSetupError, ProofEnv, ProverCrashError,
                        ProverNotInstalledError, Progress, Proved, State, StepResult,
                        TacticError, Timeout, UnknownStateError, Verdict)

#: Where the miniF2F Lean 4 project keeps each problem, by split.
SPLIT_DIRS = {"test": "Test", "valid": "Valid"}


def theorem_location(problem: Problem) -> tuple[str, str]:
    """The file (in miniF2F-lean4) and full name of ``problem``'s theorem."""
    name = theorem_name(problem.statement) or problem.name
    return f"MiniF2F/{SPLIT_DIRS.get(problem.split, problem.split.title())}/{name}.lean", name


def parse_pretty_goals(pp: str) -> tuple[LeanGoal, ...]:
    """LeanDojo's ``TacticState.pp``: goals as Lean prints them, separated by blank lines."""
    return tuple(parse_goal(block) for block in pp.split("\n\n") if block.strip())


class LeanDojoEnv(ProofEnv):
    """Lean 4 through ``lean_dojo.Dojo``; ``check_options`` configure the REPL check.

    It works on the benchmark's Lean 4 statements and prompts with the Lean prompt.
    """

    name = "leandojo"
    data_package = "lean_env.data"
    statement_field = "lean4"
    prompt_name = "lean"
    default_timeout = 60.0

    def __init__(self, *, repo_url: str = MINIF2F_REPO, commit: str = MINIF2F_COMMIT,
                 timeout: float | None = None, **check_options: Any) -> None:
        try:
            import lean_dojo
        except ImportError:
            raise ProverNotInstalledError(
                "lean-dojo is not installed: pip install lean-dojo (it also needs elan and git)"
            ) from None
        self._lean_dojo = lean_dojo
        self.repo_url, self.commit, self.timeout = repo_url, commit, self.resolve_timeout(timeout)
        self.check_options = check_options
        self._context: Any = None
        self._dojo: Any = None
        self._states: dict[int, Any] = {}
        self._checker: ProofEnv | None = None

    @classmethod
    def statement_problem(cls, statement: str) -> str | None:
        """Why ``statement`` is not a named theorem ending with ``:=``, or None."""
        return statement_syntax_problem(statement)

    def open(self, problem: Problem) -> State:
        """Trace (once, cached by LeanDojo) and enter ``problem``'s theorem."""
        self._leave()
        path, name = theorem_location(problem)
        dojo = self._lean_dojo
        theorem = dojo.Theorem(dojo.LeanGitRepo(self.repo_url, self.commit), path, name)
        self._context = dojo.Dojo(theorem, timeout=int(self.timeout))
        try:
            self._dojo, initial = self._context.__enter__()
        except dojo.DojoInitError as exc:
            self._context = None
            raise ProblemSetupError(f"LeanDojo cannot open {name}: {exc}") from exc
        self._states = {0: initial}
        return State(0, parse_pretty_goals(initial.pp))

    def step(self, state_id: int, tactic: str) -> StepResult:
        """Run ``tactic`` on ``state_id`` through ``Dojo.run_tac``."""
        if state_id not in self._states or self._dojo is None:
            raise UnknownStateError(f"no LeanDojo state {state_id} in the open problem")
        dojo = self._lean_dojo
        try:
            result = self._dojo.run_tac(self._states[state_id], tactic)
        except dojo.DojoTacticTimeoutError:
            return Timeout(self.timeout)
        except dojo.DojoCrashError as exc:
            raise ProverCrashError(f"LeanDojo crashed: {exc}") from exc
        if isinstance(result, dojo.LeanError):
            return TacticError(result.error)
        if isinstance(result, dojo.ProofGivenUp):
            return TacticError("the tactic uses sorry")
        new_id = len(self._states)
        self._states[new_id] = result
        if isinstance(result, dojo.ProofFinished):
            return Proved(State(new_id, ()))
        return Progress(State(new_id, parse_pretty_goals(result.pp)))

    def verify(self, problem: Problem, proof: list[str]) -> Verdict:
        """The REPL backend's check (one command, sorry/error/axiom rules)."""
        if self._checker is None:
            from lean_env.backend import LeanEnv

            self._checker = LeanEnv(**self.check_options)
        return self._checker.verify(problem, proof)

    def proof_script(self, problem: Problem, proof: list[str]) -> str:
        """The same ``.lean`` file the REPL backend checks."""
        return proof_file(problem, proof)

    def interrupt(self) -> None:
        """Stop the checker's REPL (a LeanDojo step in progress runs to its own timeout)."""
        if self._checker is not None:
            self._checker.interrupt()

    def _leave(self) -> None:
        if self._context is not None:
            try:
                self._context.__exit__(None, None, None)
            finally:
                self._context = self._dojo = None
                self._states = {}

    def close(self) -> None:
        """Leave the open theorem and stop the checker's REPL."""
        self._leave()
        if self._checker is not None:
            self._checker.close()
            self._checker = None
