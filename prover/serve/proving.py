"""``/prove``: a best-first search with the served tactic source, and the backend's fresh-process re-check.

As in ``prove fill``, a proof counts only when :meth:`~prover.env.ProofEnv.verify` accepts
it. Searches run on a pool of ``max_searches`` threads, off the event loop; at most
``max_queued`` more wait for a thread, and a request beyond those is refused at once
(503). Each thread takes a prover of the request's backend from a pool, kept between
requests (a prover that fails is closed, not kept).
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from prover.env import Problem, ProblemSetupError, ProofEnv, ProverError, ProverNotInstalledError
from prover.generators.base import TacticGenerator
from prover.registry import BACKENDS, backend_class, make_env
from prover.search import SearchConfig, search
from prover.serve.config import ProveLimits
from prover.serve.schemas import ApiError, ProveResponse


class EnvPool:
    """Provers kept between searches, per backend; ``make(backend)`` starts a new one."""

    def __init__(self, make: Callable[[str], ProofEnv]):
        self._make = make
        self._idle: dict[str, list[ProofEnv]] = {}
        self._taken: list[ProofEnv] = []
        self._lock = threading.Lock()
        self._closed = False

    def take(self, backend: str) -> ProofEnv:
        """An idle prover of ``backend``, or a new one."""
        with self._lock:
            idle = self._idle.setdefault(backend, [])
            env = idle.pop() if idle else None
        if env is None:
            env = self._make(backend)
        with self._lock:
            self._taken.append(env)
        return env

    def give(self, backend: str, env: ProofEnv, keep: bool = True) -> None:
        """Put ``env`` back for the next search; close it instead with ``keep=False`` or once the pool is closed."""
        with self._lock:
            self._taken.remove(env)
            if keep and not self._closed:
                self._idle.setdefault(backend, []).append(env)
                return
        env.close()

    def close(self) -> None:
        """Close the idle provers, and interrupt those in a search: it fails at once and gives its prover back."""
        with self._lock:
            self._closed = True
            idle = [env for envs in self._idle.values() for env in envs]
            taken = list(self._taken)
            self._idle = {}
        for env in taken:
            env.interrupt()  # thread-safe; the search's own thread closes it
        for env in idle:
            env.close()


class ProveService:
    """Runs ``/prove`` requests: checks them, searches on a thread pool, re-checks what is found."""

    def __init__(
        self,
        generator_for: Callable[[str], TacticGenerator],
        default_backend: str,
        search_config: SearchConfig = SearchConfig(),
        limits: ProveLimits = ProveLimits(),
        env_options: dict[str, Any] | None = None,
    ):
        self.generator_for = generator_for
        self.default_backend = default_backend
        self.search_config = search_config
        self.limits = limits
        options = env_options or {}
        self.envs = EnvPool(lambda backend: make_env(backend, **options))
        self._executor = ThreadPoolExecutor(max_workers=limits.max_searches, thread_name_prefix="prove")
        self._pending = 0
        self._lock = threading.Lock()

    def problem(self, statement: str, header: str, backend: str | None) -> tuple[str, Problem]:
        """The backend and problem of a request, or :class:`ApiError` (an unknown backend, a malformed statement)."""
        backend = backend or self.default_backend
        if backend not in BACKENDS:
            raise ApiError(400, f"unknown backend {backend!r}; known: {', '.join(sorted(BACKENDS))}")
        why_not = backend_class(backend).statement_problem(statement)
        if why_not:
            raise ApiError(400, f"statement: {why_not}")
        return backend, Problem(name="serve", split="serve", header=header, statement=statement)

    def config(self, budget: int | None, time_limit: float | None, timeout: float) -> SearchConfig:
        """The search limits of a request: its budget (at most ``max_budget``) and time limit (within ``timeout``)."""
        budget = self.search_config.budget if budget is None else budget
        if budget > self.limits.max_budget:
            raise ApiError(400, f"budget: {budget} is over this server's limit of {self.limits.max_budget} (--max-budget)")
        seconds = min(time_limit or self.search_config.time_limit, self.search_config.time_limit, timeout)
        return dataclasses.replace(self.search_config, budget=budget, time_limit=seconds)

    async def prove(self, backend: str, problem: Problem, config: SearchConfig) -> ProveResponse:
        """Search ``problem`` on the pool and answer; :class:`ApiError` (503) when the queue is full."""
        with self._lock:
            if self._pending >= self.limits.max_searches + self.limits.max_queued:
                raise ApiError(503, f"{self._pending} searches are running or waiting; try again later", "server_busy")
            self._pending += 1
        try:
            generator = self.generator_for(backend)
        except (ValueError, ImportError) as error:
            self._done()
            raise ApiError(503, f"the tactic source cannot serve {backend}: {error}", "backend_unavailable") from None
        future = self._executor.submit(self._run, backend, problem, generator, config)
        future.add_done_callback(lambda _: self._done())
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            future.cancel()  # a search not started yet never runs; a running one ends by its time limit
            raise

    def _done(self) -> None:
        with self._lock:
            self._pending -= 1

    def _run(self, backend: str, problem: Problem, generator: TacticGenerator, config: SearchConfig) -> ProveResponse:
        """One search on this thread, with a pooled prover (see the module docstring)."""
        started = time.monotonic()
        try:
            env = self.envs.take(backend)
        except ProverNotInstalledError as error:
            raise ApiError(503, str(error), "backend_unavailable") from None
        try:
            result = search(problem, env, generator, config, accept=lambda proof: env.verify(problem, proof))
        except ProblemSetupError as error:
            self.envs.give(backend, env)
            raise ApiError(400, f"the prover refused the problem: {error}") from None
        except ProverError as error:
            self.envs.give(backend, env, keep=False)
            return ProveResponse(proved=False, reason=f"prover error: {error}", seconds=round(time.monotonic() - started, 3))
        except BaseException:
            self.envs.give(backend, env, keep=False)
            raise
        self.envs.give(backend, env)
        seconds = round(time.monotonic() - started, 3)
        if result.verified:
            verdict = result.verdict.reason if result.verdict is not None and result.verdict.reason else "accepted"
            return ProveResponse(proved=True, proof=result.proof, verdict=verdict, expansions=result.expansions,
                                 seconds=seconds)
        return ProveResponse(proved=False, reason=result.failure(), expansions=result.expansions, seconds=seconds)

    def close(self) -> None:
        """Drop the queued searches, stop the running ones (their provers are interrupted) and close the provers."""
        self.envs.close()
        self._executor.shutdown(wait=True, cancel_futures=True)
