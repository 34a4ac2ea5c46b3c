"""The problem sets the runner knows, loaded from data vendored in the package, or from a user's file.

``minif2f`` is the 488-problem miniF2F benchmark (see ``data/MINIF2F_SOURCES.md``
for provenance and ``data/licenses/`` for the license texts). Benchmarks in
:data:`prover.registry.GENERATED_BENCHMARKS` are made from what a backend has
installed (``coq-stdlib-heldout``: lemmas of held-out standard library files). Each record holds
the statement in every system; :func:`load_benchmark` picks the backend's (the
field its env class names in ``statement_field``).

Loading checks every record: a line that is not a JSON object, a record
without a name, a statement that is not text, a problem listed twice, or a
selected problem's statement that the backend's ``statement_problem``
refuses (a Coq statement without its final period) stops the load with a
:class:`BenchmarkError` naming the file and line, before any prover starts.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

from prover.env import Problem
from prover.registry import GENERATED_BENCHMARKS, backend_class, generated_benchmark_lines

VENDORED = ("minif2f",)  #: benchmarks whose problems ship in ``prover/data``
#: every benchmark known by name: vendored, or made from what is installed (``coq-stdlib-heldout``)
BENCHMARKS = (*VENDORED, *GENERATED_BENCHMARKS)


class BenchmarkError(ValueError):
    """A benchmark file or record cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class BenchmarkEntry:
    """A problem as the runner sees it: the problem, or why it cannot be attempted."""

    problem: Problem
    skip_reason: str = ""


def _source_name(benchmark: str) -> str:
    """The name errors give a benchmark's file."""
    return f"prover/data/{benchmark}.jsonl" if benchmark in VENDORED else benchmark


def _lines(benchmark: str) -> tuple[str, list[str]]:
    """The name to report errors under, and the lines of a named benchmark or a JSONL file."""
    if benchmark in VENDORED:
        source = resources.files("prover.data").joinpath(f"{benchmark}.jsonl")
        return _source_name(benchmark), source.read_text("utf-8").splitlines()
    if benchmark in GENERATED_BENCHMARKS:
        return benchmark, generated_benchmark_lines(benchmark)
    if benchmark.endswith(".jsonl") and Path(benchmark).is_file():
        try:
            return benchmark, Path(benchmark).read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise BenchmarkError(f"{benchmark}: cannot read it: {error}") from None
    raise BenchmarkError(f"unknown benchmark {benchmark!r}; known: {', '.join(BENCHMARKS)} or a .jsonl file")


def _records(benchmark: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(file:line, record)`` for each record, with ``split`` defaulting to ``"custom"``."""
    source, lines = _lines(benchmark)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise BenchmarkError(f"{where}: not JSON: {error.msg} (column {error.colno})") from None
        if not isinstance(record, dict):
            raise BenchmarkError(f"{where}: a problem is a JSON object, not a {type(record).__name__}")
        record.setdefault("split", "custom")
        for key in ("name", "split"):
            if not isinstance(record.get(key), str) or not record[key].strip():
                raise BenchmarkError(f"{where}: the problem has no {key!r} (a non-empty string)")
        yield where, record


def _problem(where: str, record: dict[str, Any], field: str) -> Problem | None:
    """The record's problem in the system ``field``, None if it has none; checks every type."""
    system = record.get(field)
    if system is None:
        return None
    name = record["name"]
    if not isinstance(system, dict):
        raise BenchmarkError(f"{where}: {name}: {field!r} must be an object with 'header' and 'statement'")
    texts = {"header": system.get("header", ""), "statement": system.get("statement"),
             "informal_statement": record.get("informal_statement") or "",
             "informal_proof": record.get("informal_proof") or ""}
    for key, value in texts.items():
        if not isinstance(value, str):
            raise BenchmarkError(f"{where}: {name}: {key!r} must be a string, not {type(value).__name__}")
    return Problem(name=name, split=record["split"], **texts)


def load_benchmark(
    benchmark: str,
    backend: str,
    split: str | None = None,
    names: list[str] | None = None,
) -> list[BenchmarkEntry]:
    """Problems of ``benchmark`` for ``backend``, filtered by split and names, in file order.

    ``split`` is any split the file's records declare (``"split"``, default ``"custom"``), or
    None for all. Problems the backend cannot attempt (no statement for that system, or one
    the benchmark marks as not compiling, ``<field>_checked: false``) come back with a
    ``skip_reason`` instead of being dropped. Raises :class:`BenchmarkError` for a bad file or
    record or a split the file does not declare, and ``ValueError`` for names that are not in it.
    """
    env_class = backend_class(backend)
    field = env_class.statement_field
    if not field:
        raise ValueError(f"backend {backend!r} names no statement field for benchmark problems")
    wanted = set(names) if names else None
    entries, first_line, splits = [], {}, set()
    for where, record in _records(benchmark):
        splits.add(record["split"])
        key = (record["split"], record["name"])
        if key in first_line:
            raise BenchmarkError(f"{where}: problem {key[1]!r} of split {key[0]!r} is already on {first_line[key]}")
        first_line[key] = where
        problem = _problem(where, record, field)
        if (split and record["split"] != split) or (wanted is not None and record["name"] not in wanted):
            continue
        reason = env_class.statement_problem(problem.statement) if problem is not None else None
        if reason:
            raise BenchmarkError(f"{where}: {problem.name}: {reason}")
        skip = ""
        if problem is None:
            skip = f"no {backend} statement in {benchmark}"
            problem = Problem(name=record["name"], split=record["split"], header="", statement="")
        elif record.get(f"{field}_checked") is False:
            skip = f"statement does not compile with {backend}: " + str(record.get(f"{field}_error", "?"))
        entries.append(BenchmarkEntry(problem, skip))
    if split is not None and split not in splits:
        raise BenchmarkError(f"{_source_name(benchmark)} has no split {split!r}; "
                             f"its splits: {', '.join(sorted(splits)) or 'none (it has no problems)'}")
    if wanted is not None:
        missing = wanted - {entry.problem.name for entry in entries}
        if missing:
            raise ValueError(f"unknown problem names: {', '.join(sorted(missing))}")
    return entries


@functools.cache
def vendored_statements(field: str) -> dict[str, tuple[str, str]]:
    """``name -> (header, statement)`` of every vendored miniF2F problem in the system ``field``."""
    statements = {}
    for where, record in _records("minif2f"):
        problem = _problem(where, record, field)
        if problem is not None:
            statements[problem.name] = (problem.header, problem.statement)
    return statements
