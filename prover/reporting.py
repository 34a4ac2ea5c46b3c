"""What a run's records add up to: counts, the pass rate, and the table ``prove`` prints."""

from __future__ import annotations

from typing import Any, Iterable

from rich import box
from rich.table import Table

from prover.records import ResultRecord


def summarize(records: Iterable[ResultRecord]) -> dict[str, Any]:
    """Counts and the pass rate (verified over all selected problems, skipped included).

    ``proved_unverified``: problems where the search found a proof that the fresh-process
    re-check refused.
    """
    records = list(records)
    total = len(records)
    verified = sum(1 for r in records if r.verified)
    return {
        "problems": total,
        "verified": verified,
        "proved_unverified": sum(1 for r in records if r.proved and not r.verified),
        "skipped": sum(1 for r in records if r.skipped),
        "errors": sum(1 for r in records if r.error),
        "pass_rate": verified / total if total else 0.0,
        "wall_time": sum(r.wall_time for r in records),
    }


def summary_table(records: Iterable[ResultRecord], title: str = "Results") -> Table:
    """A rich table of :func:`summarize` per split and overall.

    ``rate``: verified over problems; ``refused``: problems where the search found a proof
    that the fresh-process re-check refused; ``seconds``: summed per-problem wall time.
    """
    records = list(records)
    table = Table(title=title, box=box.SIMPLE_HEAD)
    for column in ("split", "problems", "verified", "rate", "skipped", "errors", "refused", "seconds"):
        table.add_column(column, justify="right" if column != "split" else "left", min_width=len(column))
    splits = sorted({r.split for r in records})
    for label, subset in [(s, [r for r in records if r.split == s]) for s in splits] + [("all", records)]:
        if label == "all" and len(splits) == 1:
            continue
        stats = summarize(subset)
        table.add_row(label, str(stats["problems"]), str(stats["verified"]), f"{100 * stats['pass_rate']:.1f}%",
                      str(stats["skipped"]), str(stats["errors"]), str(stats["proved_unverified"]), f"{stats['wall_time']:.0f}")
    return table


def describe_progress(verified: int, finished: int) -> str:
    """The progress bar's label: verified so far over finished so far."""
    rate = 100.0 * verified / finished if finished else 0.0
    return f"verified {verified}/{finished} ({rate:.1f}%)"
