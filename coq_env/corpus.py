"""The Coq corpus: the ``.v`` sources of the Coq libraries Debian installs, with a manifest.

``prove data corpus --out DIR`` finds every ``.v`` file under ``coqc -where``
(the standard library in ``theories/``, the others in ``user-contrib/``), asks
``dpkg`` which package installed it, and copies it to ``DIR/train/`` or
``DIR/heldout/`` (its split) with one manifest line per file: package, version, license (from the package's
``copyright`` file), path, bytes, tokens, and a deterministic ``train`` or
``heldout`` split by file (a hash of the path). Files that share a 20-gram of
tokens with a miniF2F Coq statement are reported in ``contamination.jsonl``
and left out of the copy, so a model trained on the corpus has not seen a
benchmark statement. This is the Coq slice of what Llemma was trained on, made
from what Debian ships.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

#: Installed by ``setup.sh`` (the prover's automation needs them): their sources are the core corpus.
CORE_PACKAGES = ("libcoq-stdlib", "libcoq-coquelicot", "libcoq-mathcomp-ssreflect", "libcoq-hammer", "libcoq-flocq", "libcoq-bignums")
#: More libraries with sources in Debian, installed by ``setup.sh --corpus``.
EXTRA_PACKAGES = (
    "libcoq-mathcomp-algebra", "libcoq-mathcomp-fingroup", "libcoq-mathcomp-field", "libcoq-stdpp",
    "libcoq-math-classes", "libcoq-coqprime",
)  # fmt: skip
#: Identifiers (with qualified names), numbers, then any other non-space character.
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_'.]*[A-Za-z0-9_']|[A-Za-z_]|\d+|\S")


@dataclass
class CorpusFile:
    """One manifest line."""

    package: str
    version: str
    license: str
    path: str  #: relative to ``coqc -where``
    bytes: int
    tokens: int
    split: str
    contaminated_by: list[str] = field(default_factory=list)  #: miniF2F problems sharing an n-gram


def tokens(text: str) -> list[str]:
    """The text's tokens for counting and n-grams: identifiers, numbers and single symbols."""
    return _TOKEN.findall(text)


def library_root(coqc: str = "coqc") -> Path:
    """``coqc -where``: where the installed libraries live."""
    return Path(subprocess.run([coqc, "-where"], capture_output=True, text=True, check=True).stdout.strip())


def find_sources(root: Path) -> list[Path]:
    """Every ``.v`` file of the standard library and of ``user-contrib``, in sorted order."""
    return sorted(p for part in ("theories", "user-contrib") for p in (root / part).rglob("*.v") if p.is_file())


def split_of(path: str, heldout_percent: float) -> str:
    """``heldout`` for a fixed, hash-chosen ``heldout_percent`` of paths, else ``train``."""
    bucket = int(hashlib.sha256(path.encode("utf-8")).hexdigest()[:8], 16) % 10_000
    return "heldout" if bucket < heldout_percent * 100 else "train"


def owners(paths: list[Path]) -> dict[Path, str]:
    """The Debian package that installed each path (``dpkg -S``; missing ones are left out)."""
    found: dict[Path, str] = {}
    for start in range(0, len(paths), 200):
        chunk = paths[start : start + 200]
        done = subprocess.run(["dpkg", "-S", *map(str, chunk)], capture_output=True, text=True)
        for line in done.stdout.splitlines():
            package, _, path = line.partition(": ")
            found[Path(path.strip())] = package.split(":")[0].split(",")[0].strip()
    return found


def package_version(package: str) -> str:
    """The installed version of ``package``."""
    done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def package_license(package: str) -> str:
    """The license of the ``Files: *`` stanza of the package's Debian copyright file."""
    path = Path("/usr/share/doc") / package / "copyright"
    if not path.exists():
        return "unknown"
    stanzas = path.read_text(encoding="utf-8", errors="replace").split("\n\n")
    for stanza in stanzas:
        if re.search(r"^Files:\s*\*\s*$", stanza, re.M) and (match := re.search(r"^License:\s*(.+)$", stanza, re.M)):
            return match.group(1).strip()
    match = re.search(r"^License:\s*(.+)$", "\n\n".join(stanzas), re.M)
    return match.group(1).strip() if match else "unknown"


def minif2f_ngrams(n: int) -> dict[tuple[str, ...], set[str]]:
    """Every token n-gram of the miniF2F Coq statements (and headers' own definitions), with its problems."""
    found: dict[tuple[str, ...], set[str]] = {}
    text = resources.files("prover.data").joinpath("minif2f.jsonl").read_text("utf-8")
    for line in text.splitlines():
        record = json.loads(line) if line.strip() else None
        coq = (record or {}).get("coq") or {}
        for gram in _ngrams(tokens(coq.get("statement", "")), n):
            found.setdefault(gram, set()).add(record["name"])
    return found


