"""One REPL process: start it, exchange framed requests and replies, kill it.

The process runs in its own session (process group) so that a timeout can
kill ``lake`` and the ``repl`` it started together, under an address-space
cap (``RLIMIT_AS``, via ``ulimit -v``) when one is given. Reading uses ``selectors`` on stdout
and stderr at once, so a chatty stderr never blocks the REPL and a reply split
over many reads (even inside a UTF-8 character) is put back together.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from lean_env.errors import ReplCrashError, ReplTimeoutError
from lean_env.protocol import Reply, Request, decode_reply, encode_request

#: How much of the REPL's stderr is kept for error messages.
STDERR_TAIL_BYTES = 4096

#: A reply ends at the first blank line (the REPL's JSON printer never writes one inside).
REPLY_END = b"\n\n"


def with_memory_cap(argv: Sequence[str], memory_limit_mb: int | None) -> tuple[str, ...]:
    """``argv`` run under an address-space cap (``RLIMIT_AS``) of ``memory_limit_mb``.

    The cap is set by ``sh``'s ``ulimit -v`` just before it ``exec``s the
    command, rather than by a ``preexec_fn``, which is unsafe in a threaded
    runner. Children (the ``repl`` that ``lake env`` starts) inherit it.
    """
    if not memory_limit_mb:
        return tuple(argv)
    kib = int(memory_limit_mb) * 1024
    return ("/bin/sh", "-c", f'ulimit -v {kib} && exec "$@"', "sh", *argv)


class ReplProcess:
    """A running REPL (``lake env repl`` or anything speaking its stdio framing)."""

    def __init__(
        self,
        argv: Sequence[str],
        cwd: str | Path | None = None,
        memory_limit_mb: int | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.argv = tuple(argv)
        try:
            self._proc = subprocess.Popen(
                with_memory_cap(self.argv, memory_limit_mb),
                cwd=cwd,
                env=dict(env) if env is not None else None,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise ReplCrashError(f"cannot start the Lean REPL {self.argv[0]!r}: {exc}") from None
        self._buffer = b""
        self._stderr = b""
        self._selector = selectors.DefaultSelector()
        for stream in (self._proc.stdout, self._proc.stderr):
            os.set_blocking(stream.fileno(), False)
            self._selector.register(stream, selectors.EVENT_READ)

    @property
    def pid(self) -> int:
        """The process id (also the id of its process group)."""
        return self._proc.pid

    @property
    def alive(self) -> bool:
        """Whether the process is still running."""
        return self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        """The exit status once the process has ended, else None."""
        return self._proc.poll()

    @property
    def stderr_tail(self) -> str:
        """The last few kilobytes the REPL wrote to stderr."""
        return self._stderr.decode("utf-8", errors="replace")

    def request(self, request: Request, timeout: float) -> Reply:
        """Send ``request`` and return its typed reply, waiting at most ``timeout`` seconds.

        On timeout the process group is killed and :class:`ReplTimeoutError`
        raised; if the process dies or answers garbage, :class:`ReplCrashError`.
        """
        self._write(encode_request(request))
        return decode_reply(self._read_reply(timeout), request)

    def _write(self, data: bytes) -> None:
        try:
            self._proc.stdin.write(data)
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise self._crash("the Lean REPL stopped reading its input") from None

    def _read_reply(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while REPLY_END not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise ReplTimeoutError(timeout)
            for key, _ in self._selector.select(left):
                chunk = os.read(key.fileobj.fileno(), 65536)
                if key.fileobj is self._proc.stderr:
                    if not chunk:
                        self._selector.unregister(key.fileobj)
                    self._stderr = (self._stderr + chunk)[-STDERR_TAIL_BYTES:]
                elif chunk:
                    self._buffer += chunk
                else:
                    raise self._crash("the Lean REPL closed its output")
        text, _, self._buffer = self._buffer.partition(REPLY_END)
        return text.decode("utf-8", errors="replace")

    def _crash(self, what: str) -> ReplCrashError:
        """The error for a dead REPL, with its exit status and the tail of its stderr."""
        try:
            self._proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        self._drain_stderr()
        status = self._proc.poll()
        self.kill()
        detail = f"{what} (exit status {status})" if status is not None else what
        tail = " ".join(self.stderr_tail.split())[-500:]
        if self._buffer.strip():
            detail += f"; partial reply {self._buffer[:200].decode('utf-8', 'replace')!r}"
        return ReplCrashError(f"{detail}; stderr: {tail}" if tail else detail)

    def _drain_stderr(self) -> None:
        stream = self._proc.stderr
        if stream is None or stream.closed:
            return
        try:
            while chunk := os.read(stream.fileno(), 65536):
                self._stderr = (self._stderr + chunk)[-STDERR_TAIL_BYTES:]
        except (BlockingIOError, OSError):
            pass

    def signal_group(self) -> None:
        """SIGKILL the process group and nothing else: safe while another thread reads its pipes."""
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def kill(self) -> None:
        """Kill the whole process group and reap the process (idempotent)."""
        if self._proc.poll() is None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
            if stream is not None and not stream.closed:
                if stream is not self._proc.stdin:
                    try:
                        self._selector.unregister(stream)
                    except (KeyError, ValueError):
                        pass
                try:
                    stream.close()
                except OSError:
                    pass
        self._selector.close()

    def close(self) -> None:
        """Ask the REPL to stop by closing its input, then make sure it is gone."""
        if self._proc.poll() is None and self._proc.stdin and not self._proc.stdin.closed:
            try:
                self._proc.stdin.close()
                self._proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()
