"""The problem sets the runner knows, loaded from data vendored in the package.

``minif2f`` is the 488-problem miniF2F benchmark (see ``data/MINIF2F_SOURCES.md``
for provenance and ``data/licenses/`` for the license texts). Each record holds
the statement in every system; :func:`load_benchmark` picks the backend's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterator

from prover.env import Problem

#: Which field of a miniF2F record holds each backend's statement.
SYSTEM_FIELD = {"coq": "coq", "lean": "lean4", "isabelle": "isabelle"}

BENCHMARKS = ("minif2f",)


@dataclass(frozen=True)
class BenchmarkEntry:
    """A problem as the runner sees it: the problem, or why it cannot be attempted."""

    problem: Problem
    skip_reason: str = ""


def _records(benchmark: str) -> Iterator[dict]:
    """Records of a named benchmark, or of a JSONL file in the same format."""
    if benchmark in BENCHMARKS:
        text = resources.files("prover.data").joinpath(f"{benchmark}.jsonl").read_text("utf-8")
    elif benchmark.endswith(".jsonl") and Path(benchmark).is_file():
        text = Path(benchmark).read_text("utf-8")
    else:
        raise ValueError(f"unknown benchmark {benchmark!r}; known: {', '.join(BENCHMARKS)} or a .jsonl file")
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{benchmark}:{number}: not JSON: {error}") from None
            record.setdefault("split", "custom")
            yield record


def load_benchmark(
    benchmark: str,
    backend: str,
    split: str | None = None,
    names: list[str] | None = None,
) -> list[BenchmarkEntry]:
    """Problems of ``benchmark`` for ``backend``, filtered by split and names, in file order.

    Problems the backend cannot attempt (no statement for that system, or a Coq
    statement that does not compile with Debian's Coq) come back with a
    ``skip_reason`` instead of being dropped.
    """
    if backend not in SYSTEM_FIELD:
        raise ValueError(f"no {benchmark} statements for backend {backend!r}")
    wanted = set(names) if names else None
    entries = []
    for record in _records(benchmark):
        if split and record["split"] != split:
            continue
        if wanted is not None and record["name"] not in wanted:
            continue
        system = record.get(SYSTEM_FIELD[backend]) or {}
        problem = Problem(
            name=record["name"],
            split=record["split"],
            header=system.get("header", ""),
            statement=system.get("statement", ""),
            informal_statement=record.get("informal_statement") or "",
            informal_proof=record.get("informal_proof") or "",
        )
        reason = ""
        if not system:
            reason = f"no {backend} statement in {benchmark}"
        elif backend == "coq" and record.get("coq_checked") is False:
            reason = "statement does not compile with Coq 8.16: " + record.get("coq_error", "?")
        entries.append(BenchmarkEntry(problem, reason))
    if wanted is not None:
        missing = wanted - {entry.problem.name for entry in entries}
        if missing:
            raise ValueError(f"unknown problem names: {', '.join(sorted(missing))}")
    return entries
