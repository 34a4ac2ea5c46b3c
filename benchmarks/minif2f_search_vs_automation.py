"""Best-first search with the portfolio vs one combined automation tactic, on miniF2F.

Runs, in one process and on the same problems, (1) ``prove``'s best-first search
with the backend's portfolio at ``--budget`` expansions, and (2) the baseline:
the backend's single combined automation tactic tried once per problem. Both
go through the same runner, so every counted proof is re-checked by a fresh
``coqc``. Prints a table; results files go to ``--out-dir`` (resumable).

    python benchmarks/minif2f_search_vs_automation.py --split test --budget 100
"""

from __future__ import annotations

import argparse
import platform
import os
import time
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.table import Table

from prover.generators.factory import GeneratorConfig
from prover.reporting import summarize
from prover.runner import RunConfig, run_benchmark
from prover.search import SearchConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="coq", help="proof backend (default: %(default)s)")
    parser.add_argument("--split", default="test", help="miniF2F split (default: %(default)s)")
    parser.add_argument("--budget", type=int, default=SearchConfig.budget, help="search expansions per theorem (default: %(default)s)")
    parser.add_argument("--samples", type=int, default=SearchConfig.samples, help="tactics per expansion (default: %(default)s)")
    parser.add_argument("--time-limit", type=float, default=SearchConfig.time_limit, help="seconds per theorem (default: %(default)s)")
    parser.add_argument("--tactic-timeout", type=float, default=5.0, help="seconds per tactic (default: %(default)s)")
    parser.add_argument("--baseline-timeout", type=float, default=60.0, help="seconds for the one combined tactic, which runs every automation in turn (default: %(default)s)")
    parser.add_argument("--limit", type=int, default=None, help="first N problems only (default: all)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parallel searches (default: %(default)s)")
    parser.add_argument("--out-dir", default="runs", help="folder for the two results files (default: %(default)s)")
    args = parser.parse_args()

    console = Console(width=max(120, Console().width))
    base = RunConfig(
        backend=args.backend,
        split=args.split,
        limit=args.limit,
        workers=args.workers,
        search=SearchConfig(budget=args.budget, samples=args.samples, time_limit=args.time_limit),
        env_options={"timeout": args.tactic_timeout},
    )
    out = Path(args.out_dir)
    arms = {
        f"best-first search, portfolio, budget {args.budget}": replace(
            base, out=str(out / f"{args.split}-portfolio-b{args.budget}.jsonl")),
        "one combined automation tactic, once": replace(
            base, out=str(out / f"{args.split}-automation.jsonl"), generator=GeneratorConfig(name="automation"),
            search=replace(base.search, budget=1, samples=1), env_options={"timeout": args.baseline_timeout}),
    }
    table = Table(title=f"miniF2F {args.split} / {args.backend}: search vs automation "
                        f"({platform.node()}, {os.cpu_count()} cores, {args.workers} workers)")
    for column in ("arm", "problems", "verified", "pass rate", "skipped", "errors", "run wall time (s)", "sum of per-problem time (s)"):
        table.add_column(column)
    for label, config in arms.items():
        started = time.monotonic()
        records = run_benchmark(config, console)
        wall = time.monotonic() - started
        stats = summarize(records)
        table.add_row(label, str(stats["problems"]), str(stats["verified"]), f"{100 * stats['pass_rate']:.1f}%",
                      str(stats["skipped"]), str(stats["errors"]), f"{wall:.0f}", f"{stats['wall_time']:.0f}")
    console.print(table)


if __name__ == "__main__":
    main()
