"""The soundness check: a proof counts only when a fresh ``coqc`` accepts the whole file.

The file is the prelude, the problem's header, its *original* statement,
``Proof.``, the proof's sentences and ``Qed.``, then ``End`` for each section
and module the header left open (one that the header opened with a module type,
``Module M <: T.``, is opened without it: ``End M`` would check the type against
a module the header cuts short; see :func:`coq_env.statements.without_module_types`). Before compiling, every proof sentence must be
a tactic (no vernacular such as ``Admitted``, ``Abort``, ``Axiom`` or a second
``Theorem``, no ``admit``/``give_up``). Then

* the statement's type as Coq elaborated it (the goal under ``Set Printing
  All``, shown by a probe right after ``Proof.`` between two markers no proof can
  forge) must be what the header and statement alone, compiled *without* the
  prelude, elaborate: the prelude's imports cannot have changed what the
  statement means. Only the probe's output is compared, so a header may print
  (``Compute``, ``Check``, ``Search``, ...);
* the theorem may rest only on axioms of the installed libraries and on the
  assumptions the file itself *declares* (``Axiom``, ``Parameter``, ...), never
  on a lemma the file ``Admitted`` (see :mod:`coq_env.assumptions`): a second
  ``coqc`` prints its assumptions from outside the compiled file. The verdict
  names the header's axioms the proof uses.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from coq_env.assumptions import AXIOM_KIND, Assumptions, classify_assumptions, glob_definitions
from coq_env.processes import owned_workdir, require_tool, with_parent_death_signal
from coq_env.sentences import SentenceError, check_tactic_sentence, tactic_sentences
from coq_env.statements import closing_sentences, open_blocks, parse_statement, without_module_types
from prover.env import Problem, ProverCrashError, Verdict

#: The checked file's library name: outside it, the file's own names all start with it.
CHECKED_LIBRARY = "LlemmaUnderCheck"


@dataclass(frozen=True)
class CompiledFile:
    """What a fresh ``coqc`` said of a whole file (:meth:`CoqVerifier.check_file`)."""

    ok: bool  #: coqc compiled the file
    output: str  #: coqc's output (with its errors when it failed)
    #: for each theorem asked about, its assumptions or why they are unknown (empty when the file failed)
    assumptions: tuple[Assumptions | str, ...] = ()

    @property
    def error(self) -> tuple[int, str] | None:
        """The first error's line in the file and its message (line 0 when coqc named none); None if it compiled."""
        if self.ok:
            return None
        found = _FIRST_ERROR.search(self.output)
        if found is None:
            return 0, self.output.strip()[-800:]
        return int(found.group(1)), " ".join(found.group(2).split())


#: Where coqc reports an error: ``File "./X.v", line 9, characters 30-34:`` then ``Error: ...`` (warnings have the same first line).
_FIRST_ERROR = re.compile(r'^File "[^"]*", line (\d+), characters [\d-]+:\n(Error:.*?)(?=^File "|\Z)', re.M | re.S)


