"""Sledgehammer's answers and the gap-filling tactic list (as in Draft, Sketch and Prove).

Sledgehammer reports each proof it found as a ``writeln`` message such as
``cvc5: Try this: by (smt (verit) add.commute) (12 ms)``: the prover, ``Try this:``, the
proof text, and how long its reconstruction took. :func:`try_this_proofs` turns those
messages into proof texts a search can step with (``by (smt (verit) add.commute)``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import resources
from typing import TYPE_CHECKING

from isabelle_env.results import TheoryMessage
from prover.env import Proved

if TYPE_CHECKING:
    from isabelle_env.backend import IsabelleEnv

#: The command that asks Sledgehammer, as the last line of ``gap_tactics.txt`` names it.
SLEDGEHAMMER = "sledgehammer"

_TRY_THIS = re.compile(r"Try this:\s*(?P<proof>.+)", re.DOTALL)
# The timing at the end: "(12 ms)", "(0.4 ms)", "(1.2 s)", "(> 1.0 s, timed out)", "(~ 3 ms)".
_TIMING = re.compile(r"\s*\((?:[<>~\u2248]\s*)?\d+(?:\.\d+)?\s*(?:ms|s)\b[^()]*\)\s*$")


def try_this_proof(text: str) -> str | None:
    """The proof text of one Sledgehammer message, without its timing; None if it offers none."""
    found = _TRY_THIS.search(text)
    if found is None:
        return None
    proof = _TIMING.sub("", found.group("proof")).strip()
    return " ".join(proof.split()) or None


def try_this_proofs(messages: Iterable[TheoryMessage | str]) -> list[str]:
    """Every distinct proof the messages offer, in the order Sledgehammer found them."""
    proofs: list[str] = []
    for message in messages:
        text = message.text if isinstance(message, TheoryMessage) else message
        proof = try_this_proof(text)
        if proof is not None and proof not in proofs:
            proofs.append(proof)
    return proofs


def gap_tactics() -> list[str]:
    """The gap-filling list of ``isabelle_env/data/gap_tactics.txt``, in order (``#`` lines are comments).

    Each line is a proof text to try on an open goal; the line ``sledgehammer`` means: then ask
    Sledgehammer and try what it offers (:func:`try_this_proofs`).
    """
    text = resources.files("isabelle_env.data").joinpath("gap_tactics.txt").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def fill_gap(env: "IsabelleEnv", state_id: int) -> str | None:
    """The first proof of ``gap_tactics()`` that closes the goals of ``state_id`` in ``env``, or None.

    The list is tried in order; at its ``sledgehammer`` line, each proof Sledgehammer offers is
    tried in turn. Only a step that leaves no goal (``Proved``) fills the gap.
    """
    for tactic in gap_tactics():
        candidates = env.sledgehammer(state_id) if tactic == SLEDGEHAMMER else [tactic]
        for candidate in candidates:
            if isinstance(env.step(state_id, candidate), Proved):
                return candidate
    return None
