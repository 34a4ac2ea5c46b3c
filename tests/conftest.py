"""Shared fixtures: live Coq sessions and small Coq problems."""

from __future__ import annotations

import shutil

import pytest

from prover.env import Problem

requires_coq = pytest.mark.skipif(
    shutil.which("coqtop") is None or shutil.which("coqc") is None,
    reason="Coq 8.16 is not installed (apt-get install coq libcoq-stdlib libcoq-hammer libcoq-interval)",
)

REALS = "Require Import Reals.\nOpen Scope R_scope.\n"

#: A tactic that never ends: binary iteration, constant memory and stack, ~10^11 steps.
#: (A recursive Ltac loop is no good: it overflows the stack, fast or slow by machine.)
LOOP = "let x := eval vm_compute in (Pos.iter Pos.succ 1%positive 100000000000%positive) in idtac"


def coq_problem(name: str, statement: str, header: str = REALS) -> Problem:
    """A Coq problem with the usual miniF2F real-number header."""
    return Problem(name=name, split="custom", header=header, statement=statement)


@pytest.fixture
def coq_env():
    """A live CoqEnv with a short tactic timeout, closed after the test."""
    from coq_env import CoqEnv

    env = CoqEnv(timeout=3.0)
    yield env
    env.close()
