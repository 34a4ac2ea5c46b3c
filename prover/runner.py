"""The benchmark runner: many problems, worker threads, a results file, a report.

Each worker thread owns one environment (one proof-assistant process, reused
across problems); all workers share one generator, so a batched model
generator sees concurrent requests. A problem that breaks its prover gets an
``error`` in its record, the worker gets a fresh environment, and the run goes
on. Results are appended as they finish, so a killed run resumes where it
stopped.
"""

from __future__ import annotations

import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from prover.env import Problem, ProofEnv, ProverError
from prover.generators.base import TacticGenerator
from prover.generators.factory import GeneratorConfig, build_generator
from prover.problems import BenchmarkEntry, load_benchmark
from prover.registry import DEFAULT_BACKEND, make_env
from prover.results import ResultStore
from prover.search import SearchConfig, search


@dataclass(frozen=True)
class RunConfig:
    """Everything one benchmark run needs; the CLI mirrors it option for option."""

    benchmark: str = "minif2f"
    backend: str = DEFAULT_BACKEND
    split: str | None = "test"  #: test | valid | None for both
    problems: tuple[str, ...] = ()  #: only these names (all when empty)
    limit: int | None = None  #: at most this many problems (after filtering)
    workers: int = 1
    out: str = "results.jsonl"
    graphs_dir: str | None = None  #: save each search graph as JSON here
    retry_errors: bool = False  #: run again the problems whose recorded result is an error
    search: SearchConfig = SearchConfig()
    generator: GeneratorConfig = GeneratorConfig()
    env_options: dict[str, Any] = field(default_factory=dict)  #: passed to the backend


def select_entries(config: RunConfig) -> list[BenchmarkEntry]:
    """The problems a run covers, in file order."""
    entries = load_benchmark(config.benchmark, config.backend, config.split, list(config.problems) or None)
    return entries[: config.limit] if config.limit is not None else entries


class _EnvPool:
    """One environment per worker thread, replaced after a prover failure."""

    def __init__(self, backend: str, options: dict[str, Any]) -> None:
        self.backend = backend
        self.options = options
        self._local = threading.local()
        self._all: list[ProofEnv] = []
        self._lock = threading.Lock()

    def get(self) -> ProofEnv:
        env = getattr(self._local, "env", None)
        if env is None:
            env = make_env(self.backend, **self.options)
            self._local.env = env
            with self._lock:
                self._all.append(env)
        return env

    def discard(self) -> None:
        env = getattr(self._local, "env", None)
        if env is not None:
            self._local.env = None
            env.close()

    def close(self) -> None:
        with self._lock:
            for env in self._all:
                env.close()


def attempt(problem: Problem, env: ProofEnv, generator: TacticGenerator, config: RunConfig) -> dict[str, Any]:
    """Search ``problem`` and re-check what it finds; return its results record."""
    result = search(problem, env, generator, config.search, accept=lambda proof: env.verify(problem, proof))
    verdict = result.verdict
    if config.graphs_dir:
        result.save_graph(Path(config.graphs_dir) / f"{problem.split}-{problem.name}.json")
    return {
        "proved": result.proved or result.rejected > 0,
        "verified": bool(verdict and verdict.ok and result.proved),
        "proof": result.proof,
        "logprobs": result.logprobs,
        "expansions": result.expansions,
        "steps": result.steps,
        "stop_reason": result.stop_reason,
        "verdict": verdict.reason if verdict else "",
        "rejected": result.rejected,
    }


