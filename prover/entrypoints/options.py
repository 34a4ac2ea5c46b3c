"""The option groups that every command running a search shares: search limits and the tactic source.

``prove`` (a benchmark run), ``prove fill``, ``prove suggest`` and ``prove repl`` build them
here, so ``--budget``, ``--generator``, ``--model`` and the rest mean the same in each.
"""

from __future__ import annotations

import argparse

from prover.generators.factory import GENERATORS, GeneratorConfig, generator_spec
from prover.generators.models import add_model_arguments, model_config_from_args
from prover.registry import BACKENDS, backend_class
from prover.search import SearchConfig
from prover.strategies import STRATEGIES


def add_search_arguments(parser: argparse.ArgumentParser, defaults: SearchConfig = SearchConfig(),
                         samples_help: str = "tactics requested per expansion") -> None:
    """The ``search`` group: ``--budget``, ``--samples`` (also ``-k``), ``--max-depth``, ``--time-limit``,
    ``--automation-first``, ``--strategy``, ``--beam-width``, ``--widen``, ``--max-tactic-chars``, ``--tactic-timeout``,
    with ``defaults``' values."""
    srch = parser.add_argument_group("search")
    srch.add_argument("--budget", type=int, default=defaults.budget, help="node expansions (model queries) per theorem (default: %(default)s)")
    add_samples_argument(srch, defaults, samples_help)
    srch.add_argument("--max-depth", type=int, default=defaults.max_depth, help="longest proof, in tactics (default: %(default)s)")
    srch.add_argument("--time-limit", type=float, default=defaults.time_limit, help="wall-clock seconds per theorem (default: %(default)s)")
    srch.add_argument("--automation-first", action=argparse.BooleanOptionalAction, default=defaults.automation_first,
                      help="try the backend's combined automation tactic on the root goal before the generator's tactics, "
                      "so the search proves at least what --generator automation does (default: %(default)s)")
    srch.add_argument("--strategy", default=defaults.strategy, choices=STRATEGIES,
                      help="the order nodes are expanded in: best-first (cumulative log-probability), best-first-normalized "
                      "(log-probability per tactic), breadth-first, or beam (--beam-width best per depth); see "
                      "docs/ablations.md (default: %(default)s)")
    srch.add_argument("--beam-width", type=int, default=defaults.beam_width, help="nodes kept per depth by --strategy beam (default: %(default)s)")
    srch.add_argument("--widen", type=int, default=defaults.widen, metavar="ROUNDS",
                      help="when nothing is left to expand before the budget is spent, ask every expanded node again for twice "
                      "as many tactics and run the new ones, up to ROUNDS times (default: %(default)s)")
    add_step_arguments(srch, defaults)


def add_samples_argument(group: argparse._ActionsContainer, defaults: SearchConfig = SearchConfig(),
                         samples_help: str = "tactics requested per expansion") -> None:
    """``-k``/``--samples``: how many tactics to ask the generator for at a time."""
    group.add_argument("-k", "--samples", type=int, default=defaults.samples, help=f"{samples_help} (default: %(default)s)")


def add_step_arguments(group: argparse._ActionsContainer, defaults: SearchConfig = SearchConfig()) -> None:
    """What bounds one tactic run in the prover: ``--max-tactic-chars`` and ``--tactic-timeout``."""
    group.add_argument("--max-tactic-chars", type=int, default=defaults.max_tactic_chars, help="longest tactic, in characters, sent to the prover; a longer one is a failed step (default: %(default)s)")
    group.add_argument("--tactic-timeout", type=float, default=None, help=f"seconds one tactic may run before the prover is restarted (default: the backend's own: {_backend_timeouts()})")


def add_generator_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``generator`` group: ``--generator``, ``--tactics``, ``--steps`` and the model's flags."""
    gen = parser.add_argument_group("generator")
    gen.add_argument("--generator", default="portfolio", type=generator_spec, help=f"tactic source: {', '.join(GENERATORS)}, or a mixture NAME[:WEIGHT]+NAME... (goals+portfolio, goals:2+portfolio; with --model: model+portfolio, or +portfolio); see docs/generators.md (default: %(default)s)")
    gen.add_argument("--tactics", default=None, help="file with one tactic per line, for --generator replay")
    gen.add_argument("--steps", default=None, help="proof steps (steps.jsonl from `prove data steps`), for --generator knn")
    add_model_arguments(gen)


def search_config_from_args(args: argparse.Namespace) -> SearchConfig:
    """The :class:`SearchConfig` of the parsed ``search`` group."""
    return SearchConfig(budget=args.budget, samples=args.samples, max_depth=args.max_depth, time_limit=args.time_limit,
                        max_tactic_chars=args.max_tactic_chars, automation_first=args.automation_first,
                        strategy=args.strategy, beam_width=args.beam_width, widen=args.widen)


def generator_config_from_args(args: argparse.Namespace) -> GeneratorConfig:
    """The :class:`GeneratorConfig` of the parsed ``generator`` group."""
    return GeneratorConfig(name=args.generator, tactics=args.tactics, steps=args.steps, model=model_config_from_args(args))


def env_options_from_args(args: argparse.Namespace) -> dict[str, float]:
    """The backend options of the parsed ``search`` group: ``timeout`` when ``--tactic-timeout`` is given."""
    return {} if args.tactic_timeout is None else {"timeout": args.tactic_timeout}


def _backend_timeouts() -> str:
    """Each backend's default tactic timeout, for the help text (its env class says it)."""
    return ", ".join(f"{name} {backend_class(name).default_timeout:g} s" for name in sorted(BACKENDS))
