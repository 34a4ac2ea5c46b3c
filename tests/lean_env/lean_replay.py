"""A replay REPL: a real subprocess that speaks the Lean REPL's stdio framing.

It reads requests exactly as leanprover-community/repl does (lines up to a
blank line, each right-stripped, joined with no separator; blocks starting
with ``#`` or ``--`` skipped), checks each one against the recorded request of
a transcript (``NAME.in``), and answers with the recorded reply
(``NAME.expected.out``) byte for byte, followed by a blank line. A request that
differs from the recording is reported on stderr and ends the process with
status 3, so a client that frames or words a request wrongly fails loudly.

Options make it misbehave the ways real REPLs do: answer in small chunks
(``--chunk``), die half-way through a reply (``--die-at``), never answer one
request (``--hang-at``, once per ``--marker`` file), chatter on stderr
(``--stderr-noise``), or fail at start-up (``--fail-start``).

With ``--any-order`` it serves a search instead of a fixed script: each
request gets the recorded reply of the identical recorded request, whatever
the order; a tactic that was never recorded on that proof state is answered
the way the REPL answers a tactic that throws (``{"message": "Lean error:
..."}``), so a real search can run over a recorded proof and branch freely.

Run: ``python lean_replay.py TRANSCRIPT.in TRANSCRIPT.expected.out [options]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def join_request(lines: list[str]) -> str:
    """A request block as the REPL sees it: lines right-stripped and joined with nothing."""
    return "".join(line.rstrip() for line in lines)


def read_requests(path: Path) -> list[dict]:
    """The recorded requests of a ``.in`` transcript, parsed the REPL's way."""
    requests, block = [], []
    for line in path.read_text(encoding="utf-8").split("\n") + [""]:
        if line.strip():
            block.append(line)
        elif block:
            text = join_request(block)
            block = []
            if not text.startswith(("#", "--")):
                requests.append(json.loads(text))
    return requests


def read_replies(path: Path) -> list[str]:
    """The recorded replies of a ``.expected.out`` transcript, each as its exact text."""
    return [block for block in path.read_text(encoding="utf-8").split("\n\n") if block.strip()]


def _next_request(stream) -> str | None:
    """The next request block from ``stream`` (None at end of input)."""
    while True:
        block = []
        while True:
            line = stream.readline()
            if not line:
                return join_request(block) if block else None
            line = line.decode("utf-8").rstrip("\n")
            if not line.strip():
                break
            block.append(line)
        if not block:
            continue
        text = join_request(block)
        if not text.startswith(("#", "--")):
            return text


def _write(data: bytes, chunk: int) -> None:
    out = sys.stdout.buffer
    if chunk <= 0:
        out.write(data)
        out.flush()
        return
    for start in range(0, len(data), chunk):
        out.write(data[start:start + chunk])
        out.flush()
        time.sleep(0.002)


def _key(request: dict) -> str:
    return json.dumps(request, sort_keys=True, ensure_ascii=False)


def _serve_any_order(stdin, requests: list[dict], replies: list[str], chunk: int) -> int:
    """Answer each request with the reply recorded for the identical request."""
    recorded: dict[str, str] = {}
    for request, reply in zip(requests, replies):
        recorded.setdefault(_key(request), reply)
    unrecorded = json.dumps({"message": "Lean error:\nreplay: this tactic was not recorded "
                                        "on this proof state"})
    while (text := _next_request(stdin)) is not None:
        request = json.loads(text)
        reply = recorded.get(_key(request))
        if reply is None and "tactic" not in request:
            sys.stderr.write(f"replay mismatch: no recorded reply for {request!r}\n")
            return 3
        _write(((reply or unrecorded) + "\n\n").encode("utf-8"), chunk)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Serve one transcript on stdin/stdout; the exit status says how it went."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("requests", type=Path)
    parser.add_argument("replies", type=Path)
    parser.add_argument("--chunk", type=int, default=0)
    parser.add_argument("--die-at", type=int, default=-1)
    parser.add_argument("--hang-at", type=int, default=-1)
    parser.add_argument("--marker", type=Path)
    parser.add_argument("--stderr-noise", type=int, default=0)
    parser.add_argument("--fail-start", default="")
    parser.add_argument("--any-order", action="store_true")
    args = parser.parse_args(argv)
    if args.fail_start:
        sys.stderr.write(args.fail_start + "\n")
        return 1
    requests, replies = read_requests(args.requests), read_replies(args.replies)
    stdin = sys.stdin.buffer
    if args.any_order:
        return _serve_any_order(stdin, requests, replies, args.chunk)
    for index, (expected, reply) in enumerate(zip(requests, replies)):
        text = _next_request(stdin)
        if text is None:
            return 0
        try:
            received = json.loads(text)
        except json.JSONDecodeError:
            received = text
        if received != expected:
            sys.stderr.write(f"replay mismatch at request {index}: expected {expected!r}, "
                             f"got {received!r}\n")
            return 3
        if args.stderr_noise:
            sys.stderr.write("w" * args.stderr_noise + "\n")
            sys.stderr.flush()
        data = (reply + "\n\n").encode("utf-8")
        if index == args.hang_at and (args.marker is None or not args.marker.exists()):
            if args.marker is not None:
                args.marker.touch()
            time.sleep(3600)
        if index == args.die_at and (args.marker is None or not args.marker.exists()):
            if args.marker is not None:
                args.marker.touch()
            _write(data[: len(data) // 2], 0)
            sys.stderr.write("replay: killed in the middle of a reply\n")
            sys.stderr.flush()
            os._exit(137)
        _write(data, args.chunk)
    extra = _next_request(stdin)
    if extra is not None:
        sys.stderr.write(f"replay mismatch: request past the end of the transcript: {extra!r}\n")
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
