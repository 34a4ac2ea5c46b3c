"""A run's problems as Ray work (``prove --ray [ADDRESS]``): one actor per worker, on one machine or a cluster.

Each actor (:class:`ProblemWorker`) owns its environment, its generator and, for ``--mode dsp``,
its sketch source, and runs the same :func:`~prover.runner.solve` as a local worker thread. The
driver keeps the one results file: it hands each started actor one problem at a time and
appends each record as it comes back, so resume, ``--retry-errors`` and "no duplicates" hold as
for a local run. An actor that dies mid-problem (killed, out of memory, its machine gone) costs
that problem an ``error`` record ("worker died (HOST pid N): ...", run again by
``--retry-errors``) and is replaced; the run goes on. Ctrl-C or SIGTERM cut the actors' work short and record nothing unfinished
(:class:`~prover.workers.RunInterrupted`). Ray comes with the ``ray`` extra and is imported only here.
"""

from __future__ import annotations

import os
import socket
from collections import deque
from pathlib import Path
from typing import Any, Callable

import prover
from prover.env import ProofEnv
from prover.generators.factory import build_generator
from prover.problems import BenchmarkEntry
from prover.records import ResultRecord
from prover.registry import make_env
from prover.results import ResultStore
from prover.run_config import RunConfig
from prover.runner import build_sketcher, new_record, solve
from prover.workers import STOP_GRACE_S, RunInterrupted, stop_signals

#: ``--ray``'s value for a Ray instance started on this machine for the run (and stopped after it).
LOCAL = "local"


def import_ray(command: str) -> Any:
    """The ``ray`` module, or an ImportError telling how to install it (``command`` names what needs it)."""
    try:
        import ray
    except ImportError as error:
        raise ImportError(f"{command} --ray needs Ray: pip install '.[ray]' (llemma-prover[ray])") from error
    return ray


def init_ray(ray: Any, address: str, num_cpus: int) -> bool:
    """Connect to ``address`` (or, for :data:`LOCAL`, start Ray here with ``num_cpus`` CPUs at least).

    A local instance's workers import this very ``prover``. Returns whether this call connected
    (and so must ``ray.shutdown()``): a driver already connected (a test, a notebook) is used as it is.
    """
    if ray.is_initialized():
        return False
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
    if address == LOCAL:
        options["runtime_env"] = local_runtime_env()
        options["num_cpus"] = max(os.cpu_count() or 1, num_cpus)
    else:
        options["address"] = address
    ray.init(**options)
    return True


def local_runtime_env() -> dict[str, Any]:
    """The ``runtime_env`` under which a local Ray's workers import this checkout's ``prover``."""
    source = str(Path(prover.__file__).resolve().parents[1])
    path = os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")]))
    return {"env_vars": {"PYTHONPATH": path}}


class ProblemWorker:
    """A Ray actor's state: the run's environment, generator and sketch source, in the driver's folder."""

    def __init__(self, config: RunConfig, configuration: dict[str, Any], cwd: str) -> None:
        os.chdir(cwd)  # relative paths (tactics, sketches, graphs) mean what they meant to the driver
        self.config, self.configuration = config, configuration
        self.generator = build_generator(config.generator, config.backend)
        self.sketcher = build_sketcher(config)
        self._env: ProofEnv | None = None

    def ready(self) -> str:
        """Where this worker runs (``HOST pid N``), once its generator and sketch source are built."""
        return f"{socket.gethostname()} pid {os.getpid()}"

    def solve(self, entry: BenchmarkEntry) -> ResultRecord:
        """``entry``'s record, as a local worker thread makes it."""
        return solve(entry, self.config, self.configuration, self.env, self.discard, self.generator, self.sketcher)

    def env(self) -> ProofEnv:
        """This worker's environment, made on first use."""
        if self._env is None:
            self._env = make_env(self.config.backend, **self.config.env_options)
        return self._env

    def discard(self) -> None:
        """Close the environment (after a prover failure); the next problem gets a new one."""
        env, self._env = self._env, None
        if env is not None:
            env.close()

    def interrupt(self) -> None:
        """Cut the problem in progress short (a stop); runs beside :meth:`solve`."""
        if self._env is not None:
            self._env.interrupt()

    def close(self) -> None:
        """Close the environment, the generator and the sketch source."""
        self.discard()
        self.generator.close()
        if self.sketcher is not None:
            self.sketcher.close()


