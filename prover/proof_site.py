"""Where a goal to work on is: a problem, and the proof steps that lead from its statement to the goal.

``prove suggest`` and ``prove repl`` work on one goal: the state at a line inside a
lemma's proof in a file, or the first goal of a statement given on its own. A
:class:`ProofSite` says which: the lemma as a :class:`~prover.env.Problem` (the file
before its statement as the header), and the steps of its proof that come before the
line, replayed in the prover to reach the goal. A backend that can find sites in its
files implements :class:`SiteBackend` (reached through :mod:`prover.registry`).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, Sequence

from prover.env import Problem


class NoGoalThere(ValueError):
    """The place named holds no goal that can be reached (not inside a proof, or a proof that cannot be replayed)."""


@dataclass(frozen=True)
class ReplayStep:
    """One proof step written before the goal, and the line it ends on (for messages)."""

    tactic: str
    line: int


@dataclass(frozen=True)
class ProofSite:
    """A goal: ``problem``'s statement, then ``steps`` in order."""

    problem: Problem
    steps: tuple[ReplayStep, ...] = ()
    #: the sentence that opens the proof where the file has one (Coq: ``Proof using x.``); kept when the proof is printed
    opener: str = ""
    #: where the goal is, for titles and messages (``Lib.v:12, in add_zero``)
    label: str = ""


class SiteBackend(abc.ABC):
    """What finding a goal in a file and printing a proof need from a backend."""

    #: Constructor options of the backend's env for a goal in a file's own context
    #: (Coq: no prelude, so that the goal is the one the file has, with its own imports).
    env_options: dict[str, Any] = {}

    @abc.abstractmethod
    def proof_site(self, text: str, line: int, file: str) -> ProofSite:
        """The goal at ``line`` (1-based) of ``text``, read from ``file`` (its stem names the lemma).

        Raises :class:`NoGoalThere`, saying why, when ``line`` is inside no proof or the steps
        before it cannot be replayed.
        """

    @abc.abstractmethod
    def proof_script(self, proof: Sequence[str], opener: str = "", finished: bool = True) -> str:
        """The proof ``proof`` (tactics in order) as its user pastes it after the statement, opened with
        ``opener`` when given (Coq: ``Proof.``, one sentence a line, ``Qed.``, or ``Admitted.`` when not ``finished``)."""
