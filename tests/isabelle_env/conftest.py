"""Shared helpers for the Isabelle backend tests: a replay server and clients or envs attached to it."""

from __future__ import annotations

import pytest

pytest.importorskip("isabelle_client", reason="isabelle-client is not installed: pip install 'llemma-prover[isabelle]'")

from prover.env import Problem  # noqa: E402
from tests.isabelle_env.replay import Answer, ReplayServer  # noqa: E402

#: A problem laid out like the recordings' Example.thy: header on lines 1-3, statement on line 4,
#: so the first step (or the probe of ``open``) is on line 5, where the recorded messages point.
EXAMPLE = Problem(name="example", split="custom", header="theory Example\nimports Main\nbegin\n",
                  statement='lemma "\\<forall>x y. x = y"')


def checks(*fixtures: str) -> list[Answer]:
    """The script of one ``use_theories`` a fixture, each followed by the purge the session sends."""
    script = []
    for fixture in fixtures:
        script += [Answer("use_theories", fixture), Answer("purge_theories", "purge_theories")]
    return script


def session_script(*middle: Answer) -> list[Answer]:
    """``session_start``, then ``middle``, then ``session_stop``: an env's whole conversation."""
    return [Answer("session_start", "session_start"), *middle, Answer("session_stop", "session_stop")]


@pytest.fixture
def replay_env():
    """Make an ``IsabelleEnv`` attached to a replay server of a script; all are closed after the test."""
    from isabelle_env import IsabelleEnv

    made = []

    def make(script: list[Answer], **options) -> tuple[IsabelleEnv, ReplayServer]:
        server = ReplayServer(script).__enter__()
        env = IsabelleEnv(server=server.info_line, **options)
        made.append((env, server))
        return env, server

    yield make
    for env, server in made:
        env.close()
        server.__exit__()
