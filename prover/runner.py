"""The benchmark runner: many problems, worker threads, a results file, a report.

Before the first problem the runner checks everything a user can get wrong:
the selection (loaded and validated, not empty), the results file (a regular
file it can write, not in use by another run, written with the same
configuration, see :mod:`prover.run_config`), the backend's tools (by making
one environment) and the generator. Then each worker thread
(:mod:`prover.workers`) owns one environment; all share one generator, so a
batched model generator sees concurrent requests. (With ``--ray`` the
problems go to Ray actors instead, each with its own environment and
generator: :mod:`prover.ray_pool`.) A problem that breaks its
prover gets an ``error`` in its record, the worker gets a fresh environment,
and the run goes on. Results are appended as they finish, so a killed run
resumes where it stopped; a stopped run (Ctrl-C) writes no record for the
problems it did not finish, and a failed write stops the run at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from prover.dsp import prove_sketch
from prover.env import Problem, ProofEnv, ProverError
from prover.generators.base import TacticGenerator
from prover.generators.factory import build_generator
from prover.problems import BENCHMARKS, BenchmarkEntry, load_benchmark, vendored_statements
from prover.records import ResultRecord
from prover.registry import backend_class, make_env
from prover.reporting import describe_progress
from prover.results import ResultStore
from prover.run_config import RunConfig, check_results_config, generator_label
from prover.search import StopReason, search
from prover.sketchers import FileSketches, ModelSketches, SketchSource
from prover.workers import WorkerPool

__all__ = ["RunConfig", "attempt", "attempt_sketches", "build_sketcher", "new_record", "progress_bar", "run_benchmark",
           "select_entries", "solve"]


def select_entries(config: RunConfig) -> list[BenchmarkEntry]:
    """The problems a run covers, in file order; an empty selection is an error.

    A problem from a user's file that bears a miniF2F name but not miniF2F's header and
    statement is skipped: a proof of an altered statement must never count as that problem's.
    """
    entries = load_benchmark(config.benchmark, config.backend, config.split, list(config.problems) or None)
    entries = entries[: config.limit] if config.limit is not None else entries
    if not entries:
        where = f" of split {config.split!r}" if config.split else ""
        raise ValueError(f"no problems selected: {config.benchmark} has none{where}")
    if config.benchmark in BENCHMARKS:
        return entries
    vendored = vendored_statements(backend_class(config.backend).statement_field)
    return [_guarded(entry, vendored.get(entry.problem.name)) for entry in entries]


def _guarded(entry: BenchmarkEntry, vendored: tuple[str, str] | None) -> BenchmarkEntry:
    problem = entry.problem
    if vendored is None or entry.skip_reason or vendored == (problem.header, problem.statement):
        return entry
    return BenchmarkEntry(problem, f"the header or statement of {problem.name} differs from the vendored "
                                   "miniF2F one; give the problem another name to attempt it")


def attempt(problem: Problem, env: ProofEnv, generator: TacticGenerator, config: RunConfig,
            record: ResultRecord) -> None:
    """Search ``problem``, re-check what it finds, and fill ``record`` with the outcome."""
    result = search(problem, env, generator, config.search, accept=lambda proof: env.verify(problem, proof))
    if config.graphs_dir:
        result.save_graph(Path(config.graphs_dir) / f"{problem.split}-{problem.name}.json")
    record.proved, record.verified = result.proved, result.verified
    record.proof, record.logprobs = result.proof, result.logprobs
    record.expansions, record.steps, record.rejected = result.expansions, result.steps, result.rejected
    record.stop_reason = result.stop_reason
    record.verdict = result.verdict.reason if result.verdict else ""
    record.setup = env.problem_setup()


def attempt_sketches(problem: Problem, env: ProofEnv, generator: TacticGenerator, sketcher: SketchSource,
                     config: RunConfig, record: ResultRecord) -> None:
    """Draft-Sketch-Prove ``problem``: its sketches in turn until one is verified; fill ``record``.

    The record's ``dsp`` holds every attempt (the sketch, its gaps and what closed them, its
    status and timing); ``expansions`` counts the sketches tried.
    """
    gap_search = dataclasses.replace(config.search, budget=config.dsp.gap_budget)
    attempts = []
    for sketch in sketcher.sketches(problem, config.dsp.attempts):
        attempts.append(prove_sketch(problem, env, sketch, generator, gap_search))
        if attempts[-1].verified:
            break
    verified = next((a for a in attempts if a.verified), None)
    record.extra["dsp"] = [a.record() for a in attempts]
    record.proved = record.verified = verified is not None
    record.proof = verified.proof if verified else []
    record.expansions, record.steps = len(attempts), sum(len(a.proof) for a in attempts)
    record.stop_reason = StopReason.PROVED if verified else StopReason.EXHAUSTED
    record.verdict = (verified or attempts[-1]).detail if attempts else "no sketch for this problem"
    record.setup = env.problem_setup()


def build_sketcher(config: RunConfig) -> SketchSource | None:
    """The run's sketch source (``--mode dsp``): ``--sketches FILE``, else the ``--model``; None for a search run."""
    if config.mode != "dsp":
        return None
    if config.dsp.sketches:
        return FileSketches(config.dsp.sketches)
    if config.generator.model is None:
        raise ValueError("--mode dsp needs --sketches FILE.jsonl or a --model that writes the sketches")
    return ModelSketches(config.generator.model, config.backend, config.dsp.informal, config.dsp.max_sketch_tokens)


