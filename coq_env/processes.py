"""The Coq processes' lifetime: tools on PATH, parent-death signals, per-process temp folders.

Every ``coqtop`` and ``coqc`` runs in its own session (process group), so a
Ctrl-C at the terminal reaches the runner only and the runner decides what
to stop. A ``coqc`` also gets a parent-death signal (``setpriv --pdeathsig``,
set before it ``exec``s; no ``preexec_fn``, which is unsafe in the threaded
runner), so a runner killed with ``kill -9`` leaves no compiler behind.
(``coqtop`` needs none: it leads the session of its pseudo-terminal, which
hangs up when the runner's end closes.)

Temporary folders carry the owning process id in their names
(``llemma-coqtop-<pid>-...``); folders whose owner is dead are removed when
the next environment starts, the one exit path no cleanup code runs on.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
from pathlib import Path

from prover.env import ProverNotInstalledError

INSTALL_HINT = (
    "Coq 8.16 is not installed: run `apt-get install coq libcoq-stdlib libcoq-hammer "
    "libcoq-coquelicot libcoq-mathcomp-ssreflect` (Debian/Ubuntu)"
)

#: Prefixes of the temporary folders of coqtop sessions and coqc checks.
WORKDIR_PREFIXES = ("llemma-coqtop-", "llemma-coq-")
_OWNED = re.compile(r"^(?:%s)(\d+)-" % "|".join(re.escape(prefix) for prefix in WORKDIR_PREFIXES))


def require_tool(executable: str) -> str:
    """The full path of ``executable``, or :class:`ProverNotInstalledError` naming it."""
    path = shutil.which(executable)
    if path is None:
        raise ProverNotInstalledError(f"`{executable}` is not on PATH. {INSTALL_HINT}")
    return path


def with_parent_death_signal(argv: list[str]) -> list[str]:
    """``argv`` run so that it is killed when the thread that started it dies (Linux ``setpriv``)."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--", *argv] if setpriv else argv


def owned_workdir(prefix: str) -> tempfile.TemporaryDirectory:
    """A temporary folder named ``<prefix><pid>-...`` (see :func:`clean_stale_workdirs`)."""
    return tempfile.TemporaryDirectory(prefix=f"{prefix}{os.getpid()}-")


def clean_stale_workdirs(root: str | Path | None = None) -> list[Path]:
    """Remove the Coq temporary folders whose owning process is gone; return them."""
    removed = []
    for path in Path(root or tempfile.gettempdir()).glob("llemma-coq*-*"):
        match = _OWNED.match(path.name)
        if match and path.is_dir() and not _alive(int(match.group(1))):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


@functools.cache
def clean_stale_workdirs_once() -> None:
    """:func:`clean_stale_workdirs` the first time an environment starts in this process."""
    clean_stale_workdirs()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
