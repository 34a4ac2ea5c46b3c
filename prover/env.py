"""The environment protocol: what every proof-assistant backend implements.

A backend opens a :class:`Problem` and hands back the initial :class:`State`.
Any state seen so far can be stepped with a tactic (branching by state id, no
replay from the start is visible to the caller), and every step returns one of
:class:`Progress`, :class:`Proved`, :class:`TacticError` or :class:`Timeout`.
A prover that dies or hangs beyond recovery raises a :class:`ProverError`
subclass, which the benchmark runner turns into that problem's error.

The backend's :meth:`ProofEnv.verify` is the only source of truth about a
proof: it re-checks the whole file in a fresh process and returns a
:class:`Verdict`. The search's own bookkeeping never decides that a proof is
sound.
"""

from __future__ import annotations

import abc
import subprocess
import textwrap
import tomllib
from importlib import resources
from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(frozen=True)
class Problem:
    """One theorem to prove, in one proof assistant's syntax.

    ``header`` holds imports and auxiliary definitions; ``statement`` is the
    theorem itself without its proof (for Coq: ``Theorem name : ... .``).
    """

    name: str
    split: str
    header: str
    statement: str
    informal_statement: str = ""
    informal_proof: str = ""


@dataclass(frozen=True)
class Goal:
    """One open goal: named hypotheses (``"x, y : R"`` style lines) and a target."""

    hypotheses: tuple[str, ...]
    target: str

    def render(self) -> str:
        """The goal as a proof assistant shows it: hypotheses, a rule, the target."""
        return "\n".join([*self.hypotheses, "=" * 28, self.target])


@dataclass(frozen=True)
class State:
    """A proof state: an id the backend can step from, and its open goals."""

    id: int
    goals: tuple[Goal, ...]

    def render(self) -> str:
        """The text a model sees for this state (the one place goals become text)."""
        if not self.goals:
            return "no goals"
        return "\n\n".join(goal.render() for goal in self.goals)


#: The line between hypotheses and target in :meth:`Goal.render`.
RULE = "=" * 28
#: Where a target starts in goals that backends print their own way (Lean: ``⊢ target``).
TURNSTILE = "⊢ "


def parse_state(text: str) -> tuple[Goal, ...]:
    """The goals of a rendered state: the inverse of :meth:`State.render`.

    A goal is its hypotheses (a line indented deeper continues the one above), then
    :data:`RULE` and the target, or a target line that starts with :data:`TURNSTILE` (Lean,
    whose optional ``case`` line is dropped). Goals are separated by a blank line; a blank
    line inside a goal (a chunk with no rule or turnstile) continues the goal before it.
    ``no goals`` and empty text have none.
    """
    if text.strip() in ("", "no goals"):
        return ()
    chunks: list[str] = []
    for chunk in text.split("\n\n"):
        if chunks and not _has_target_line(chunk):
            chunks[-1] += "\n\n" + chunk
        else:
            chunks.append(chunk)
    return tuple(_parse_goal(chunk) for chunk in chunks)


def _has_target_line(chunk: str) -> bool:
    return any(line == RULE or line.startswith(TURNSTILE) for line in chunk.split("\n"))


def _parse_goal(chunk: str) -> Goal:
    lines = chunk.split("\n")
    at = next((i for i, line in enumerate(lines) if line == RULE or line.startswith(TURNSTILE)), None)
    if at is None:
        return Goal((), chunk.strip())
    above = lines[:at]
    if lines[at] == RULE:
        target = "\n".join(lines[at + 1:])
    else:
        target = "\n".join(lines[at:])[len(TURNSTILE):]
        if above and above[0].startswith("case "):
            above = above[1:]
    hypotheses: list[str] = []
    for line in above:
        if hypotheses and line[:1].isspace():
            hypotheses[-1] += "\n" + line
        elif line.strip():
            hypotheses.append(line)
    return Goal(tuple(hypotheses), target)


@dataclass(frozen=True)
class Progress:
    """The tactic ran and left the goals of ``state`` open."""

    state: State


@dataclass(frozen=True)
class Proved:
    """The tactic ran and no goal is left (the search's view; not a verdict)."""

    state: State


@dataclass(frozen=True)
class TacticError:
    """The proof assistant rejected the tactic; the parent state is unchanged."""

    message: str


