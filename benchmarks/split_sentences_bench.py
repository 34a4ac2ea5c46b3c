"""Coq sentence splitting time by input size and shape (``coq_env.sentences.split_sentences``).

    python benchmarks/split_sentences_bench.py --sizes 7000,28000,1048576
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator

from rich.console import Console
from rich.table import Table

from coq_env.sentences import SentenceError, split_sentences


def shapes(size: int) -> Iterator[tuple[str, str]]:
    """Inputs of about ``size`` characters: one long sentence, many short ones, comments and strings, bare punctuation."""
    yield "one sentence", ("assert (H : " + "x + " * (size // 4))[:size] + "0 = 0)."
    yield "short sentences, bullets", ("intros. lra. - nia. { exact Nat.add_comm. } " * (size // 44 + 1))[:size]
    yield "comments, strings", ('idtac "a "" b. (* c *)" (* (* x. *) y. *) ' * (size // 42 + 1))[:size]
    yield "'. ' repeated", ". " * (size // 2)


def seconds(text: str) -> float:
    """Wall-clock seconds of one split (an unclosed comment or string at the cut counts the same)."""
    started = time.perf_counter()
    try:
        split_sentences(text)
    except SentenceError:
        pass
    return time.perf_counter() - started


def main() -> None:
    """Print one row per input shape, one column per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="7000,28000,1048576", help="input sizes in characters (default: %(default)s)")
    sizes = [int(size) for size in parser.parse_args().sizes.split(",")]
    table = Table(title="split_sentences, seconds")
    table.add_column("input")
    for size in sizes:
        table.add_column(f"{size:,} chars", justify="right")
    rows: dict[str, list[str]] = {}
    for size in sizes:
        for name, text in shapes(size):
            rows.setdefault(name, []).append(f"{seconds(text):.4f}")
    for name, cells in rows.items():
        table.add_row(name, *cells)
    Console().print(table)


if __name__ == "__main__":
    main()
