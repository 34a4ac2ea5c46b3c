"""Without Lean: a prompt, one-line install message from the backend, the CLI and the setup."""

from __future__ import annotations

import os

import pytest

from lean_env import setup
from lean_env.install import REPL_TAG, TOOLCHAIN
from prover.env import ProverNotInstalledError
from prover.problems import load_benchmark
from prover.registry import make_env
from tests.conftest import hide_tools, not_installed_message, prove_without_tools


@pytest.fixture
def no_lean(monkeypatch, tmp_path):
    """A PATH and HOME on which neither elan, lake nor a Lean workspace can be found."""
    hide_tools(monkeypatch, tmp_path)
    monkeypatch.setenv("ELAN_HOME", str(tmp_path / ".elan"))
    monkeypatch.delenv("LLEMMA_PROVER_LEAN_WORKSPACE", raising=False)
    return tmp_path


def test_make_env_without_lake_says_what_to_install(no_lean):
    message = not_installed_message("lean")
    assert "elan" in message and "prove setup lean" in message


def test_lake_without_a_workspace_says_to_run_setup(no_lean):
    elan_bin = no_lean / ".elan" / "bin"
    elan_bin.mkdir(parents=True)
    (elan_bin / "lake").symlink_to("/bin/true")
    with pytest.raises(ProverNotInstalledError, match="no Lean project at .*prove setup lean"):
        make_env("lean", timeout=5.0)
    project = no_lean / "project"
    project.mkdir()
    (project / "lakefile.toml").write_text("name = \"p\"\n")
    with pytest.raises(ProverNotInstalledError, match="REPL is not built .*prove setup lean"):
        make_env("lean", project_dir=project)


def test_a_repl_command_that_cannot_run_is_not_installed(no_lean):
    with pytest.raises(ProverNotInstalledError, match="cannot be run"):
        make_env("lean", repl_command="no-such-repl --flag")


def test_prove_with_backend_lean_stops_with_the_install_message(tmp_path):
    [line] = prove_without_tools(tmp_path, "lean", ELAN_HOME=str(tmp_path / ".elan"))
    assert "elan" in line and "prove setup lean" in line


def test_setup_help(capsys):
    with pytest.raises(SystemExit) as caught:
        setup.main(["--help"])
    assert caught.value.code == 0
    assert "--workspace" in capsys.readouterr().out


def test_setup_without_elan_fails_with_one_line(no_lean, capsys):
    assert setup.main(["--workspace", str(no_lean / "ws")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "elan is not installed" in err
    assert not (no_lean / "ws").exists()


def test_setup_plan_pins_the_toolchain_the_data_was_written_for(tmp_path, capsys):
    assert setup.main(["--dry-run", "--workspace", str(tmp_path / "ws")]) == 0
    out = capsys.readouterr().out
    assert TOOLCHAIN == "leanprover/lean4:v4.24.0" and TOOLCHAIN in out
    assert "5746b7d6c47855ce1294bed87329618ff7f1bc31" in out
    assert f"--branch {REPL_TAG}" in out and "lake exe cache get" in out
    steps = setup.plan(tmp_path)
    assert [step.argv[:2] for step in steps][-1] == ("lake", "build")
    assert steps[-1].cwd == tmp_path / "repl" and not os.path.exists(tmp_path / "repl")


def test_leandojo_backend_is_import_guarded(monkeypatch):
    from importlib.util import find_spec

    from lean_env.leandojo_env import LeanDojoEnv, parse_pretty_goals, theorem_location
    from prover.registry import BACKENDS

    monkeypatch.setitem(BACKENDS, "leandojo", "lean_env.leandojo_env:LeanDojoEnv")
    if find_spec("lean_dojo") is None:
        with pytest.raises(ProverNotInstalledError, match="pip install lean-dojo"):
            make_env("leandojo")
    else:
        assert make_env("leandojo").name == "leandojo"
    problem = next(e.problem for e in load_benchmark("minif2f", "lean", split="valid"))
    path, name = theorem_location(problem)
    assert path == f"MiniF2F/Valid/{problem.name}.lean" and name == problem.name
    goals = parse_pretty_goals("case h\nx : ℕ\n⊢ x = x\n\ny : ℝ\n⊢ 0 ≤ y ^ 2")
    assert [(g.case, g.target) for g in goals] == [("h", "x = x"), ("", "0 ≤ y ^ 2")]
    assert LeanDojoEnv.name == "leandojo"
