"""The soundness check: a proof counts only when a fresh ``coqc`` accepts the whole file.

The file is the prelude, the problem's header, its *original* statement,
``Proof.``, the proof's sentences and ``Qed.``. Before compiling, every proof
sentence must be a tactic (no vernacular such as ``Admitted``, ``Abort``,
``Axiom`` or a second ``Theorem``, no ``admit``/``give_up``). After it,

* ``Print Assumptions`` may list only axioms that the header itself declares
  (printed unqualified) or that come from a library (printed qualified, e.g.
  ``ClassicalDedekindReals.sig_forall_dec``): a proof cannot ``Require``
  anything, so a qualified axiom can only come from the installed libraries;
* ``Check`` of the theorem under ``Set Printing All`` must print the same type
  as the statement compiled *without* the prelude, so the prelude's imports
  cannot have changed what the statement means.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
from functools import lru_cache
from pathlib import Path

from coq_env.processes import owned_workdir, require_tool, with_parent_death_signal
from coq_env.sentences import (
    SentenceError,
    check_tactic_sentence,
    declared_assumptions,
    tactic_sentences,
    theorem_name,
)
from prover.env import Problem, ProverCrashError, Verdict

_ASSUMPTIONS = re.compile(r"^(?:Closed under the global context|Axioms:|Opaque constants:|Transparent constants:|Section Variables:)", re.M)


class CoqVerifier:
    """Compiles proofs with ``coqc`` in a fresh process per check.

    Each ``coqc`` runs in its own process group, in a folder ``llemma-coq-<pid>-...``
    removed after the check, and dies with the thread that started it. Raises
    :class:`~prover.env.ProverNotInstalledError` when ``coqc`` is not installed.
    """

    def __init__(self, coqc: str = "coqc", prelude: str = "", timeout: float = 120.0) -> None:
        require_tool(coqc)
        self.coqc = coqc
        self.prelude = prelude
        self.timeout = timeout
        self.interrupted = False
        self._running: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._reference_type = lru_cache(maxsize=64)(self._compile_reference_type)

    def proof_file(self, problem: Problem, proof: list[str]) -> str:
        """The checked file: prelude, header, statement, ``Proof.``, proof, ``Qed.``."""
        body = "\n".join(proof)
        return f"{self.prelude}\n{problem.header}\n{problem.statement}\nProof.\n{body}\nQed.\n"

    def verify(self, problem: Problem, proof: list[str]) -> Verdict:
        """Whether ``proof`` proves ``problem`` as stated, judged by a fresh ``coqc``."""
        try:
            name = theorem_name(problem.statement)
            sentences = [s for step in proof for s in tactic_sentences(step)]
        except SentenceError as error:
            return Verdict(False, f"not a valid proof: {error}")
        if not sentences:
            return Verdict(False, "empty proof")
        for sentence in sentences:
            reason = check_tactic_sentence(sentence)
            if reason:
                return Verdict(False, reason)
        source = self.proof_file(problem, sentences)
        probe = f"{source}{_type_probe(name)}Unset Printing All.\nPrint Assumptions {name}.\n"
        ok, output = self._compile(probe)
        if not ok:
            return Verdict(False, f"coqc rejected the proof: {output[-800:].strip()}", source)
        # Messages a proof prints (idtac) all come before the checks after Qed, so read
        # the last `Check` display and the `Print Assumptions` output that follows it.
        checks = list(re.finditer(rf"^{re.escape(name)}\n\s+: ", output, re.M))
        header = _ASSUMPTIONS.search(output, checks[-1].start()) if checks else None
        if header is None:
            return Verdict(False, "coqc printed no readable type and assumptions", source)
        checked, assumptions = output[checks[-1].start(): header.start()], output[header.start():]
        axioms = parse_axioms(assumptions)
        allowed = declared_assumptions(problem.header)
        foreign = [axiom for axiom in axioms if "." not in axiom and axiom not in allowed]
        if foreign:
            return Verdict(False, f"proof depends on undeclared axioms: {', '.join(foreign)}", source)
        reference = self._reference_type(problem.header, problem.statement)
        if reference is None:
            return Verdict(False, "the statement alone does not compile", source)
        if _normal(checked) != reference:
            return Verdict(False, "the statement's meaning changed under the prelude", source)
        return Verdict(True, "coqc accepted the proof", source)

    def _compile_reference_type(self, header: str, statement: str) -> str | None:
        name = theorem_name(statement)
        source = f"{header}\n{statement}\nProof.\nAdmitted.\n{_type_probe(name)}"
        ok, output = self._compile(source)
        return _normal(output) if ok else None

    def _compile(self, source: str) -> tuple[bool, str]:
        with owned_workdir("llemma-coq-") as tmp:
            path = Path(tmp) / "Check.v"
            path.write_text(source, encoding="utf-8")
            with self._lock:
                if self.interrupted:
                    raise ProverCrashError("coqc was stopped: the run is being interrupted")
                process = subprocess.Popen(
                    with_parent_death_signal([self.coqc, "-q", str(path)]),
                    cwd=tmp,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    start_new_session=True,
                )
                self._running = process
            try:
                output, errors = process.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                process.communicate()
                return False, f"coqc timed out after {self.timeout:.0f}s"
            finally:
                with self._lock:
                    self._running = None
            if self.interrupted:
                raise ProverCrashError("coqc was stopped: the run is being interrupted")
            return process.returncode == 0, output + errors

    def interrupt(self) -> None:
        """Kill the check in progress (from any thread) and refuse later ones."""
        with self._lock:
            self.interrupted = True
            if self._running is not None:
                _kill_group(self._running)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def parse_axioms(output: str) -> list[str]:
    """Axiom names from ``Print Assumptions`` output (empty when closed)."""
    if "Closed under the global context" in output:
        return []
    names = []
    in_block = False
    for line in output.splitlines():
        if re.match(r"^(Axioms|Opaque constants|Transparent constants):", line):
            in_block = line.startswith("Axioms")
            continue
        if in_block and line and not line[0].isspace():
            names.append(line.split(" : ")[0].strip())
    return names


def _type_probe(name: str) -> str:
    """Print the theorem's fully explicit type (what the statement means to Coq)."""
    return f"Set Printing All.\nCheck {name}.\n"


def _normal(text: str) -> str:
    return " ".join(text.split())
