"""One ``coqtop -emacs`` process driven through pexpect, a sentence at a time.

Why ``coqtop -emacs`` rather than ``coqidetop``'s XML protocol: its prompt
``<prompt>NAME < N |NAME| D < </prompt>`` carries the document state number N
after every sentence, ``BackTo N.`` returns to any earlier state in one cheap
command, and every message is plain text that a person can read in a log. Its
one gap, that only the first goal's hypotheses are printed, is filled by
``Show i.`` for the others. The XML protocol's call encoding changes between
Coq releases (``Add`` gained location arguments in 8.15), which is a poor
contract for a tool meant to outlive one Coq version.
"""

from __future__ import annotations

import os
import re
import select
import shlex
import signal
import tempfile
import termios
import time
from dataclasses import dataclass

import pexpect

from coq_env.processes import clean_stale_workdirs_once, owned_workdir, require_tool
from prover.env import ProverCrashError

PROMPT = re.compile(r"<prompt>(.*?) < (\d+) \|(.*?)\| (\d+) < </prompt>")
_MESSAGE_OPENING = re.compile(r"<(infomsg|warning)>")

#: How long :meth:`CoqtopSession.kill` waits for a killed coqtop to end.
KILL_WAIT_S = 30.0


class SentenceTimeout(Exception):
    """A sentence ran past its limit; the process was killed."""


@dataclass(frozen=True)
class Reply:
    """What coqtop printed for one sentence and the state numbers around it."""

    output: str
    before: int
    after: int
    proof_name: str

    @property
    def ok(self) -> bool:
        """Coq accepted the sentence: it added a state to the document."""
        return self.after != self.before

    @property
    def text(self) -> str:
        """The output without info/warning blocks, as goals are parsed from it."""
        return _without_messages(self.output).replace("\r\n", "\n")

    @property
    def error(self) -> str:
        """The error message, from ``Error:`` on, or the whole output."""
        text = self.text
        at = text.find("Error:")
        return (text[at:] if at >= 0 else text).strip()


def _without_messages(output: str) -> str:
    """``output`` without its ``<infomsg>``/``<warning>`` blocks, in one pass.

    (The regular expression ``<(infomsg|warning)>.*?</\\1>`` does the same but
    rescans the rest of the output for every opening tag that is never closed:
    quadratic in an error message that echoes a long tactic.)
    """
    kept: list[str] = []
    unclosed: set[str] = set()
    keep_from = i = 0
    while (opening := _MESSAGE_OPENING.search(output, i)) is not None:
        tag = opening.group(1)
        close = -1 if tag in unclosed else output.find(f"</{tag}>", opening.end())
        if close < 0:
            unclosed.add(tag)  # no closing tag after this one: none after later ones either
            i = opening.start() + 1
            continue
        kept.append(output[keep_from : opening.start()])
        keep_from = i = close + len(tag) + 3
    kept.append(output[keep_from:])
    return "".join(kept)


