"""Shared helpers for the Lean backend tests: transcripts and replay REPL commands."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
#: The upstream REPL transcripts, vendored byte for byte (see their README and LICENSE).
FIXTURES = HERE / "fixtures" / "lean-repl"
#: Transcripts for the soundness check, written in the recorded format (see their README).
TRANSCRIPTS = HERE / "transcripts"
REPLAY = HERE / "lean_replay.py"


def pair_names(root: Path = FIXTURES) -> list[str]:
    """Every ``NAME`` (``mathlib/NAME`` for the Mathlib ones) with a recorded pair under ``root``."""
    return sorted(str(path.relative_to(root))[: -len(".expected.out")]
                  for path in root.rglob("*.expected.out"))


def replay_argv(name: str, *options: str, root: Path = FIXTURES) -> list[str]:
    """The command that starts a replay REPL for transcript ``name``."""
    return [sys.executable, str(REPLAY), str(root / f"{name}.in"),
            str(root / f"{name}.expected.out"), *options]


@pytest.fixture
def replay_env(tmp_path):
    """Build ``LeanEnv``s whose REPL is a replay server; all are closed after the test."""
    from lean_env import LeanEnv

    made = []

    def make(name: str, *options: str, root: Path = FIXTURES, **env_options) -> LeanEnv:
        env = LeanEnv(repl_command=replay_argv(name, *options, root=root), project_dir=tmp_path,
                      **env_options)
        made.append(env)
        return env

    yield make
    for env in made:
        env.close()