@dataclass(frozen=True)
class Timeout:
    """The tactic ran past its time limit; the backend recovered and goes on."""

    seconds: float


StepResult = Union[Progress, Proved, TacticError, Timeout]


@dataclass(frozen=True)
class Verdict:
    """The outcome of the backend's independent, fresh-process re-check."""

    ok: bool
    reason: str = ""
    checked_file: str = field(default="", repr=False)


class ProverError(Exception):
    """The proof assistant cannot serve this problem (crash, bad header, ...)."""


class ProverCrashError(ProverError):
    """The proof-assistant process died or answered something unreadable."""


class ProverNotInstalledError(ProverError):
    """The backend's proof assistant is not installed; the message says what to install."""


class ProblemSetupError(ProverError):
    """The problem's header or statement was rejected by the proof assistant."""


class UnknownStateError(ProverError):
    """A step named a state id this environment never handed out."""


def parse_portfolio(text: str) -> list[tuple[str, float]]:
    """Read ``tactic<TAB>logprob`` lines; ``#`` starts a comment line."""
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        tactic, sep, score = line.rpartition("\t")
        if not sep:
            raise ValueError(f"portfolio line {number}: expected 'tactic<TAB>logprob': {line!r}")
        entries.append((tactic.strip(), float(score)))
    return entries


