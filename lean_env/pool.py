"""REPL processes keyed by header, in the manner of kimina-lean-server and LeanInteract.

Importing Mathlib takes the REPL tens of seconds, so each process imports its
header once and every theorem with that header is elaborated on top of the
same environment (``env`` 0 of that process). The REPL never frees an ``env``
or ``proofState``, so a worker is restarted after ``max_uses`` requests; it
is also restarted after a timeout or a crash. Each start bumps the worker's
``generation``, which tells callers that proof-state numbers they hold from
an earlier generation no longer exist.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lean_env.errors import ReplCrashError, ReplTimeoutError
from lean_env.process import ReplProcess
from lean_env.protocol import Command, Reply, Request
from prover.env import ProblemSetupError, ProverCrashError


@dataclass(frozen=True)
class ReplConfig:
    """How to start and drive REPL processes.

    ``argv`` is the full command (``lake env /path/to/repl`` for a real Lean
    project), run in ``cwd``. ``timeout`` bounds one request, ``header_timeout``
    the header import. ``memory_limit_mb`` caps each process group's address
    space (None: no cap). ``max_uses`` requests trigger a restart before the
    next problem or step. At most ``max_processes`` headers keep a live process.
    """

    argv: tuple[str, ...]
    cwd: Path | None = None
    timeout: float = 60.0
    header_timeout: float = 600.0
    memory_limit_mb: int | None = 32768
    max_uses: int = 1000
    max_processes: int = 1
    environ: Mapping[str, str] | None = field(default=None, compare=False)


class ReplWorker:
    """A REPL process that has imported one header, restarted on demand."""

    def __init__(self, header: str, config: ReplConfig) -> None:
        self.header = header
        self.config = config
        self.generation = 0
        self.uses = 0
        self.header_env: int | None = None
        self.interrupted = False
        self._process: ReplProcess | None = None

    @property
    def running(self) -> bool:
        """Whether a live process is attached."""
        return self._process is not None and self._process.alive

    def ready(self) -> int:
        """Make sure a live, not worn-out process has imported the header; return its generation.

        A header that Lean rejects raises :class:`ProblemSetupError`.
        """
        if not self.running or self.uses >= self.config.max_uses:
            self.restart()
        return self.generation

    def restart(self) -> None:
        """Kill the current process (if any), start a new one and import the header."""
        self.stop()
        if self.interrupted:
            raise ProverCrashError("the Lean REPL was stopped: the run is being interrupted")
        self._process = ReplProcess(self.config.argv, self.config.cwd,
                                    self.config.memory_limit_mb, self.config.environ)
        self.generation += 1
        self.uses = 0
        self.header_env = None
        header = self.header.strip()
        if header:
            reply = self.send(Command(header), timeout=self.config.header_timeout)
            if reply.errors:
                self.stop()
                raise ProblemSetupError(f"Lean rejected the header: {reply.errors[0].data}")
            self.header_env = reply.env

    def send(self, request: Request, timeout: float | None = None) -> Reply:
        """Send one request to the live process and return its typed reply.

        A timeout or crash leaves the worker stopped (the next :meth:`ready`
        restarts it) and re-raises the typed error.
        """
        if self._process is None:
            raise ReplCrashError("the Lean REPL is not running")
        self.uses += 1
        try:
            return self._process.request(request, self.config.timeout if timeout is None
                                         else timeout)
        except (ReplTimeoutError, ReplCrashError):
            self.stop()
            raise

    def interrupt(self) -> None:
        """Kill the process group from any thread; the worker never starts again."""
        self.interrupted = True
        process = self._process
        if process is not None:
            process.signal_group()

    def stop(self) -> None:
        """Stop the process; the worker can be started again with :meth:`ready`."""
        if self._process is not None:
            self._process.close()
            self._process = None


class ReplPool:
    """Workers keyed by header; the least recently used ones are stopped beyond the limit."""

    def __init__(self, config: ReplConfig) -> None:
        self.config = config
        self.interrupted = False
        self._workers: OrderedDict[str, ReplWorker] = OrderedDict()

    def worker(self, header: str) -> ReplWorker:
        """The worker for ``header`` (created, not yet started, if new)."""
        worker = self._workers.pop(header, None) or ReplWorker(header, self.config)
        worker.interrupted = worker.interrupted or self.interrupted
        self._workers[header] = worker
        while len(self._workers) > max(1, self.config.max_processes):
            _, oldest = self._workers.popitem(last=False)
            oldest.stop()
        return worker

    def interrupt(self) -> None:
        """Kill every worker's process group from any thread; no worker starts again."""
        self.interrupted = True
        for worker in list(self._workers.values()):
            worker.interrupt()

    def close(self) -> None:
        """Stop every worker's process."""
        for worker in self._workers.values():
            worker.stop()
        self._workers.clear()
