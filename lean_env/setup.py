"""``prove setup lean``: prepare the Lean workspace the Lean backend runs in.

The workspace holds the miniF2F Lean 4 project at the commit the vendored
statements come from (toolchain ``leanprover/lean4:v4.24.0``, Mathlib
``v4.24.0``) with Mathlib's build cache, and leanprover-community/repl built
at the matching tag. It needs elan, git and the network; without them it
stops at once with a one-line message.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from lean_env.install import (INSTALL_HINT, WORKSPACE_VARIABLE, MINIF2F_COMMIT, MINIF2F_REPO,
                              REPL_REPO, REPL_TAG, TOOLCHAIN, find_tool, project_path,
                              repl_binary, workspace_dir)
from prover.entrypoints.setup_support import fail, network_ok


@dataclass(frozen=True)
class Step:
    """One command of the setup, run in ``cwd`` unless ``skip_if`` already exists."""

    description: str
    argv: tuple[str, ...]
    cwd: Path
    skip_if: Path | None = None


def plan(workspace: Path, elan: str = "elan", git: str = "git", lake: str = "lake",
         toolchain: str = TOOLCHAIN, minif2f_commit: str = MINIF2F_COMMIT,
         repl_tag: str = REPL_TAG) -> list[Step]:
    """The setup commands, in order, for ``workspace``."""
    project, repl = project_path(workspace), workspace / "repl"
    return [
        Step(f"install the Lean toolchain {toolchain}", (elan, "toolchain", "install", toolchain),
             workspace),
        Step("clone the miniF2F Lean 4 project", (git, "clone", MINIF2F_REPO, str(project)),
             workspace, skip_if=project),
        Step(f"check out miniF2F at {minif2f_commit[:12]}",
             (git, "checkout", "--quiet", minif2f_commit), project),
        Step("download Mathlib's build cache", (lake, "exe", "cache", "get"), project),
        Step(f"clone the Lean REPL at {repl_tag}",
             (git, "clone", "--depth", "1", "--branch", repl_tag, REPL_REPO, str(repl)),
             workspace, skip_if=repl),
        Step("build the Lean REPL", (lake, "build"), repl),
    ]


def _network_ok() -> bool:
    return network_ok("github.com")


def _fail(message: str, status: int = 2) -> int:
    return fail("lean", message, status)


def _toolchain_of(directory: Path) -> str:
    path = directory / "lean-toolchain"
    return path.read_text(encoding="utf-8").strip() if path.is_file() else ""


def _smoke_test(workspace: Path, lake: str, timeout: float) -> str | None:
    """Start the REPL in the project and import Mathlib; None if that worked, else why not."""
    from lean_env.errors import ReplCrashError, ReplTimeoutError
    from lean_env.process import ReplProcess
    from lean_env.protocol import Command

    process = ReplProcess((lake, "env", str(repl_binary(workspace))), project_path(workspace))
    try:
        reply = process.request(Command("import Mathlib"), timeout)
    except (ReplCrashError, ReplTimeoutError) as exc:
        return str(exc)
    finally:
        process.close()
    return reply.errors[0].data if reply.errors else None


def main(argv: list[str]) -> int:
    """Run ``prove setup lean`` with ``argv`` (options only); the exit status."""
    parser = argparse.ArgumentParser(
        prog="prove setup lean",
        description="Prepare the Lean 4 workspace: the miniF2F project (Lean "
                    f"{TOOLCHAIN.split(':')[-1]}, Mathlib's cache) and the REPL built at {REPL_TAG}.")
    parser.add_argument("--workspace", default=str(workspace_dir()),
                        help=f"where to put the project and the REPL; prove reads it from "
                             f"${WORKSPACE_VARIABLE} (default: %(default)s)")
    parser.add_argument("--toolchain", default=TOOLCHAIN, help="Lean toolchain (default: %(default)s)")
    parser.add_argument("--minif2f-commit", default=MINIF2F_COMMIT,
                        help="miniF2F-lean4 commit (default: %(default)s)")
    parser.add_argument("--repl-tag", default=REPL_TAG,
                        help="leanprover-community/repl tag matching the toolchain (default: %(default)s)")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    parser.add_argument("--no-smoke-test", action="store_true",
                        help="do not start the REPL and import Mathlib at the end")
    parser.add_argument("--smoke-timeout", type=float, default=900.0,
                        help="seconds the final `import Mathlib` may take (default: %(default)s)")
    args = parser.parse_args(argv)
    workspace = workspace_dir(args.workspace)
    elan, git = find_tool("elan"), find_tool("git")
    lake = find_tool("lake") or str(Path(elan or "elan").with_name("lake"))
    steps = plan(workspace, elan or "elan", git or "git", lake, args.toolchain,
                 args.minif2f_commit, args.repl_tag)
    if args.dry_run:
        for step in steps:
            print(f"# {step.description}\n(cd {step.cwd} && {' '.join(step.argv)})")
        return 0
    if elan is None:
        return _fail(f"elan is not installed: {INSTALL_HINT.split(', then')[0]}")
    if git is None:
        return _fail("git is not installed: install git (e.g. apt-get install git)")
    if not _network_ok():
        return _fail("cannot reach github.com: the setup downloads the project, Mathlib's cache "
                     "and the REPL, so it needs the network")
    workspace.mkdir(parents=True, exist_ok=True)
    for step in steps:
        if step.skip_if is not None and step.skip_if.exists():
            print(f"-- {step.description}: already there ({step.skip_if})")
            continue
        found = _toolchain_of(step.cwd) if step.argv[0] == lake else ""
        if found and found != args.toolchain:
            return _fail(f"{step.cwd} pins {found}, not {args.toolchain}: pass the matching "
                         "--repl-tag / --minif2f-commit", 1)
        print(f"-- {step.description}: {' '.join(step.argv)}", flush=True)
        if subprocess.run(step.argv, cwd=step.cwd, env=os.environ.copy()).returncode != 0:
            return _fail(f"'{' '.join(step.argv)}' failed in {step.cwd}", 1)
    if not args.no_smoke_test:
        print("-- start the REPL and import Mathlib (a minute or two)", flush=True)
        problem = _smoke_test(workspace, lake, args.smoke_timeout)
        if problem:
            return _fail(f"the REPL does not work yet: {problem}", 1)
    print(f"Lean is ready in {workspace}: prove --benchmark minif2f --backend lean")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