def run_benchmark(config: RunConfig, console: Console | None = None) -> list[dict[str, Any]]:
    """Run every selected problem not yet in ``config.out``; return all records for the selection."""
    console = console or Console(stderr=True)
    entries = select_entries(config)
    store = ResultStore(config.out)
    todo = [entry for entry in entries if not store.done(entry.problem.split, entry.problem.name)
            or (config.retry_errors and store.failed(entry.problem.split, entry.problem.name))]
    make_env(config.backend, **config.env_options).close()  # fail fast if the prover is missing
    generator = build_generator(config.generator, config.backend)
    pool = _EnvPool(config.backend, config.env_options)
    generator_label = config.generator.label

    def base_record(problem: Problem) -> dict[str, Any]:
        return {"name": problem.name, "split": problem.split, "backend": config.backend,
                "generator": generator_label, "budget": config.search.budget, "samples": config.search.samples}

    def work(entry: BenchmarkEntry) -> dict[str, Any]:
        record = base_record(entry.problem)
        started = time.monotonic()
        if entry.skip_reason:
            record.update(proved=False, verified=False, skipped=entry.skip_reason, error="")
        else:
            try:
                record.update(attempt(entry.problem, pool.get(), generator, config), error="")
            except ProverError as error:
                pool.discard()
                record.update(proved=False, verified=False, error=f"{type(error).__name__}: {error}")
            except Exception as error:  # noqa: BLE001 - one bad problem must not end the run
                pool.discard()
                detail = traceback.format_exception_only(type(error), error)[-1].strip()
                record.update(proved=False, verified=False, error=f"internal error: {detail}")
        record["wall_time"] = round(time.monotonic() - started, 3)
        store.append(record)
        return record

    wanted = {(e.problem.split, e.problem.name) for e in entries}
    counted = wanted - {(e.problem.split, e.problem.name) for e in todo}  # recorded and not run again
    done_before = [r for r in store if ResultStore.key(r) in counted]
    verified = sum(1 for r in done_before if r.get("verified"))
    finished = len(done_before)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task(_describe(verified, finished), total=len(entries), completed=finished)
            with ThreadPoolExecutor(max_workers=max(1, config.workers), thread_name_prefix="prover") as executor:
                futures = [executor.submit(work, entry) for entry in todo]
                for future in as_completed(futures):
                    record = future.result()
                    finished += 1
                    verified += bool(record.get("verified"))
                    progress.update(task, advance=1, description=_describe(verified, finished))
    finally:
        pool.close()
        generator.close()
    return [r for r in store if ResultStore.key(r) in wanted]


def _describe(verified: int, finished: int) -> str:
    rate = 100.0 * verified / finished if finished else 0.0
    return f"verified {verified}/{finished} ({rate:.1f}%)"


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts and the pass rate (verified over all selected problems, skipped included)."""
    total = len(records)
    verified = sum(1 for r in records if r.get("verified"))
    return {
        "problems": total,
        "verified": verified,
        "proved_unverified": sum(1 for r in records if r.get("proved") and not r.get("verified")),
        "skipped": sum(1 for r in records if r.get("skipped")),
        "errors": sum(1 for r in records if r.get("error")),
        "pass_rate": verified / total if total else 0.0,
        "wall_time": sum(r.get("wall_time", 0.0) for r in records),
    }


def summary_table(records: list[dict[str, Any]], title: str = "Results") -> Table:
    """A rich table of :func:`summarize` per split and overall.

    ``rate``: verified over problems; ``refused``: problems where the search found a proof
    that the fresh-process re-check refused; ``seconds``: summed per-problem wall time.
    """
    table = Table(title=title, box=box.SIMPLE_HEAD)
    for column in ("split", "problems", "verified", "rate", "skipped", "errors", "refused", "seconds"):
        table.add_column(column, justify="right" if column != "split" else "left", min_width=len(column))
    splits = sorted({r.get("split", "") for r in records})
    for label, subset in [(s, [r for r in records if r.get("split") == s]) for s in splits] + [("all", records)]:
        if label == "all" and len(splits) == 1:
            continue
        stats = summarize(subset)
        table.add_row(label, str(stats["problems"]), str(stats["verified"]), f"{100 * stats['pass_rate']:.1f}%",
                      str(stats["skipped"]), str(stats["errors"]), str(stats["proved_unverified"]), f"{stats['wall_time']:.0f}")
    return table