class ProofEnv(abc.ABC):
    """A proof assistant session that can hold one open problem at a time.

    Implementations keep their processes alive across problems: call
    :meth:`open` once per problem and :meth:`close` once at the end.

    The class attributes and class methods are the backend's facts, which the
    runner, the problem loader and the generators read without starting it.
    """

    #: Registry name of the backend (``"coq"``, ``"lean"``, ...).
    name: str = ""
    #: Package holding the backend's ``portfolio.tsv`` and ``automation.txt`` (e.g. ``"coq_env.data"``).
    data_package: str = ""
    #: The field of a benchmark record (miniF2F JSONL) that holds this backend's header and statement.
    statement_field: str = ""
    #: The stem of the backend's few-shot prompt in ``prover/prompts/`` (``"coq"``: ``coq.json``).
    prompt_name: str = ""
    #: Seconds one tactic may run when the user sets no tactic timeout.
    default_timeout: float = 10.0
    #: The command that prints the prover's version (``coqc --version``); empty when unknown.
    version_command: tuple[str, ...] = ()

    @abc.abstractmethod
    def open(self, problem: Problem) -> State:
        """Start ``problem`` (header and statement) and return its initial state."""

    @abc.abstractmethod
    def step(self, state_id: int, tactic: str) -> StepResult:
        """Apply ``tactic`` to the state ``state_id`` of the open problem."""

    @abc.abstractmethod
    def verify(self, problem: Problem, proof: list[str]) -> Verdict:
        """Re-check ``proof`` (the tactics in order) for ``problem`` in a fresh process."""

    def problem_setup(self) -> dict[str, str]:
        """How the open problem was set up, where the backend had a choice, for its results record.

        Empty by default; Coq names the prelude it loaded the problem with and why it is not the
        whole one (``{"prelude": "without interval", "prelude_reason": "..."}``).
        """
        return {}

    def proof_script(self, problem: Problem, proof: list[str]) -> str:
        """The whole checkable file for ``proof``; backends override to add syntax."""
        return "\n".join([problem.header, problem.statement, *proof])

    @classmethod
    def resolve_timeout(cls, timeout: float | None) -> float:
        """``timeout``, or the backend's :attr:`default_timeout` when it is None."""
        return cls.default_timeout if timeout is None else timeout

    @classmethod
    def statement_problem(cls, statement: str) -> str | None:
        """Why ``statement`` cannot be a problem of this backend, or None; checked when problems load.

        Backends override this with their syntax rules (a Coq statement ends with a period), so a
        malformed statement is refused before any prover starts instead of stalling one.
        """
        return None if statement.strip() else "the statement is empty"

    @classmethod
    def parse_portfolio(cls, text: str) -> list[tuple[str, float]]:
        """The backend's portfolio file format; by default :func:`parse_portfolio`'s TSV."""
        return parse_portfolio(text)

    @classmethod
    def portfolio(cls) -> list[tuple[str, float]]:
        """The backend's no-model tactic list with prior log-probabilities (``portfolio.tsv``)."""
        return cls.parse_portfolio(cls._data_file("portfolio.tsv")) if cls.data_package else []

    @classmethod
    def automation(cls) -> str:
        """One combined automation tactic, the baseline a search must beat (``automation.txt``)."""
        if not cls.data_package:
            return ""
        lines = cls._data_file("automation.txt").splitlines()
        return next(line for line in lines if line.strip() and not line.startswith("#"))

    @classmethod
    def goal_tactics(cls) -> dict[str, Any]:
        """The backend's goal-aware tactic templates (``goal_tactics.toml``, read by ``--generator goals``).

        Parsed TOML; empty when the backend has none. Their format is in ``docs/generators.md``.
        """
        if not cls.data_package or not resources.files(cls.data_package).joinpath("goal_tactics.toml").is_file():
            return {}
        return tomllib.loads(cls._data_file("goal_tactics.toml"))

    @classmethod
    def gap_tactics(cls) -> list[str]:
        """The tactics Draft-Sketch-Prove tries, in order, on each gap of a sketch (``gap_tactics.txt``)."""
        if not cls.data_package or not resources.files(cls.data_package).joinpath("gap_tactics.txt").is_file():
            return []
        return [line.strip() for line in cls._data_file("gap_tactics.txt").splitlines()
                if line.strip() and not line.startswith("#")]

    def sketch_step(self, state_id: int, step: str) -> tuple[StepResult, list[State]]:
        """Run a sketch's ``step``, which may hold gap markers inside it, on ``state_id``.

        Returns the step's result and one state per gap inside it, in the step's order: each
        is closed (by :func:`prover.dsp.close_gap`) when a tactic leaves it no goal. By default
        a step holds no gaps and this is :meth:`step`; Lean's REPL answers a step with
        ``sorry`` inside (``have h : P := by sorry``) with a proof state per ``sorry``.
        """
        return self.step(state_id, step), []

    def gap_candidates(self, state_id: int, tactic: str) -> list[str]:
        """The steps a gap tactic stands for on ``state_id``: ``[tactic]`` by default; Isabelle's
        ``sledgehammer`` line stands for each proof Sledgehammer finds there."""
        return [tactic]

    @classmethod
    def fill_gaps(cls, step: str, proofs: list[list[str]]) -> str:
        """``step`` with its gap markers replaced by ``proofs`` (the gaps :meth:`sketch_step` reported, in order)."""
        raise NotImplementedError(f"the {cls.name or cls.__name__} backend reports no gaps inside a step")

    @classmethod
    def is_gap(cls, step: str) -> bool:
        """Whether the sketch step ``step`` is a gap marker (``sorry`` by default; Coq: ``admit.``)."""
        return step.strip() == "sorry"

    @classmethod
    def sketch_steps(cls, problem: Problem, sketch: str) -> tuple[list[str], str]:
        """A sketch's proof steps in order, or the reason it is refused (a changed statement, additions).

        By default the sketch is the proof alone: one step per non-blank line, a deeper-indented
        line continuing the step above it. Backends override this with their syntax.
        """
        steps: list[str] = []
        for line in textwrap.dedent(sketch).splitlines():
            if steps and line[:1].isspace() and line.strip():
                steps[-1] += "\n" + line
            elif line.strip():
                steps.append(line)
        return steps, ""

    @classmethod
    def tool_version(cls) -> str:
        """The prover's version as :attr:`version_command` prints it ("" when it has none or fails).

        A sweep keys its cells by it, so results of another prover version are never reused.
        """
        if not cls.version_command:
            return ""
        try:
            done = subprocess.run(cls.version_command, capture_output=True, text=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    @classmethod
    def _data_file(cls, name: str) -> str:
        return resources.files(cls.data_package).joinpath(name).read_text("utf-8")

    def interrupt(self) -> None:
        """Stop whatever this environment is running, from any thread, and refuse further work.

        Called when a run is interrupted: a step or check in progress returns or raises at once
        instead of finishing, and every later call raises :class:`ProverCrashError` (only
        :meth:`close` still works). Backends that cannot do this keep the default, which does
        nothing: their current step then finishes first.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Stop every process this environment started."""

    def __enter__(self) -> "ProofEnv":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

