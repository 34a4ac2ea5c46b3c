"""``prove setup isabelle``: download and unpack an Isabelle release, then build the session image.

The release tarball comes from isabelle.in.tum.de (about 1 GB) and is unpacked into the
install folder (``~/.cache/llemma-prover/isabelle``, or ``$LLEMMA_PROVER_ISABELLE_DIR``),
where :func:`isabelle_env.server.find_isabelle` looks for it. The backend's session
(``HOL-Number_Theory``, with the libraries miniF2F imports) is then built once, so that the
first run does not spend an hour building it. Without the network it stops at once with a
one-line message.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import sys
import tarfile
import urllib.request
from pathlib import Path

from isabelle_env.server import INSTALL_VARIABLE, RELEASE, install_dir
from isabelle_env.session import SessionConfig
from prover.entrypoints.setup_support import fail, network_ok

#: Where releases are published.
DIST_URL = "https://isabelle.in.tum.de/dist"
HOST = "isabelle.in.tum.de"


def release_url(release: str = RELEASE, machine: str | None = None) -> str:
    """The Linux tarball of ``release`` for this machine (``_linux_arm`` on ARM)."""
    machine = machine or platform.machine()
    suffix = "linux_arm" if machine in ("aarch64", "arm64") else "linux"
    return f"{DIST_URL}/{release}_{suffix}.tar.gz"


def _network_ok() -> bool:
    return network_ok(HOST)


def _fail(message: str, status: int = 2) -> int:
    return fail("isabelle", message, status)


def _download(url: str, target: Path) -> None:
    """``url`` into ``target`` through a ``.part`` file, so a broken download is never taken as done."""
    partial = target.with_name(target.name + ".part")
    with urllib.request.urlopen(url, timeout=60) as response, partial.open("wb") as out:
        shutil.copyfileobj(response, out, 1 << 20)
    partial.replace(target)


def main(argv: list[str]) -> int:
    """Run ``prove setup isabelle`` with ``argv`` (options only); the exit status."""
    parser = argparse.ArgumentParser(
        prog="prove setup isabelle",
        description=f"Download {RELEASE} from {HOST}, unpack it and build the backend's session image.")
    parser.add_argument("--dir", default=str(install_dir()),
                        help=f"install folder; prove reads it from ${INSTALL_VARIABLE} (default: %(default)s)")
    parser.add_argument("--release", default=RELEASE, help="Isabelle release (default: %(default)s)")
    parser.add_argument("--url", default=None, help="the tarball to download (default: the release's Linux tarball)")
    parser.add_argument("--session", default=SessionConfig.session,
                        help="session image to build afterwards (default: %(default)s)")
    parser.add_argument("--no-build", action="store_true", help="do not build the session image")
    parser.add_argument("--dry-run", action="store_true", help="say what would be done, do nothing")
    args = parser.parse_args(argv)
    folder, url = Path(args.dir).expanduser(), args.url or release_url(args.release)
    tarball, isabelle = folder / url.rsplit("/", 1)[-1], folder / args.release / "bin" / "isabelle"
    build = (str(isabelle), "build", "-b", args.session)
    if args.dry_run:
        print(f"# download {url}\n#   to {tarball}\n# unpack it into {folder}")
        print("" if args.no_build else f"# build the session image\n{' '.join(build)}")
        return 0
    if not sys.platform.startswith("linux"):
        return _fail(f"only Linux is set up automatically; install {args.release} from https://{HOST} "
                     "and put its bin/isabelle on PATH")
    if not isabelle.exists():
        if not tarball.exists():
            if not _network_ok():
                return _fail(f"cannot reach {HOST}: the setup downloads {url} (about 1 GB), so it needs the "
                             f"network; or download it yourself into {folder} and run this again")
            folder.mkdir(parents=True, exist_ok=True)
            print(f"-- download {url}", flush=True)
            try:
                _download(url, tarball)
            except OSError as exc:
                return _fail(f"downloading {url} failed: {exc}", 1)
        print(f"-- unpack {tarball}", flush=True)
        try:
            with tarfile.open(tarball) as archive:
                archive.extractall(folder, filter="tar")
        except (OSError, tarfile.TarError) as exc:
            return _fail(f"unpacking {tarball} failed: {exc}", 1)
        if not isabelle.exists():
            return _fail(f"{tarball} holds no {args.release}/bin/isabelle", 1)
    if not args.no_build:
        print(f"-- build the session image: {' '.join(build)} (an hour or so, once)", flush=True)
        if subprocess.run(build).returncode != 0:
            return _fail(f"'{' '.join(build)}' failed", 1)
    print(f"Isabelle is ready in {folder}: prove --benchmark minif2f --backend isabelle")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
