"""Without Isabelle: the one-line install messages, finding an install, attaching, and the setup command."""

from __future__ import annotations

import subprocess
import sys

import pytest

from isabelle_env import setup
from isabelle_env.server import INSTALL_VARIABLE, RELEASE, SERVER_VARIABLE, ServerAddress, locate
from prover.entrypoints.cli import setup_main
from prover.env import ProverNotInstalledError
from tests.conftest import REPO, hide_tools, not_installed_message, prove_without_tools

@pytest.fixture
def no_isabelle(monkeypatch, tmp_path):
    """A PATH, HOME and environment in which neither `isabelle` nor a server can be found."""
    hide_tools(monkeypatch, tmp_path)
    for variable in (INSTALL_VARIABLE, SERVER_VARIABLE, "ISABELLE_HOME"):
        monkeypatch.delenv(variable, raising=False)
    return tmp_path


def test_make_env_without_isabelle_or_a_server_says_what_to_do(no_isabelle):
    message = not_installed_message("isabelle")
    assert "prove setup isabelle" in message and SERVER_VARIABLE in message


def test_prove_with_backend_isabelle_stops_with_the_install_message(tmp_path):
    [line] = prove_without_tools(tmp_path, "isabelle")
    assert "Isabelle is not installed" in line and "prove setup isabelle" in line


def test_the_package_imports_without_isabelle_client_and_says_how_to_install_it():
    code = ("import sys; sys.modules['isabelle_client'] = None\n"
            "import isabelle_env\n"
            "from prover.registry import make_env\n"
            "try:\n    make_env('isabelle', server='server \"s\" = 127.0.0.1:1 (password \"p\")')\n"
            "except Exception as exc:\n    print(type(exc).__name__, exc)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ("ProverNotInstalledError the isabelle-client package is not installed: "
                                   "pip install 'llemma-prover[isabelle]'")


def test_a_server_is_attached_to_from_its_line_or_the_environment(no_isabelle, monkeypatch):
    line = 'server "isabelle" = 127.0.0.1:4711 (password "secret")'
    assert locate(line).address == ServerAddress("127.0.0.1", 4711, "secret")
    monkeypatch.setenv(SERVER_VARIABLE, line)
    plan = locate()
    assert plan.address == ServerAddress("127.0.0.1", 4711, "secret") and plan.isabelle is None
    with pytest.raises(ProverNotInstalledError, match="not an Isabelle server line"):
        locate("localhost:4711")


def test_an_unpacked_release_in_the_install_folder_is_found(no_isabelle, monkeypatch):
    executable = no_isabelle / "isa" / RELEASE / "bin" / "isabelle"
    executable.parent.mkdir(parents=True)
    executable.write_text("#!/bin/sh\n")
    executable.chmod(0o755)
    monkeypatch.setenv(INSTALL_VARIABLE, str(no_isabelle / "isa"))
    assert locate().isabelle == str(executable)


def test_setup_dry_run_names_the_release_tarball(capsys, tmp_path):
    assert setup_main(["isabelle", "--dry-run", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"https://isabelle.in.tum.de/dist/{RELEASE}_linux.tar.gz" in out or "linux_arm" in out
    assert f"{RELEASE}/bin/isabelle build -b HOL-Number_Theory" in out


def test_setup_without_the_network_fails_with_one_clear_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(setup, "_network_ok", lambda: False)
    assert setup.main(["--dir", str(tmp_path / "isa")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("prove setup isabelle: cannot reach isabelle.in.tum.de")
    assert not (tmp_path / "isa").exists()
