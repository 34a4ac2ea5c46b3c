"""What every ``prove setup NAME`` command shares: a network check and the one-line failure."""

from __future__ import annotations

import socket
import sys


def network_ok(host: str, port: int = 443, timeout: float = 5.0) -> bool:
    """Whether a TCP connection to ``host:port`` opens within ``timeout`` seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def fail(command: str, message: str, status: int = 2) -> int:
    """Print ``prove setup COMMAND: message`` on stderr and return ``status``."""
    print(f"prove setup {command}: {message}", file=sys.stderr)
    return status
