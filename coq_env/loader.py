"""Loading a problem into coqtop: the prelude once per process, then the header and the statement.

coqtop's document is linear: the prelude's layers, the header's sentences, the
statement. The loader keeps the state after each prelude layer and after each
header sentence it loaded, so that

* a problem whose header begins like the last one's (the lemmas of one real file,
  each with the file before it as its header) goes ``BackTo`` the last sentence
  they share and loads only the rest: a file's lemmas cost one pass over the
  file, not one per lemma;
* a header or statement that Coq refuses after the whole prelude is loaded again
  after fewer layers (``BackTo`` the state after them), one layer fewer at a
  time, and the first choice under which both load is the problem's prelude
  (:class:`~coq_env.prelude.PreludeChoice`, with the refusal as its reason). A
  refusal is remembered with the header sentences up to it, so a later header
  that begins with them skips that choice at once.

Sentences go to coqtop as they are written, line breaks, comments and all.
"""

from __future__ import annotations

from dataclasses import replace

from coq_env.prelude import Prelude, PreludeChoice
from coq_env.sentences import split_sentences
from coq_env.session import CoqtopSession
from coq_env.statements import parse_statement
from prover.env import ProblemSetupError


class _Refused(Exception):
    """Coq refused the header or statement under one prelude choice."""


class ProblemLoader:
    """Loads problems into one coqtop session (see the module docstring)."""

    def __init__(self, session: CoqtopSession, prelude: Prelude, setup_timeout: float, timeout: float) -> None:
        self.session = session
        self.prelude = prelude
        self.setup_timeout = setup_timeout
        self.timeout = timeout
        self._layer_states: list[int] | None = None  # state after 0, 1, ... prelude layers
        self._loaded: list[tuple[str, int]] = []  # header sentences after ``_loaded_layers`` layers, state after each
        self._loaded_layers = -1
        self._refusals: dict[int, tuple[tuple[str, ...], str]] = {}  # layers -> (header sentences up to the refused one, why)

    def load(self, header: str, statement: str) -> tuple[int, PreludeChoice]:
        """Load ``header`` and ``statement``; return the state with the proof open and the prelude used.

        Raises :class:`~prover.env.ProblemSetupError` when Coq refuses them under every
        prelude choice (with the refusal under the whole prelude) or the statement opens
        no proof, :class:`~coq_env.session.SentenceTimeout` when a sentence runs too long.
        """
        if self._layer_states is None or not self.session.alive:
            self._start()
        sentences = split_sentences(header)
        first_refusal = ""
        for choice in self.prelude.candidates():
            try:
                state = self._load_after(choice.layers, sentences, statement.strip())
            except _Refused as refused:
                first_refusal = first_refusal or str(refused)
                continue
            if first_refusal:
                choice = replace(choice, reason=f"after the full prelude, {first_refusal}")
            return state, choice
        raise ProblemSetupError(first_refusal)

    def reset(self) -> None:
        """Forget the document (the process was or will be restarted)."""
        self._layer_states = None
        self._loaded = []
        self._loaded_layers = -1

    def _start(self) -> None:
        self.reset()
        self.session.start(self.setup_timeout)
        self._run_all(self.prelude.intro)
        states = [self.session.state]
        for index in range(len(self.prelude.layers)):
            self._run_all(self.prelude.layer_text(index))
            states.append(self.session.state)
        self._layer_states = states

    def _run_all(self, prelude: str) -> None:
        for sentence in split_sentences(prelude):
            reply = self.session.run(sentence, self.setup_timeout)
            if not reply.ok:
                raise ProblemSetupError(f"prelude rejected by Coq at {sentence[:80]!r}: {reply.error}")

    def _go_to_layers(self, layers: int) -> None:
        """Bring the document to the state after ``layers`` prelude layers.

        ``BackTo`` a state ends every state after it, so going back to fewer layers forgets the
        states of the others, and going up to more layers loads them again.
        """
        states = self._layer_states
        assert states is not None
        if layers < len(states):
            del states[layers + 1 :]
            if self.session.state != states[layers]:
                self.session.back_to(states[layers], self.timeout)
            return
        if self.session.state != states[-1]:
            self.session.back_to(states[-1], self.timeout)
        for index in range(len(states) - 1, layers):
            self._run_all(self.prelude.layer_text(index))
            states.append(self.session.state)

    def _load_after(self, layers: int, sentences: list[str], statement: str) -> int:
        """Load the header ``sentences`` and the statement after ``layers`` prelude layers."""
        assert self._layer_states is not None
        refusal = self._refusals.get(layers)
        if refusal and tuple(sentences[: len(refusal[0])]) == refusal[0]:
            raise _Refused(refusal[1])
        shared = 0
        if self._loaded_layers == layers:
            limit = min(len(self._loaded), len(sentences))
            while shared < limit and self._loaded[shared][0] == sentences[shared]:
                shared += 1
        del self._loaded[shared:]
        self._loaded_layers = layers
        if self._loaded:
            if self.session.state != self._loaded[-1][1]:
                self.session.back_to(self._loaded[-1][1], self.timeout)
        else:
            self._go_to_layers(layers)
        for sentence in sentences[shared:]:
            reply = self.session.run(sentence, self.setup_timeout)
            if not reply.ok:
                why = f"the header is rejected by Coq at {sentence[:80]!r}: {reply.error}"
                self._refusals[layers] = (tuple(sentences[: len(self._loaded) + 1]), why)
                raise _Refused(why)
            self._loaded.append((sentence, self.session.state))
        reply = self.session.run(statement, self.setup_timeout)
        if not reply.ok:
            raise _Refused(f"the statement is rejected by Coq: {reply.error}")
        if reply.proof_name != parse_statement(statement).proof_name:
            raise ProblemSetupError("the statement did not open a proof")
        return self.session.state
