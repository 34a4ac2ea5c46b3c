"""Where Lean lives on this machine: the workspace ``prove setup lean`` prepares.

:func:`locate` finds ``lake``, the Lean project and the built REPL and returns
the command that starts a REPL there, or raises
:class:`~prover.env.ProverNotInstalledError` at once, with a one-line message
that says what to install.
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from prover.env import ProverNotInstalledError

#: Where ``prove setup lean`` puts the miniF2F project and the REPL.
DEFAULT_WORKSPACE = Path("~/.cache/llemma-prover/lean")

#: The toolchain and sources the vendored miniF2F Lean 4 statements were written for.
TOOLCHAIN = "leanprover/lean4:v4.24.0"
MINIF2F_REPO = "https://github.com/yangky11/miniF2F-lean4"
MINIF2F_COMMIT = "5746b7d6c47855ce1294bed87329618ff7f1bc31"
REPL_REPO = "https://github.com/leanprover-community/repl"
REPL_TAG = "v4.24.0"

INSTALL_HINT = ("install elan (https://github.com/leanprover/elan: curl https://elan.lean-lang.org"
                "/elan-init.sh -sSf | sh), then run `prove setup lean`")


@dataclass(frozen=True)
class ReplLaunch:
    """The command that starts a REPL, and the directory (the Lean project) to run it in."""

    argv: tuple[str, ...]
    cwd: Path


#: Environment variable that moves the workspace (``prove`` passes no workspace option).
WORKSPACE_VARIABLE = "LLEMMA_PROVER_LEAN_WORKSPACE"
#: A command line that starts a Lean REPL, used instead of the one ``prove setup lean`` builds.
REPL_VARIABLE = "LLEMMA_PROVER_LEAN_REPL"


def workspace_dir(workspace: str | os.PathLike | None = None) -> Path:
    """The Lean workspace: ``workspace``, else ``$LLEMMA_PROVER_LEAN_WORKSPACE``, else the default."""
    chosen = workspace if workspace is not None else os.environ.get(WORKSPACE_VARIABLE)
    return Path(chosen or DEFAULT_WORKSPACE).expanduser()


def project_path(workspace: Path) -> Path:
    """The miniF2F Lean project inside ``workspace``."""
    return workspace / "miniF2F-lean4"


def repl_binary(workspace: Path) -> Path:
    """The REPL executable that ``prove setup lean`` builds inside ``workspace``."""
    return workspace / "repl" / ".lake" / "build" / "bin" / "repl"


def find_tool(name: str) -> str | None:
    """``name`` on PATH, else in elan's bin directory (``$ELAN_HOME`` or ``~/.elan``)."""
    found = shutil.which(name)
    if found:
        return found
    elan_home = Path(os.environ.get("ELAN_HOME") or Path.home() / ".elan")
    candidate = elan_home / "bin" / name
    return str(candidate) if os.access(candidate, os.X_OK) else None


def locate(
    project_dir: str | os.PathLike | None = None,
    repl_command: str | Sequence[str] | None = None,
    workspace: str | os.PathLike | None = None,
) -> ReplLaunch:
    """The REPL launch command for the given options, or :class:`ProverNotInstalledError`.

    With ``repl_command`` (a string or argv list), or else ``$LLEMMA_PROVER_LEAN_REPL`` (a command
    line), it is used as given, in ``project_dir`` (default: the current directory): a REPL built
    elsewhere, or a wrapper around one. Otherwise the REPL built
    by ``prove setup lean`` runs as ``lake env <repl>`` in the Lean project.
    """
    repl_command = repl_command if repl_command is not None else os.environ.get(REPL_VARIABLE) or None
    if repl_command is not None:
        argv = tuple(shlex.split(repl_command) if isinstance(repl_command, str) else repl_command)
        if not argv or not (shutil.which(argv[0]) or os.access(argv[0], os.X_OK)):
            raise ProverNotInstalledError(
                f"the Lean REPL command {argv[:1]!r} cannot be run: {INSTALL_HINT}")
        return ReplLaunch(argv, Path(project_dir or ".").expanduser())
    lake = find_tool("lake")
    if lake is None:
        raise ProverNotInstalledError(f"Lean 4 (lake) is not installed: {INSTALL_HINT}")
    root = workspace_dir(workspace)
    project = Path(project_dir).expanduser() if project_dir is not None else project_path(root)
    if not any((project / name).is_file() for name in ("lakefile.lean", "lakefile.toml")):
        raise ProverNotInstalledError(
            f"no Lean project at {project}: run `prove setup lean` (or pass project_dir)")
    repl = repl_binary(root)
    if not os.access(repl, os.X_OK):
        raise ProverNotInstalledError(
            f"the Lean REPL is not built at {repl}: run `prove setup lean`")
    return ReplLaunch((lake, "env", str(repl)), project)
