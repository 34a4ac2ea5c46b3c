"""``prove``: run best-first proof search over a benchmark, or set up a backend.

    prove --benchmark minif2f --budget 100            # Coq, test split, portfolio
    prove --benchmark minif2f --backend lean ...      # needs `prove setup lean`
    prove setup lean                                  # prepare a Lean workspace
    prove setup isabelle                              # download and unpack Isabelle
    prove serve [--model PATH]                        # serve tactics (Lean Copilot's API), /prove, a model's /v1/completions
    prove train pretrain CONFIG.toml                  # train the model (the train package)
    prove data problems FILE.v ... --out p.jsonl      # one problem per lemma of real Coq files
    prove fill FILE.v --budget 20                     # prove the Admitted lemmas of your own file
    prove suggest FILE.v:LINE                         # tactics for the goal at a line, each tried
    prove repl FILE.v:LINE                            # prove the goal at a line interactively
    prove --ray auto --workers 32 ...                 # the problems as Ray work across a cluster
    prove sweep SWEEP.toml --out DIR                  # one run per cell of a grid of options
    prove report DIR_OR_RESULTS... --out REPORT       # tables and plots comparing runs

``python -m prover`` is the same command. Exit status: 0 done, 1 the results
file could not be written, 2 bad options, input or installation (before any
work), 130 interrupted by Ctrl-C (143 by SIGTERM; finished problems are recorded, the others run
next time).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from typing import Callable, TypeVar

from rich.console import Console
from rich.markup import escape

from prover.dsp import DspConfig
from prover.env import ProverNotInstalledError
from prover.entrypoints.options import (add_generator_arguments, add_search_arguments, env_options_from_args,
                                       generator_config_from_args, search_config_from_args)
from prover.problems import BENCHMARKS
from prover.records import ResultRecord
from prover.registry import BACKENDS, DEFAULT_BACKEND
from prover.reporting import summarize, summary_table
from prover.results import ResultsWriteError
from prover.run_config import MODES, RunConfig
from prover.runner import run_benchmark
from prover.search import SearchConfig
from prover.sketchers import INFORMAL_SOURCES
from prover.workers import RunInterrupted

T = TypeVar("T")

#: ``prove setup NAME`` -> "module:function(argv) -> int"
SETUP_COMMANDS = {"lean": "lean_env.setup:main", "isabelle": "isabelle_env.setup:main"}
#: ``prove COMMAND ...`` other than a run -> "module:function(argv) -> int"
SUBCOMMANDS = {"serve": "prover.entrypoints.serve:main", "train": "train.cli:main", "data": "prover.entrypoints.data:main",
               "fill": "prover.entrypoints.fill:main", "suggest": "prover.entrypoints.suggest:main",
               "repl": "prover.entrypoints.repl:main", "sweep": "prover.entrypoints.sweep:main",
               "report": "prover.entrypoints.report:main"}


def build_parser() -> argparse.ArgumentParser:
    """The ``prove`` argument parser; every option has a default and a help line."""
    search_defaults, run_defaults = SearchConfig(), RunConfig()
    parser = argparse.ArgumentParser(
        prog="prove",
        description="Best-first proof search with a language model (or a tactic portfolio) over real proof assistants. "
        "`prove setup lean` and `prove setup isabelle` prepare those backends; `prove serve` serves the tactics over HTTP (Lean Copilot's "
        "/generate, /encode), proof search (/prove) and, with --model PATH, the model as /v1/completions; "
        "`prove train {pretrain,finetune,ablate-mixture,export} ...` trains one; "
        "`prove data problems FILE.v ... --out p.jsonl` makes problems of real Coq files; "
        "`prove fill FILE.v` proves the Admitted lemmas of your own file and writes the proofs back; "
        "`prove suggest FILE.v:LINE` tries the generator's tactics on the goal at a line; "
        "`prove repl FILE.v:LINE` proves it interactively; "
        "`prove sweep SWEEP.toml --out DIR` runs a grid of settings, `prove report DIR... --out REPORT` compares runs "
        "(docs/ablations.md).",
    )
    run = parser.add_argument_group("run")
    run.add_argument("--benchmark", default=run_defaults.benchmark, help=f"problem set: {', '.join(BENCHMARKS)}, or a .jsonl file of problems in the same format (default: %(default)s)")
    run.add_argument("--backend", default=DEFAULT_BACKEND, choices=sorted(BACKENDS), help="proof assistant (default: %(default)s)")
    run.add_argument("--split", default=None, help=f"the split to run: any split the benchmark declares (miniF2F: test, valid), or 'all' (default: {run_defaults.split} for miniF2F, all of a problems file)")
    run.add_argument("--problems", default="", help="comma-separated problem names to run (default: all)")
    run.add_argument("--limit", type=int, default=None, help="run at most N problems (default: no limit)")
    run.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 1)), help="parallel searches, each with its own prover process; with --ray, the Ray actors (default: CPU count, %(default)s)")
    run.add_argument("--ray", nargs="?", const="local", default=None, metavar="ADDRESS", help="run the problems as Ray work, one actor per worker: no ADDRESS starts Ray here for the run, 'auto' joins this machine's cluster, or ray://HOST:10001; needs pip install '.[ray]'; see docs/ray.md (default: off, the local process pool)")
    run.add_argument("--out", default=run_defaults.out, help="results file (JSONL); a rerun skips problems already in it (default: %(default)s)")
    run.add_argument("--retry-errors", action="store_true", help="run again the problems whose recorded result is an error (a crashed prover, an unreachable model server); the new record supersedes the old")
    run.add_argument("--allow-config-change", action="store_true", help="add to a results file written with another configuration (budget, generator, ...); refused by default so results never mix unnoticed")
    run.add_argument("--graphs-dir", default=None, help="save each search graph as JSON in this folder (default: off)")
    add_search_arguments(parser, search_defaults)
    add_generator_arguments(parser)
    add_dsp_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON on stdout as well")
    return parser


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """Turn parsed options into a :class:`RunConfig` (one place, one to one)."""
    return RunConfig(
        benchmark=args.benchmark,
        backend=args.backend,
        split=_split(args.split, args.benchmark),
        problems=tuple(name.strip() for name in args.problems.split(",") if name.strip()),
        limit=args.limit,
        workers=args.workers,
        out=args.out,
        graphs_dir=args.graphs_dir,
        retry_errors=args.retry_errors,
        allow_config_change=args.allow_config_change,
        search=search_config_from_args(args),
        generator=generator_config_from_args(args),
        mode=args.mode,
        dsp=dsp_config_from_args(args),
        env_options=env_options_from_args(args),
        ray=args.ray,
    )


def add_dsp_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``mode`` group: ``--mode`` and the options of Draft-Sketch-Prove (docs/dsp.md)."""
    defaults = DspConfig()
    group = parser.add_argument_group("mode")
    group.add_argument("--mode", default="search", choices=MODES, help="search: best-first search from the statement; dsp: Draft, Sketch, Prove (a formal sketch with gaps, each gap closed by automation) (default: %(default)s)")
    group.add_argument("--informal", default=defaults.informal, choices=INFORMAL_SOURCES, help="--mode dsp with a model: sketch from the dataset's informal proof (human) or from one the model drafts (model) (default: %(default)s)")
    group.add_argument("--attempts", type=int, default=defaults.attempts, help="--mode dsp: sketches tried per problem, until one is verified (default: %(default)s)")
    group.add_argument("--sketches", default=defaults.sketches, help="--mode dsp: JSONL file of sketches, lines {\"name\": ..., \"sketch\": ...}, instead of a model (default: none)")
    group.add_argument("--gap-budget", type=int, default=defaults.gap_budget, help="--mode dsp: expansions of the search with the run's tactic source on a gap no gap tactic closes; 0: none (default: %(default)s)")
    group.add_argument("--max-sketch-tokens", type=int, default=defaults.max_sketch_tokens, help="--mode dsp: longest sketch or informal draft a model may write, in tokens (default: %(default)s)")