def contaminated_by(words: list[str], benchmark: dict[tuple[str, ...], set[str]], n: int) -> list[str]:
    """The miniF2F problems that share an ``n``-gram (of :func:`minif2f_ngrams`) with a file's ``words``, sorted."""
    return sorted({name for gram in _ngrams(words, n) for name in benchmark.get(gram, ())})


def _ngrams(items: list[str], n: int) -> Iterable[tuple[str, ...]]:
    return (tuple(items[i : i + n]) for i in range(len(items) - n + 1))


def build_corpus(out: Path, heldout_percent: float = 10.0, ngram: int = 20, root: Path | None = None) -> list[CorpusFile]:
    """Write the corpus under ``out``: ``train/``, ``heldout/``, ``manifest.jsonl``, ``contamination.jsonl``, ``summary.json``."""
    root = root or library_root()
    sources = find_sources(root)
    if not sources:
        raise ValueError(f"no .v files under {root}: install the Coq libraries (./setup.sh, or ./setup.sh --corpus for more)")
    packages = owners(sources)
    versions, licenses = {}, {}
    benchmark = minif2f_ngrams(ngram)
    manifest: list[CorpusFile] = []
    for path in sources:
        package = packages.get(path, "unknown")
        if package not in versions:
            versions[package], licenses[package] = package_version(package), package_license(package)
        text = path.read_text(encoding="utf-8", errors="replace")
        words = tokens(text)
        relative = str(path.relative_to(root))
        hits = contaminated_by(words, benchmark, ngram)
        manifest.append(CorpusFile(package, versions[package], licenses[package], relative, len(text.encode("utf-8")),
                                   len(words), split_of(relative, heldout_percent), hits))  # fmt: skip
    for split in ("train", "heldout"):
        if (out / split).exists():
            shutil.rmtree(out / split)
    for entry in manifest:
        if not entry.contaminated_by:
            target = out / entry.split / entry.path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / entry.path, target)
    _write_jsonl(out / "manifest.jsonl", [asdict(e) for e in manifest if not e.contaminated_by])
    _write_jsonl(out / "contamination.jsonl", [asdict(e) for e in manifest if e.contaminated_by])
    (out / "summary.json").write_text(json.dumps(summarize(manifest, ngram, heldout_percent), indent=2) + "\n", encoding="utf-8")
    return manifest


def summarize(manifest: list[CorpusFile], ngram: int, heldout_percent: float) -> dict:
    """Counts per package and split, and what decontamination removed."""
    kept = [e for e in manifest if not e.contaminated_by]
    per_package: dict[str, dict[str, int]] = {}
    for entry in kept:
        row = per_package.setdefault(entry.package, {"files": 0, "bytes": 0, "tokens": 0, "heldout_files": 0})
        row["files"] += 1
        row["bytes"] += entry.bytes
        row["tokens"] += entry.tokens
        row["heldout_files"] += entry.split == "heldout"
    return {
        "files": len(kept), "tokens": sum(e.tokens for e in kept), "bytes": sum(e.bytes for e in kept),
        "heldout_files": sum(e.split == "heldout" for e in kept), "heldout_percent": heldout_percent,
        "ngram": ngram, "removed_files": [e.path for e in manifest if e.contaminated_by], "packages": per_package,
    }  # fmt: skip


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """``prove data corpus --out DIR``."""
    parser = argparse.ArgumentParser(prog="prove data corpus", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for train/, heldout/, manifest.jsonl, contamination.jsonl, summary.json")
    parser.add_argument("--heldout-percent", type=float, default=10.0, help="share of files in the held-out split (default: %(default)s)")
    parser.add_argument("--ngram", type=int, default=20, help="token n-gram length for decontamination against miniF2F (default: %(default)s)")
    args = parser.parse_args(argv)
    manifest = build_corpus(Path(args.out), args.heldout_percent, args.ngram)
    summary = summarize(manifest, args.ngram, args.heldout_percent)
    print(f"{summary['files']} files, {summary['tokens']:,} tokens, {summary['heldout_files']} held out; "
          f"{len(summary['removed_files'])} removed for sharing a {args.ngram}-gram with a miniF2F statement")  # fmt: skip
    for package, row in sorted(summary["packages"].items()):
        print(f"  {package}: {row['files']} files, {row['tokens']:,} tokens")
    return 0