def run_benchmark(config: RunConfig, console: Console | None = None) -> list[ResultRecord]:
    """Run every selected problem not yet in ``config.out``; return the records of the selection.

    Raises ``ValueError`` (a bad selection, benchmark or results file, another configuration),
    :class:`~prover.env.ProverNotInstalledError` before any work, and
    :class:`~prover.workers.RunInterrupted` or :class:`~prover.results.ResultsWriteError`
    when the run stopped early.
    """
    console = console or Console(stderr=True)
    entries = select_entries(config)
    make_env(config.backend, **config.env_options).close()  # every tool the backend needs, now
    with ResultStore(config.out) as store:
        configuration = check_results_config(store, config)
        todo = [entry for entry in entries if not store.done(entry.problem.split, entry.problem.name)
                or (config.retry_errors and store.failed(entry.problem.split, entry.problem.name))]
        if config.ray is not None:
            from prover.ray_pool import run_on_ray  # Ray is an extra, imported only for a Ray run

            with progress_bar(entries, todo, store, console) as finished:
                run_on_ray(config, configuration, todo, store, finished)
        else:
            _run_here(config, configuration, entries, todo, store, console)
        wanted = {(e.problem.split, e.problem.name) for e in entries}
        return [r for r in store if r.key in wanted]


def _run_here(config: RunConfig, configuration: dict[str, Any], entries: list[BenchmarkEntry],
              todo: list[BenchmarkEntry], store: ResultStore, console: Console) -> None:
    """Run ``todo`` on this machine's worker threads, all sharing one generator."""
    generator = build_generator(config.generator, config.backend)
    try:
        sketcher = build_sketcher(config)
    except BaseException:
        generator.close()
        raise
    try:
        _run(config, configuration, entries, todo, store, generator, sketcher, console)
    finally:
        generator.close()
        if sketcher is not None:
            sketcher.close()


def _run(config: RunConfig, configuration: dict[str, Any], entries: list[BenchmarkEntry],
         todo: list[BenchmarkEntry], store: ResultStore, generator: TacticGenerator, sketcher: SketchSource | None,
         console: Console) -> None:
    """Run ``todo`` on the worker threads, with a progress bar over all of ``entries``."""

    def cancel_models() -> None:
        generator.cancel()
        if sketcher is not None:
            sketcher.cancel()

    pool: WorkerPool[BenchmarkEntry, ResultRecord] = WorkerPool(config.backend, config.env_options, config.workers,
                                                                on_stop=cancel_models)

    def work(entry: BenchmarkEntry) -> ResultRecord | None:
        record = solve(entry, config, configuration, pool.env, pool.discard, generator, sketcher)
        if pool.stopping.is_set():
            return None  # cut short by the stop, or finished as it came: either way it runs next time
        store.append(record)
        return record

    with progress_bar(entries, todo, store, console) as finished:
        try:
            pool.run(todo, work, finished)
        finally:
            pool.close()


def new_record(problem: Problem, config: RunConfig, configuration: dict[str, Any]) -> ResultRecord:
    """An empty record of ``problem`` in this run, before any attempt."""
    return ResultRecord(name=problem.name, split=problem.split, backend=config.backend, generator=generator_label(config),
                        budget=config.search.budget, samples=config.search.samples, config=configuration)


def solve(entry: BenchmarkEntry, config: RunConfig, configuration: dict[str, Any], env: Callable[[], ProofEnv],
          discard: Callable[[], None], generator: TacticGenerator, sketcher: SketchSource | None) -> ResultRecord:
    """``entry``'s record: skipped, attempted with ``env()``, or an error (after which ``discard()`` drops the env).

    One bad problem must not end the run, so every exception of an attempt becomes the record's ``error``.
    """
    problem = entry.problem
    record = new_record(problem, config, configuration)
    started = time.monotonic()
    if entry.skip_reason:
        record.skipped = entry.skip_reason
    else:
        try:
            if sketcher is not None:
                attempt_sketches(problem, env(), generator, sketcher, config, record)
            else:
                attempt(problem, env(), generator, config, record)
        except ProverError as error:
            discard()
            record.error = f"{type(error).__name__}: {error}"
        except Exception as error:  # noqa: BLE001 - one bad problem must not end the run
            discard()
            detail = traceback.format_exception_only(type(error), error)[-1].strip()
            record.error = f"internal error: {detail}"
    record.wall_time = round(time.monotonic() - started, 3)
    return record


@contextlib.contextmanager
def progress_bar(entries: list[BenchmarkEntry], todo: list[BenchmarkEntry], store: ResultStore,
                 console: Console) -> Iterator[Callable[[ResultRecord], None]]:
    """A progress bar over all of ``entries`` (those recorded before count as done); yields what counts a new record."""
    skipped = {(e.problem.split, e.problem.name) for e in entries} - {(e.problem.split, e.problem.name) for e in todo}
    done_before = [r for r in store if r.key in skipped]
    counts = {"verified": sum(r.verified for r in done_before), "finished": len(done_before)}
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(describe_progress(**counts), total=len(entries), completed=counts["finished"])

        def finished(record: ResultRecord) -> None:
            counts["finished"] += 1
            counts["verified"] += record.verified
            progress.update(task, advance=1, description=describe_progress(**counts))

        yield finished