def dsp_config_from_args(args: argparse.Namespace) -> DspConfig:
    """The :class:`DspConfig` of the parsed ``mode`` group."""
    return DspConfig(informal=args.informal, attempts=args.attempts, sketches=args.sketches, gap_budget=args.gap_budget,
                     max_sketch_tokens=args.max_sketch_tokens)


def _split(option: str | None, benchmark: str) -> str | None:
    """The split to select: ``None`` for all; a named benchmark's default when none is given."""
    if option is None:
        return RunConfig.split if benchmark in BENCHMARKS else None
    return None if option == "all" else option


def setup_main(argv: list[str]) -> int:
    """``prove setup NAME ...``: dispatch to the backend's setup command."""
    if not argv or argv[0] not in SETUP_COMMANDS:
        known = ", ".join(sorted(SETUP_COMMANDS))
        print(f"usage: prove setup {{{known}}} [options]", file=sys.stderr)
        return 2
    return _call(SETUP_COMMANDS[argv[0]], argv[1:])


def _call(target: str, argv: list[str]) -> int:
    """Run ``module:function(argv)``, imported only now (its dependencies may be heavy)."""
    module_name, _, function = target.partition(":")
    return getattr(importlib.import_module(module_name), function)(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``prove`` console script."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "setup":
        return setup_main(argv[1:])
    if argv and argv[0] in SUBCOMMANDS:
        return _call(SUBCOMMANDS[argv[0]], argv[1:])
    args = build_parser().parse_args(argv)
    console = Console(stderr=True)
    config: RunConfig | None = None

    def run() -> list[ResultRecord]:
        nonlocal config
        config = config_from_args(args)
        return run_benchmark(config, console)

    status, records = guarded(console, args.out, run)
    if config is None or records is None:
        return status
    console.print(summary_table(records, title=f"{config.benchmark} / {config.backend} / {config.generator.label}"))
    if args.json:
        print(json.dumps(summarize(records)))
    return 0


def guarded(console: Console, where: str, action: Callable[[], T]) -> tuple[int, T | None]:
    """Run ``action`` (benchmark runs); ``(0, its value)``, or the exit status of what stopped it, reported.

    ``where`` names the results for the message of a stopped run (a file, a sweep's folder).
    """

    def fail(message: object, status: int = 2) -> tuple[int, None]:
        console.print(f"[bold red]error:[/] {escape(str(message))}", highlight=False, soft_wrap=True)
        return status, None

    try:
        return 0, action()
    except RunInterrupted as stop:
        console.print(f"interrupted ({stop.signal_name}): this run recorded {stop.finished} problems in {where}, "
                      f"{stop.unfinished} did not finish; run the same command again to go on", highlight=False, soft_wrap=True)
        return 128 + stop.signum, None
    except KeyboardInterrupt:
        console.print("interrupted before the first problem started; nothing was recorded", highlight=False)
        return 130, None
    except ResultsWriteError as error:
        return fail(f"{error}; the run stopped (the problems recorded before are kept)", 1)
    except (ValueError, OSError, ImportError, ProverNotInstalledError) as error:  # bad options or files, a missing prover, model or extra
        return fail(error)


if __name__ == "__main__":
    sys.exit(main())