class CoqVerifier:
    """Compiles proofs with ``coqc`` in a fresh process per check.

    Each ``coqc`` runs in its own process group, in a folder ``llemma-coq-<pid>-...``
    removed after the check, and dies with the thread that started it. Raises
    :class:`~prover.env.ProverNotInstalledError` when ``coqc`` is not installed.
    ``prelude`` is the default; :meth:`verify` takes the one the search used.
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

    def proof_file(self, problem: Problem, proof: list[str], prelude: str | None = None) -> str:
        """The proof as a file: prelude, header, statement, ``Proof.``, proof, ``Qed.``, closing ``End``\\ s."""
        return self._file(problem, "\n".join(proof), self.prelude if prelude is None else prelude, "")[0]

    def verify(self, problem: Problem, proof: list[str], prelude: str | None = None) -> Verdict:
        """Whether ``proof`` proves ``problem`` as stated, judged by a fresh ``coqc``."""
        try:
            statement = parse_statement(problem.statement)
            sentences = [s for step in proof for s in tactic_sentences(step)]
        except SentenceError as error:
            return Verdict(False, f"not a valid proof: {error}")
        if not sentences:
            return Verdict(False, "empty proof")
        for sentence in sentences:
            reason = check_tactic_sentence(sentence)
            if reason:
                return Verdict(False, reason)
        marker = secrets.token_hex(8)
        prelude = self.prelude if prelude is None else prelude
        source, start = self._file(problem, "\n".join(sentences), prelude, marker)
        with owned_workdir("llemma-coq-") as tmp:
            ok, output = self._compile(tmp, CHECKED_LIBRARY, source)
            if not ok:
                return Verdict(False, f"coqc rejected the proof: {output[-800:].strip()}", source)
            checked_type = _probe_output(output, marker)
            reference = self._reference_type(problem.header, problem.statement)
            if checked_type is None or reference is None:
                reason = "coqc printed no readable statement type" if reference else "the statement alone does not compile"
                return Verdict(False, reason, source)
            if checked_type != reference:
                return Verdict(False, "the statement's meaning changed under the prelude", source)
            statement_bytes = range(start, start + len(problem.statement.encode("utf-8")))
            assumptions = self._assumptions(tmp, statement_bytes, statement.name)
        if isinstance(assumptions, str):
            return Verdict(False, assumptions, source)
        if assumptions.refusal:
            return Verdict(False, assumptions.refusal, source)
        using = f", using the header's axioms: {', '.join(assumptions.declared)}" if assumptions.declared else ""
        return Verdict(True, f"coqc accepted the proof{using}", source)

    def check_file(self, source: str, theorems: Sequence[tuple[range, str]] = ()) -> CompiledFile:
        """Compile ``source`` as a whole file, as its user would (no prelude), in a fresh ``coqc``;
        then the assumptions of each theorem of ``theorems``, given by the byte range of its statement
        in ``source`` and its name (see :class:`CompiledFile`)."""
        with owned_workdir("llemma-coq-") as tmp:
            ok, output = self._compile(tmp, CHECKED_LIBRARY, source)
            if not ok:
                return CompiledFile(False, output)
            found = [self._assumptions(tmp, statement_bytes, name) for statement_bytes, name in theorems]
        return CompiledFile(True, output, tuple(found))

    def _file(self, problem: Problem, body: str, prelude: str, marker: str, end: str = "Qed.") -> tuple[str, int]:
        """The checked file, and the byte where the statement starts in it."""
        probe = _type_probe(marker) if marker else ""
        closing = closing_sentences(open_blocks(problem.header))
        before = f"{prelude}\n{without_module_types(problem.header)}\n"
        return f"{before}{problem.statement}\nProof.\n{probe}{body}\n{end}\n{closing}", len(before.encode("utf-8"))

    def _assumptions(self, tmp: str, statement_bytes: range, name: str | None) -> Assumptions | str:
        """The assumptions of the theorem compiled in ``tmp``, asked from outside the file, or why they are unknown.

        The theorem is the definition that Coq's ``.glob`` record places in ``statement_bytes``.
        """
        glob_path = Path(tmp) / f"{CHECKED_LIBRARY}.glob"
        definitions = glob_definitions(glob_path.read_text("utf-8", "replace")) if glob_path.exists() else []
        theorem = next((d for d in definitions if d.start in statement_bytes and d.kind != "binder"
                        and name in (None, d.name)), None)
        if theorem is None:
            return "coqc's record of the file does not show where the theorem was defined"
        axioms = {d.qualified for d in definitions if d.kind == AXIOM_KIND}
        query = f"Require {CHECKED_LIBRARY}.\nPrint Assumptions {CHECKED_LIBRARY}.{theorem.qualified}.\n"
        ok, output = self._compile(tmp, "LlemmaAssumptions", query)
        assumptions = classify_assumptions(output, CHECKED_LIBRARY, axioms) if ok else None
        return assumptions if assumptions is not None else f"coqc printed no readable assumptions: {output[-300:].strip()}"

    def _compile_reference_type(self, header: str, statement: str) -> str | None:
        marker = secrets.token_hex(8)
        source, _ = self._file(Problem("", "", header, statement), "", "", marker, end="Admitted.")
        with owned_workdir("llemma-coq-") as tmp:
            ok, output = self._compile(tmp, CHECKED_LIBRARY, source)
        return _probe_output(output, marker) if ok else None

    def _compile(self, tmp: str, module: str, source: str) -> tuple[bool, str]:
        """Compile ``source`` as ``module.v`` in ``tmp``: whether ``coqc`` accepted it, and its output."""
        path = Path(tmp) / f"{module}.v"
        path.write_text(source, encoding="utf-8")
        with self._lock:
            if self.interrupted:
                raise ProverCrashError("coqc was stopped: the run is being interrupted")
            process = subprocess.Popen(
                with_parent_death_signal([self.coqc, "-q", path.name]),
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
        return process.returncode == 0, output if process.returncode == 0 else output + errors

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


def _type_probe(marker: str) -> str:
    """Show the goal fully explicit (what the statement means to Coq) between two markers.

    Whole: past the printing depth (50 by default) Coq prints a subterm as ``...``, and a
    difference deep in the statement would not show.
    """
    return (f'idtac "llemma-probe-{marker}".\nSet Printing All.\nSet Printing Depth {_UNLIMITED}.\n'
            f'Set Printing Width {_UNLIMITED}.\nShow.\nUnset Printing All.\nidtac "llemma-probe-end-{marker}".\n')


_UNLIMITED = 1_000_000


def _probe_output(output: str, marker: str) -> str | None:
    """What the probe printed, whitespace normalised; None if its markers are missing."""
    start = output.find(f"llemma-probe-{marker}")
    end = output.find(f"llemma-probe-end-{marker}", start)
    if start < 0 or end < 0:
        return None
    return " ".join(output[start + len(marker) + len("llemma-probe-"): end].split())