class CoqtopSession:
    """A live ``coqtop -emacs -q`` process.

    ``run`` sends one sentence and waits for the next prompt. A sentence that
    runs past ``timeout`` kills the process and raises :class:`SentenceTimeout`;
    the caller restarts with :meth:`start`. A process that exits raises
    :class:`~prover.env.ProverCrashError`. After :meth:`interrupt` (from any
    thread) every call raises it. coqtop runs in the working folder
    ``llemma-coqtop-<pid>-...``, removed by :meth:`close`.
    """

    def __init__(self, executable: str = "coqtop", args: tuple[str, ...] = (), memory_limit_mb: int | None = 6144) -> None:
        require_tool(executable)
        clean_stale_workdirs_once()
        self.executable = executable
        self.args = args
        self.memory_limit_mb = memory_limit_mb
        self.state = 0
        self.interrupted = False
        self._process: pexpect.spawn | None = None
        self._workdir: tempfile.TemporaryDirectory | None = None

    @property
    def alive(self) -> bool:
        """Whether the process is running."""
        return self._process is not None and self._process.isalive()

    def start(self, timeout: float = 60.0) -> None:
        """(Re)start coqtop and wait for its first prompt."""
        self.kill()
        if self.interrupted:
            raise ProverCrashError("coqtop was stopped: the run is being interrupted")
        if self._workdir is None:
            self._workdir = owned_workdir("llemma-coqtop-")
        command = shlex.join([self.executable, "-emacs", "-q", *self.args])
        if self.memory_limit_mb:
            # A runaway vm_compute must kill its own coqtop, not the machine's other workers.
            # (ulimit in a shell rather than preexec_fn: the runner starts sessions from threads.)
            command = f"ulimit -v {self.memory_limit_mb * 1024}; exec {command}"
        process = pexpect.spawn(
            "/bin/sh",
            ["-c", command],
            encoding="utf-8",
            codec_errors="replace",
            echo=False,
            timeout=timeout,
            maxread=1 << 16,
            dimensions=(24, 10000),
            cwd=self._workdir.name,  # lia/nia/nra write their caches into the working directory
        )
        process.delaybeforesend = None
        _verbatim_input(process.child_fd)
        self._process = process
        self._expect_prompt(timeout)

    def run(self, sentence: str, timeout: float) -> Reply:
        """Send one complete sentence (line breaks and all) and return coqtop's reply."""
        if self.interrupted or not self.alive:
            raise ProverCrashError("coqtop was stopped" if self.interrupted else "coqtop is not running")
        assert self._process is not None
        before = self.state
        deadline = time.monotonic() + timeout
        self._write((sentence + "\n").encode("utf-8", "replace"), deadline)
        output, name = self._expect_prompt(max(deadline - time.monotonic(), 0.0))
        return Reply(output, before, self.state, name)

    def back_to(self, state: int, timeout: float) -> None:
        """Return the document to ``state`` (``BackTo``)."""
        reply = self.run(f"BackTo {state}.", timeout)
        if self.state != state:
            raise ProverCrashError(f"BackTo {state} failed: {reply.error}")

    def _write(self, data: bytes, deadline: float) -> None:
        """Write ``data`` to coqtop by ``deadline``, or kill it and raise :class:`SentenceTimeout`.

        A write only waits while coqtop does not read, e.g. when it took the start of a long
        line as a sentence of its own and is still running it.
        """
        assert self._process is not None
        fd = self._process.child_fd
        pending = memoryview(data)
        os.set_blocking(fd, False)
        try:
            while pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([], [fd], [], remaining)[1]:
                    self.kill()
                    raise SentenceTimeout("coqtop stopped reading the sentence")
                try:
                    pending = pending[os.write(fd, pending):]
                except BlockingIOError:
                    continue
        finally:
            if self._process is not None:
                os.set_blocking(fd, True)

    def _expect_prompt(self, timeout: float) -> tuple[str, str]:
        assert self._process is not None
        try:
            self._process.expect(PROMPT, timeout=timeout)
        except pexpect.TIMEOUT:
            self.kill()
            raise SentenceTimeout(timeout) from None
        except pexpect.EOF:
            tail = (self._process.before or "")[-500:]
            self.kill()
            if self.interrupted:
                raise ProverCrashError("coqtop was stopped: the run is being interrupted") from None
            raise ProverCrashError(f"coqtop exited: {tail.strip()}") from None
        self.state = int(self._process.match.group(2))
        return self._process.before, self._process.match.group(1)

    def interrupt(self) -> None:
        """Kill coqtop's process group without touching its terminal, which the thread using it owns.

        Safe from any thread: that thread's wait for a prompt ends with an error, and no sentence
        or restart is accepted afterwards.
        """
        self.interrupted = True
        process = self._process
        if process is not None and process.pid:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def kill(self) -> None:
        """Stop the process (if any) at once.

        coqtop leads its own session, so its whole process group gets SIGKILL, and the kill waits
        for the kernel to end it: on a loaded machine that takes longer than pexpect's own
        terminate waits (0.1 s), after which its ``close`` raised instead of stopping the child.
        """
        process, self._process = self._process, None
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        deadline = time.monotonic() + KILL_WAIT_S
        while process.isalive() and time.monotonic() < deadline:
            time.sleep(0.02)
        try:
            process.close(force=True)
        except pexpect.ExceptionPexpect as error:
            raise ProverCrashError(f"coqtop (pid {process.pid}) did not end {KILL_WAIT_S:.0f} s after SIGKILL: {error}") from None

    def close(self) -> None:
        """Stop the process and remove its working folder (a later :meth:`start` makes a new one)."""
        self.kill()
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

def _verbatim_input(fd: int) -> None:
    """Make the terminal pass every byte of a sentence to coqtop unchanged.

    In its default (canonical) mode a terminal edits what it is sent before coqtop
    reads it: it keeps at most 4095 bytes of a line (a longer sentence reached
    coqtop cut short, so coqtop waited for the rest until the timeout), erases on
    DEL and ^U, signals on ^C, and stops all output on ^S. Coq must see exactly the
    tactic the search records, however long and whatever it holds.
    """
    attributes = termios.tcgetattr(fd)
    attributes[0] &= ~(termios.ICRNL | termios.IXON | termios.IXOFF)  # input flags
    attributes[3] &= ~(termios.ICANON | termios.ISIG | termios.IEXTEN)  # local flags
    attributes[6][termios.VMIN], attributes[6][termios.VTIME] = 1, 0
    termios.tcsetattr(fd, termios.TCSANOW, attributes)
