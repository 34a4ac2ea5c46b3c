"""``prove sweep SWEEP.toml --out DIR``: one benchmark run per cell of a grid of ``prove`` options.

    [base]                      # any `prove` option, spelled as on the command line or with _
    benchmark = "problems.jsonl"
    generator = "portfolio"
    problems = ["easy_0", "easy_1"]
    workers = 2

    [grid]                      # lists: every combination is a cell
    budget = [4, 16]
    strategy = ["best-first", "breadth-first"]

    [[variant]]                 # optional: options that go together, each variant with every grid value
    label = "knn"
    generator = "knn"
    steps = "data/steps.jsonl"

Each cell's options go through the ``prove`` parser and :func:`config_from_args`, so they are
checked and mean exactly what they mean to ``prove``; see :mod:`prover.sweep` for the folders.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

from rich import box
from rich.console import Console
from rich.table import Table

from prover.entrypoints.cli import build_parser, config_from_args, guarded
from prover.run_config import RunConfig
from prover.sweep import SweepSpec, plan, run_sweep


def build_sweep_parser() -> argparse.ArgumentParser:
    """The ``prove sweep`` argument parser."""
    parser = argparse.ArgumentParser(prog="prove sweep", description="One benchmark run per cell of a grid of prove "
                                     "options; finished cells and problems are reused. See docs/ablations.md.")
    parser.add_argument("config", help="the sweep file (TOML): a [base] table of prove options, a [grid] table of lists, optional "
                        "[[variant]] tables of options that go together")
    parser.add_argument("--out", default="sweep", help="the sweep's folder: DIR/<key>/results.jsonl per cell, DIR/sweep.json (default: %(default)s)")
    parser.add_argument("--dry-run", action="store_true", help="list the cells and their folders, run nothing")
    parser.add_argument("--ray", nargs="?", const="local", default=None, metavar="ADDRESS",
                        help="run the cells as Ray tasks, each with CPUs for its workers: on a Ray instance started here "
                        "(--ray alone), or on the cluster at ADDRESS (auto, ray://HOST:10001; it must see the same paths); "
                        "needs the ray extra (default: off, one cell after another)")
    return parser


def option_argv(parser: argparse.ArgumentParser, options: dict[str, Any]) -> list[str]:
    """``options`` (``budget = 4``, ``automation_first = true``, ``problems = [...]``) as ``prove`` arguments."""
    argv: list[str] = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        action = parser._option_string_actions.get(flag)  # argparse keeps no public map of its options
        if action is None:
            raise ValueError(f"{key} is no prove option (see prove --help)")
        if isinstance(action, argparse.BooleanOptionalAction) or action.nargs == 0:
            if not isinstance(value, bool):
                raise ValueError(f"{key} is a switch: true or false, not {value!r}")
            if isinstance(action, argparse.BooleanOptionalAction):
                argv.append(flag if value else "--no-" + flag[2:])
            elif value:
                argv.append(flag)
            continue
        argv += [flag, ",".join(map(str, value)) if isinstance(value, list) else str(value)]
    return argv


def configure(options: dict[str, Any]) -> RunConfig:
    """The RunConfig ``prove`` would build from ``options``; ``ValueError`` for what it would refuse."""
    parser = build_parser()

    def refuse(message: str) -> NoReturn:
        raise ValueError(f"{', '.join(f'{k}={v!r}' for k, v in options.items())}: {message}")

    parser.error = refuse  # type: ignore[method-assign]  # an error, not an exit: the sweep reports it
    return config_from_args(parser.parse_args(option_argv(parser, options)))


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``prove sweep``."""
    args = build_sweep_parser().parse_args(sys.argv[1:] if argv is None else argv)
    console = Console(stderr=True)
    status, cells = guarded(console, args.out, lambda: plan(SweepSpec.load(args.config), args.out, configure))
    if cells is None:
        return status
    if args.dry_run:
        for cell in cells:
            print(f"{cell.key}\t{cell.label}")
        return 0
    execute = None
    if args.ray is not None:
        from prover.sweep_ray import ray_executor

        execute = ray_executor(args.ray)
    status, entries = guarded(console, args.out, lambda: run_sweep(cells, args.out, console, execute))
    if entries is None:
        return status
    table = Table(title=f"sweep {args.out}", box=box.SIMPLE_HEAD)
    for column in ("cell", "key", "problems", "verified", "rate"):
        table.add_column(column)
    for entry in entries:
        summary = entry["summary"]
        table.add_row(entry["label"], entry["key"], str(summary["problems"]), str(summary["verified"]),
                      f"{100 * summary['pass_rate']:.1f}%")
    console.print(table)
    return 0
