"""Replay a Coq file sentence by sentence and record every proof step with the goals it was taken from.

One coqtop runs the file's sentences in order (without the prover's prelude:
the file's own imports are what it means). When coqtop enters a proof, each
tactic sentence is recorded with the state before it, rendered exactly as the
search shows states to generators (:meth:`prover.env.State.render`); bullets,
braces and ``Proof``/``Qed`` are run but are not steps. A lemma whose replay
fails (an error, or past its time) is recorded as a failure with the reason,
closed with ``Admitted.`` so that later lemmas may still use it, and its steps
are dropped. A sentence that outlives its timeout kills coqtop; the file is
then started again quickly (earlier proofs are admitted, not replayed).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from coq_env.goals import GoalDisplay, parse_display, parse_goal
from coq_env.sentences import SentenceError, strip_comments, check_tactic_sentence, split_sentences
from coq_env.session import CoqtopSession, SentenceTimeout
from prover.env import Goal, State

#: Sentences that end a proof.
_PROOF_END = re.compile(r"^(?:Qed|Defined|Admitted|Abort(?:\s+All)?|Save\b[^.]*)\s*\.$")
_PROOF_START = re.compile(r"^Proof\b")
_BULLET_OR_BRACE = re.compile(r"^(?:[-+*]+|[{}]|\d+\s*:\s*\{)$")
#: Goals past this many are recorded by target only, as the search does.
MAX_FULL_GOALS = 8


@dataclass
class ReplayResult:
    """What one file gave: step records, failed lemmas, and counts."""

    steps: list[dict] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    lemmas: int = 0
    proved: int = 0  #: lemmas replayed to their end with every step recorded


@dataclass
class _Lemma:
    name: str
    started: float
    steps: list[dict] = field(default_factory=list)
    failure: str = ""


def code_of(sentence: str) -> str:
    """The sentence without comments, on one line (as it is sent to coqtop and recorded)."""
    return " ".join(strip_comments(sentence).split())


def replay_file(
    text: str, file: str, timeout: float = 20.0, lemma_timeout: float = 60.0, coqtop: str = "coqtop", setup_timeout: float = 120.0
) -> ReplayResult:  # fmt: skip
    """Replay ``text`` (a ``.v`` file's contents, named ``file`` in the records) and collect its steps."""
    result = ReplayResult()
    try:
        sentences = [code for code in map(code_of, split_sentences(text)) if code]
    except SentenceError as error:
        result.failures.append({"file": file, "lemma": "", "reason": f"cannot split the file: {error}"})
        return result
    session = CoqtopSession(coqtop)
    session.start(setup_timeout)
    done: list[str] = []  # what to run again after a restart: proofs admitted, not replayed
    lemma: _Lemma | None = None
    try:
        for sentence in sentences:
            if lemma is not None and time.monotonic() - lemma.started > lemma_timeout and not lemma.failure:
                lemma.failure = f"the lemma took over {lemma_timeout:.0f} s"
            try:
                lemma = _run(session, sentence, lemma, timeout, result, file, done)
            except SentenceTimeout:
                if lemma is None:
                    result.failures.append({"file": file, "lemma": "", "reason": f"{sentence[:80]!r} timed out"})
                else:
                    lemma.failure = lemma.failure or f"{sentence[:80]!r} timed out after {timeout:.0f} s"
                _restart(session, done, lemma, setup_timeout)
    finally:
        session.close()
    if lemma is not None:  # the file ended inside a proof
        result.failures.append({"file": file, "lemma": lemma.name, "reason": "the file ends inside the proof"})
    return result


def _run(session: CoqtopSession, sentence: str, lemma: _Lemma | None, timeout: float, result: ReplayResult, file: str,
         done: list[str]) -> _Lemma | None:  # fmt: skip
    """Run one sentence; return the lemma still open after it (or None)."""
    if lemma is None:
        reply = session.run(sentence, timeout)
        if reply.ok:
            done.append(sentence)
        if reply.ok and reply.proof_name != "Coq":  # the prompt names the open proof ("Coq" outside)
            result.lemmas += 1
            return _Lemma(reply.proof_name, time.monotonic())
        return None
    if lemma.failure:  # skip the rest of a failed proof
        if _PROOF_END.match(sentence):
            _close_failed(session, lemma, timeout, result, file, done)
            return None
        return lemma
    if _PROOF_END.match(sentence):
        if lemma.steps and sentence.startswith(("Qed", "Defined", "Save")):
            lemma.steps[-1]["finished"] = True
        reply = session.run(sentence, timeout)
        if not reply.ok or reply.proof_name != "Coq":
            lemma.failure = f"{sentence} was refused: {reply.error[:300]}"
            _close_failed(session, lemma, timeout, result, file, done)
            return None
        done.append("Admitted.")
        if sentence.startswith(("Admitted", "Abort")):
            return None  # not a proof to learn from, and not a failure of the replay
        result.steps.extend(lemma.steps)
        result.proved += 1
        return None
    # steps are tactics: not Proof, bullets and braces, nor commands run inside a proof (Show, Check, ...)
    recorded = not (_PROOF_START.match(sentence) or _BULLET_OR_BRACE.match(sentence)) and check_tactic_sentence(sentence) is None
    before = read_state(session, timeout) if recorded else None
    reply = session.run(sentence, timeout)
    if not reply.ok:
        lemma.failure = f"{sentence[:80]!r}: {reply.error[:300]}"
        return lemma
    if before is not None:
        if lemma.steps:
            lemma.steps[-1]["finished"] = before.render() == "no goals"
        lemma.steps.append({"file": file, "lemma": lemma.name, "step": len(lemma.steps), "goals": before.render(),
                            "tactic": sentence, "finished": False})  # fmt: skip
    return lemma


def _close_failed(session: CoqtopSession, lemma: _Lemma, timeout: float, result: ReplayResult, file: str, done: list[str]) -> None:
    """Admit the lemma (later ones may use it) and record why it failed."""
    session.run("Admitted.", timeout)
    done.append("Admitted.")
    result.failures.append({"file": file, "lemma": lemma.name, "reason": lemma.failure})


def _restart(session: CoqtopSession, done: list[str], lemma: _Lemma | None, setup_timeout: float) -> None:
    """After a timeout killed coqtop: start again and run what came before, proofs admitted."""
    session.start(setup_timeout)
    for sentence in done:
        session.run(sentence, setup_timeout)


def read_state(session: CoqtopSession, timeout: float) -> State:
    """The goals as the search sees them: ``Show.``, then ``Show i.`` for the hypotheses of the first few."""
    display = parse_display(session.run("Show.", timeout).output)
    return State(0, tuple(_goals(session, display, timeout)))


def _goals(session: CoqtopSession, display: GoalDisplay, timeout: float) -> list[Goal]:
    goals: list[Goal] = [display.first] if display.first is not None else []
    for index in range(2, display.count + 1):
        if index <= MAX_FULL_GOALS:
            goal = parse_goal(session.run(f"Show {index}.", timeout).text)
            if goal is not None:
                goals.append(goal)
                continue
        goals.append(Goal((), display.targets.get(index, "")))
    return goals
