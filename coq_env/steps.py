"""``prove data steps --out DIR PATH...``: the proof steps of Coq files, for kNN indexes and fine-tuning.

Every ``.v`` file under the paths is replayed through coqtop
(:mod:`coq_env.replay`) by a pool of worker processes. Each finished file's
result is written atomically to ``DIR/files/<name>.json``, so a stopped
extraction resumes with the files not yet done and duplicates nothing; then
``DIR/steps.jsonl`` (one record per step: file, lemma, step index, the goals
before it as the search renders them, the tactic, whether it closed the proof)
and ``DIR/failures.jsonl`` (lemmas that did not replay, with the reason) are
written anew from all files' results, in file order.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

from coq_env.corpus import library_root
from coq_env.replay import replay_file


@dataclass(frozen=True)
class StepsConfig:
    """Where from, where to, how many workers and how long a sentence and a lemma may take."""

    out: Path
    paths: tuple[Path, ...]
    workers: int = max(1, (os.cpu_count() or 1))
    timeout: float = 20.0
    lemma_timeout: float = 60.0


def source_files(paths: tuple[Path, ...]) -> list[Path]:
    """The ``.v`` files named or found (recursively) under ``paths``, sorted, each once."""
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(p.resolve() for p in path.rglob("*.v"))
        elif path.suffix == ".v" and path.is_file():
            found.add(path.resolve())
        else:
            raise ValueError(f"{path}: not a .v file or a folder")
    return sorted(found)


def record_name(path: Path) -> str:
    """How records name a file: relative to ``coqc -where`` when it is a library file, else its path."""
    try:
        return str(path.relative_to(library_root()))
    except (ValueError, OSError):
        return str(path)


def _result_path(out: Path, name: str) -> Path:
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
    return out / "files" / f"{Path(name).stem}-{digest}.json"


def _replay_one(path: str, name: str, timeout: float, lemma_timeout: float) -> dict:
    started = time.monotonic()
    result = replay_file(Path(path).read_text(encoding="utf-8", errors="replace"), name, timeout, lemma_timeout)
    return {"file": name, "seconds": round(time.monotonic() - started, 2), **asdict(result)}


def extract(config: StepsConfig, report=print) -> dict:
    """Replay every file not yet done, then write ``steps.jsonl`` and ``failures.jsonl``; return the totals."""
    started = time.monotonic()
    files = source_files(config.paths)
    if not files:
        raise ValueError("no .v files under the given paths")
    names = {path: record_name(path) for path in files}
    (config.out / "files").mkdir(parents=True, exist_ok=True)
    todo = [path for path in files if not _result_path(config.out, names[path]).exists()]
    report(f"{len(files)} files, {len(files) - len(todo)} done before, {len(todo)} to replay with {config.workers} workers")
    with ProcessPoolExecutor(max_workers=config.workers) as pool:
        futures = {pool.submit(_replay_one, str(p), names[p], config.timeout, config.lemma_timeout): p for p in todo}
        for future in as_completed(futures):
            result = future.result()
            target = _result_path(config.out, result["file"])
            temporary = target.with_suffix(".tmp")
            temporary.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, target)  # a file's result appears whole or not at all
            report(f"  {result['file']}: {result['proved']}/{result['lemmas']} lemmas, {len(result['steps'])} steps, {result['seconds']} s")
    totals = {"files": len(files), "lemmas": 0, "proved": 0, "steps": 0, "failures": 0}
    with (config.out / "steps.jsonl").open("w", encoding="utf-8") as steps, (config.out / "failures.jsonl").open("w", encoding="utf-8") as failures:
        for path in files:
            result = json.loads(_result_path(config.out, names[path]).read_text(encoding="utf-8"))
            for record in result["steps"]:
                steps.write(json.dumps(record, ensure_ascii=False) + "\n")
            for record in result["failures"]:
                failures.write(json.dumps(record, ensure_ascii=False) + "\n")
            totals["lemmas"] += result["lemmas"]
            totals["proved"] += result["proved"]
            totals["steps"] += len(result["steps"])
            totals["failures"] += len(result["failures"])
    totals["seconds"] = round(time.monotonic() - started, 1)
    return totals


def main(argv: list[str] | None = None) -> int:
    """``prove data steps --out DIR PATH...``."""
    parser = argparse.ArgumentParser(prog="prove data steps", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help=".v files or folders (searched recursively)")
    parser.add_argument("--out", required=True, type=Path, help="folder for steps.jsonl, failures.jsonl and per-file results")
    parser.add_argument("--workers", type=int, default=StepsConfig.workers, help="coqtop processes at once (default: CPU count, %(default)s)")
    parser.add_argument("--timeout", type=float, default=StepsConfig.timeout, help="seconds one sentence may run (default: %(default)s)")
    parser.add_argument("--lemma-timeout", type=float, default=StepsConfig.lemma_timeout, help="seconds one lemma's replay may take (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.workers < 1 or args.timeout <= 0 or args.lemma_timeout <= 0:
        parser.error("--workers must be at least 1 and the timeouts positive")
    totals = extract(StepsConfig(args.out, tuple(args.paths), args.workers, args.timeout, args.lemma_timeout))
    share = 100 * totals["proved"] / totals["lemmas"] if totals["lemmas"] else 0.0
    print(f"{totals['files']} files, {totals['lemmas']} lemmas ({totals['proved']} replayed, {share:.1f}%), "
          f"{totals['steps']} steps, {totals['failures']} failures, {totals['seconds']} s")  # fmt: skip
    return 0