def run_on_ray(config: RunConfig, configuration: dict[str, Any], todo: list[BenchmarkEntry], store: ResultStore,
               finished: Callable[[ResultRecord], None]) -> None:
    """Run ``todo`` on ``config.workers`` Ray actors, appending each record to ``store`` and passing it to ``finished``.

    Raises ValueError when no actor can start (a bad generator option, a missing model), and
    :class:`RunInterrupted` after Ctrl-C or SIGTERM. Nothing to do starts no Ray.
    """
    if not todo:
        return
    ray = import_ray("prove")
    owned = init_ray(ray, config.ray or LOCAL, config.workers)
    # max_concurrency 2: interrupt() must run while solve() does; the driver sends one problem at a time
    actor_class = ray.remote(num_cpus=1, max_restarts=0, max_concurrency=2)(ProblemWorker)
    cwd = os.getcwd()
    driver = _Driver(ray, lambda: actor_class.remote(config, configuration, cwd), min(config.workers, len(todo)))
    try:
        driver.drive(todo, lambda entry, worker, error: _died(entry, worker, error, config, configuration), store, finished)
    finally:
        driver.close()
        if owned:
            ray.shutdown()


def _died(entry: BenchmarkEntry, worker: str, error: BaseException, config: RunConfig,
          configuration: dict[str, Any]) -> ResultRecord:
    """The error record of a problem whose actor (``worker``: where it ran) died under it."""
    record = new_record(entry.problem, config, configuration)
    record.error = f"worker died ({worker}): {_reason(error)}"
    return record


class _Driver:
    """The actors of a run and the problems they hold; an actor gets problems once it has started.

    An actor that waits for a CPU (more ``--workers`` than the cluster has) simply gets none.
    """

    def __init__(self, ray: Any, new_actor: Callable[[], Any], workers: int) -> None:
        self.ray, self.new_actor = ray, new_actor
        self.starting: dict[Any, Any] = {}  # ready() ref -> actor
        self.idle: list[Any] = []
        self.running: dict[Any, tuple[Any, BenchmarkEntry]] = {}  # solve() ref -> (actor, its problem)
        self.started_any = False
        self.where: dict[Any, str] = {}  # a started actor -> its ready(): host and pid
        for _ in range(workers):
            self._start()

    def drive(self, todo: list[BenchmarkEntry], died: Callable[[BenchmarkEntry, str, BaseException], ResultRecord],
              store: ResultStore, finished: Callable[[ResultRecord], None]) -> None:
        """Hand problems to idle actors until all are recorded; an actor that died is replaced."""
        ray, waiting = self.ray, deque(todo)
        stop: list[int] = []
        recorded = 0
        with stop_signals(stop.append):
            while (waiting or self.running) and not stop:
                while self.idle and waiting:
                    actor, entry = self.idle.pop(), waiting.popleft()
                    self.running[actor.solve.remote(entry)] = (actor, entry)
                if not self.running and not self.starting:
                    raise ValueError("every Ray worker of the run failed to start")
                ready, _ = ray.wait([*self.running, *self.starting], num_returns=1, timeout=0.2)
                for ref in ready:
                    if ref in self.starting:
                        self._started(ref)
                        continue
                    actor, entry = self.running.pop(ref)
                    try:
                        record = ray.get(ref)
                        self.idle.append(actor)
                    except (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError) as error:
                        record = died(entry, self.where.pop(actor), error)
                        ray.kill(actor)
                        self._start()
                    store.append(record)
                    recorded += 1
                    finished(record)
        if stop:
            raise RunInterrupted(stop[0], recorded, len(todo) - recorded)

    def close(self) -> None:
        """Interrupt and close the started actors' work (a grace period), then kill every actor."""
        started = self.idle + [actor for actor, _ in self.running.values()]
        for actor in started:
            actor.interrupt.remote()
        closing = [actor.close.remote() for actor in started]
        self.ray.wait(closing, num_returns=len(closing), timeout=STOP_GRACE_S)
        for actor in started + list(self.starting.values()):
            self.ray.kill(actor)

    def _start(self) -> None:
        actor = self.new_actor()
        self.starting[actor.ready.remote()] = actor

    def _started(self, ref: Any) -> None:
        """An actor's ``ready()`` came back: it is idle now, or it could not start and is dropped.

        If no actor has started yet, that failure is the configuration's: the run stops.
        """
        actor = self.starting.pop(ref)
        try:
            self.where[actor] = self.ray.get(ref)
        except self.ray.exceptions.RayActorError as error:
            if not self.started_any:
                raise ValueError(f"a Ray worker could not start: {_reason(error)}") from None
            self.ray.kill(actor)
            return
        self.started_any = True
        self.idle.append(actor)


def _reason(error: BaseException) -> str:
    """An exception's message without Ray's tracebacks: for an actor whose start failed, the failure's own last line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    return lines[-1] if getattr(error, "actor_init_failed", False) else lines[0]
