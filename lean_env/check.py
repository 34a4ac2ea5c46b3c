"""The soundness check: a found proof re-elaborated as one command, judged strictly.

The search's ``proofStatus: "Completed"`` is never trusted on its own. The
whole theorem with its proof is sent as one command on top of a pristine
header environment (nothing the search did is in it), then
``#print axioms`` is asked about the theorem. A proof passes only if the
statement ends with ``:=`` and the proof stays inside the theorem, no message
is an error, nothing uses ``sorry``, and the theorem depends on no axiom
beyond the standard three. (That a benchmark problem's statement is the
benchmark's own is the runner's check, for every backend.)
"""

from __future__ import annotations

import re

from lean_env.errors import ReplMessageError, ReplTimeoutError
from lean_env.pool import ReplWorker
from lean_env.protocol import Command, CommandResponse
from prover.env import Problem, Verdict

#: The axioms Mathlib proofs may use; anything else (``sorryAx``, ``Lean.ofReduceBool``
#: from ``native_decide``, a user ``axiom``) fails the check.
ALLOWED_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})

_NAME = re.compile(r"^\s*(?:@\[[^\]]*\]\s*)?(?:(?:private|protected)\s+)?(?:theorem|lemma)\s+"
                   r"([^\s(:{\[⦃]+)", re.MULTILINE)
_SORRY_WARNING = re.compile(r"declaration uses [`']sorry[`']")
_AXIOMS = re.compile(r"depends on axioms: \[(.*)\]\s*$", re.DOTALL)
_NO_AXIOMS = "does not depend on any axioms"
#: Command keywords that can never start a tactic line: a proof containing one is
#: trying to end the theorem early and add declarations of its own.
_COMMAND_LINE = re.compile(
    r"^\s*(?:theorem|lemma|axiom|def|example|instance|abbrev|opaque|structure|class|inductive|"
    r"noncomputable|namespace|section|end|import|universe|variable|macro|macro_rules|syntax|"
    r"elab|elab_rules|notation|attribute|mutual|initialize|#exit|#print|#eval)(?![\w.'!?])",
    re.MULTILINE)


def theorem_name(statement: str) -> str | None:
    """The declared name of a ``theorem``/``lemma`` statement, or None."""
    match = _NAME.search(statement)
    return match.group(1) if match else None


def indent_tactic(tactic: str, prefix: str = "  ") -> str:
    """``tactic`` with every line indented by ``prefix`` (its own layout is kept)."""
    return "\n".join(prefix + line if line.strip() else line for line in tactic.split("\n"))


def proof_command(statement: str, proof: list[str]) -> str:
    """The theorem with its tactic proof: ``statement by`` and one indented line per tactic."""
    return statement + " by\n" + "\n".join(indent_tactic(tactic) for tactic in proof)


def proof_file(problem: Problem, proof: list[str]) -> str:
    """The whole checkable ``.lean`` file: header, then the theorem with its proof."""
    header = problem.header.rstrip()
    body = proof_command(problem.statement, proof)
    return f"{header}\n\n{body}\n" if header else body + "\n"


def statement_syntax_problem(statement: str) -> str | None:
    """Why ``statement`` is not a named Lean theorem ending with ``:=``, or None."""
    if theorem_name(statement) is None:
        return "the statement does not declare a theorem or lemma"
    if not statement.rstrip().endswith(":="):
        return "the statement does not end with ':='"
    return None


def statement_problem(problem: Problem, proof: list[str]) -> str | None:
    """Why the checked text would not prove the statement as written, or None."""
    if not problem.statement.rstrip().endswith(":="):
        return "the statement does not end with ':='"
    if not proof_command(problem.statement, proof).startswith(problem.statement):
        return "the checked text does not start with the statement"
    for tactic in proof:
        match = _COMMAND_LINE.search(tactic)
        if match:
            return f"a tactic contains the command {match.group(0).strip()!r}"
    return None


def command_problem(reply: CommandResponse) -> str | None:
    """Why an elaborated command does not count as a proof (errors, sorry), or None."""
    if reply.errors:
        return "Lean error: " + reply.errors[0].data
    if reply.sorries or any(_SORRY_WARNING.search(m.data) for m in reply.messages):
        return "the proof uses sorry"
    return None


def parse_axioms(reply: CommandResponse) -> frozenset[str] | None:
    """The axioms a ``#print axioms`` reply lists (None if it lists none of its own)."""
    for message in reply.messages:
        if message.severity != "info":
            continue
        if _NO_AXIOMS in message.data:
            return frozenset()
        match = _AXIOMS.search(message.data)
        if match:
            return frozenset(name.strip() for name in match.group(1).split(",") if name.strip())
    return None


def axiom_problem(axioms: frozenset[str]) -> str | None:
    """Why a theorem's axioms are not acceptable, or None."""
    if "sorryAx" in axioms:
        return "the proof uses sorry (sorryAx)"
    extra = sorted(axioms - ALLOWED_AXIOMS)
    if extra:
        return "the proof uses axioms beyond propext, Classical.choice, Quot.sound: " + ", ".join(extra)
    return None


def check_proof(worker: ReplWorker, problem: Problem, proof: list[str],
                timeout: float) -> Verdict:
    """Re-elaborate ``proof`` of ``problem`` on ``worker``'s header environment and judge it."""
    checked = proof_file(problem, proof)
    reason = statement_problem(problem, proof)
    if reason:
        return Verdict(False, reason, checked)
    name = theorem_name(problem.statement)
    worker.ready()
    try:
        reply = worker.send(Command(proof_command(problem.statement, proof), worker.header_env),
                            timeout=timeout)
        reason = command_problem(reply)
        if reason is None and name is None:
            reason = "no theorem name to check the axioms of"
        if reason is None:
            axioms_reply = worker.send(Command(f"#print axioms {name}", reply.env), timeout=timeout)
            reason = command_problem(axioms_reply)
            axioms = parse_axioms(axioms_reply)
            if reason is None and axioms is None:
                reason = f"#print axioms {name} did not list the axioms"
            if reason is None:
                reason = axiom_problem(axioms)
    except ReplTimeoutError as exc:
        reason = f"the check timed out: {exc}"
    except ReplMessageError as exc:
        reason = f"the Lean REPL refused the check: {exc.message}"
    if reason:
        return Verdict(False, reason, checked)
    return Verdict(True, "", checked)
