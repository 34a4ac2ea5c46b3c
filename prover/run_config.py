"""A run's configuration: its options, their validation, and the part a results file must agree on.

Results of different configurations must not mix in one file (a budget-1 run
resumed with budget 20 would report neither), so each record carries the
:func:`fingerprint` of its run's configuration, and a run whose fingerprint
differs from that of the file's last record is refused unless
``allow_config_change`` is set (``prove --allow-config-change``). Options
that change how fast a run goes but not what it finds (``workers``,
``limit``, ``problems``, ``split``, ``out``, ``ray``) are not part of it.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from prover.dsp import DspConfig
from prover.generators.factory import GeneratorConfig
from prover.problems import BENCHMARKS
from prover.records import ResultRecord
from prover.registry import DEFAULT_BACKEND, backend_class
from prover.results import ResultStore
from prover.search import SearchConfig


#: What ``--mode`` takes: best-first search from the statement, or Draft-Sketch-Prove.
MODES = ("search", "dsp")


class ConfigMismatchError(ValueError):
    """The results file was written by a run with another configuration."""


@dataclass(frozen=True)
class RunConfig:
    """Everything one benchmark run needs; the CLI mirrors it option for option.

    Constructing one with an impossible value (``budget=0``, ``workers=0``,
    ``time_limit=-5``, ...) raises ``ValueError`` naming the option.
    """

    benchmark: str = "minif2f"
    backend: str = DEFAULT_BACKEND
    split: str | None = "test"  #: a split the benchmark declares (miniF2F: test, valid); None for all
    problems: tuple[str, ...] = ()  #: only these names (all when empty)
    limit: int | None = None  #: at most this many problems (after filtering)
    workers: int = 1
    out: str = "results.jsonl"
    graphs_dir: str | None = None  #: save each search graph as JSON here
    retry_errors: bool = False  #: run again the problems whose recorded result is an error
    allow_config_change: bool = False  #: add to a results file written with another configuration
    search: SearchConfig = SearchConfig()
    generator: GeneratorConfig = GeneratorConfig()
    mode: str = "search"  #: "search" (formal to formal) or "dsp" (Draft, Sketch, Prove)
    dsp: DspConfig = DspConfig()  #: the sketches of ``mode="dsp"``
    env_options: dict[str, Any] = field(default_factory=dict)  #: passed to the backend; ``timeout``: seconds per tactic
    ray: str | None = None  #: run the problems on Ray actors: ``local`` (a Ray instance started here), ``auto``, ``ray://HOST:PORT``

    def __post_init__(self) -> None:
        at_least_one = {"--limit": self.limit, "--workers": self.workers, "--budget": self.search.budget,
                        "--samples": self.search.samples, "--max-depth": self.search.max_depth,
                        "--max-tactic-chars": self.search.max_tactic_chars, "--beam-width": self.search.beam_width}
        for option, value in at_least_one.items():
            if value is not None and value < 1:
                raise ValueError(f"{option} must be at least 1, got {value}")
        if self.mode not in MODES:
            raise ValueError(f"--mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.dsp.attempts < 1 or self.dsp.gap_budget < 0:
            raise ValueError("--attempts must be at least 1 and --gap-budget at least 0")
        positive = {"--time-limit": self.search.time_limit, "--tactic-timeout": self.env_options.get("timeout")}
        for option, value in positive.items():
            if value is not None and not (value > 0 and not math.isnan(value)):
                raise ValueError(f"{option} must be a positive number of seconds, got {value}")


def fingerprint(config: RunConfig) -> dict[str, Any]:
    """The configuration a results file records: what decides which problems a run proves."""
    env_options = dict(config.env_options)
    env_options["timeout"] = backend_class(config.backend).resolve_timeout(env_options.get("timeout"))
    benchmark = config.benchmark if config.benchmark in BENCHMARKS else str(Path(config.benchmark).resolve())
    data = {"benchmark": benchmark, "backend": config.backend, "generator": _generator_fingerprint(config.generator),
            "search": asdict(config.search), "env_options": env_options}
    if config.mode != "search":  # formal-to-formal files keep the fingerprint they always had
        data["mode"], data["dsp"] = config.mode, asdict(config.dsp)
    return json.loads(json.dumps(data, sort_keys=True, default=str))


def legacy_fingerprint(records: Iterable[ResultRecord]) -> dict[str, Any] | None:
    """What records without a ``config`` say of their run, or None if they disagree.

    Records have always carried their backend, generator, budget and samples.
    """
    seen = {(r.backend, r.generator, r.budget, r.samples) for r in records}
    if len(seen) != 1:
        return None if seen else {}
    backend, generator, budget, samples = seen.pop()
    return {"backend": backend, "generator_label": generator, "search": {"budget": budget, "samples": samples}}


def _generator_fingerprint(generator: GeneratorConfig) -> dict[str, Any]:
    """What of the tactic source decides which tactics come: not batching, devices or kernels.

    A model counts with its engine, sampling, prompt, dtype and seed; ``--max-wait-ms``,
    ``--device``, ``--compile`` and the like only change how fast the same samples come. The
    ``--tactics`` and ``--steps`` files count by their resolved paths, so ``data/steps.jsonl``,
    ``./data/steps.jsonl`` and a link to it are one configuration.
    """
    data: dict[str, Any] = {"name": generator.name, "tactics": _resolved(generator.tactics),
                            "steps": _resolved(generator.steps), "model": None}
    if generator.model is not None:
        model, options = generator.model, generator.model.engine_options
        data["model"] = {
            "model": model.model, "engine": model.engine, "sampling": asdict(model.sampling), "prompt_file": model.prompt_file,
            "dtype": getattr(options, "dtype", None), "seed": getattr(options, "seed", None),
        }  # fmt: skip
    return data


def _resolved(path: str | None) -> str | None:
    """``path`` made absolute, links followed (None stays None)."""
    return None if path is None else str(Path(path).resolve())


def generator_label(config: RunConfig) -> str:
    """The generator as records name it: the model, or the generator's name."""
    return config.generator.label


def differences(recorded: dict[str, Any], current: dict[str, Any], prefix: str = "") -> list[str]:
    """``"search.budget: 1 in the file, 20 now"`` for each key of ``recorded`` whose value differs."""
    found = []
    for key, old in recorded.items():
        new = current.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            found += differences(old, new, f"{prefix}{key}.")
        elif old != new:
            found.append(f"{prefix}{key}: {old!r} in the file, {new!r} now")
    return found


def check_results_config(store: ResultStore, config: RunConfig) -> dict[str, Any]:
    """``config``'s :func:`fingerprint`, once it agrees with the configuration of ``store``'s last record.

    A file whose records carry no configuration (older versions) is judged by the records'
    own backend, generator, budget and samples. Raises :class:`ConfigMismatchError` listing the
    differences unless ``config.allow_config_change``.
    """
    current = fingerprint(config)
    if store.config is not None:
        found = differences(_with_new_defaults(store.config), current)
    else:
        legacy = legacy_fingerprint(store)
        found = (["its records come from runs with different configurations"] if legacy is None
                 else differences(legacy, {**current, "generator_label": generator_label(config)}))
    if found and not config.allow_config_change:
        raise ConfigMismatchError(f"{store.path} holds results of another configuration ({'; '.join(found)}); "
                                  "use another --out, or --allow-config-change to add to it anyway")
    return current


def _with_new_defaults(recorded: dict[str, Any]) -> dict[str, Any]:
    """``recorded`` with the search options added since it was written, at their defaults.

    A new option's default is the behaviour from before it existed, so a file written then was
    run with the default; a run that sets another value (``--strategy beam``) differs from it.
    Files recorded their ``--tactics`` and ``--steps`` paths as given before they were resolved;
    such a path is resolved here (from the working folder, as the run that wrote it did).
    """
    generator = recorded.get("generator")
    if isinstance(generator, dict):
        paths = {key: _resolved(generator[key]) for key in ("tactics", "steps") if isinstance(generator.get(key), str)}
        recorded = {**recorded, "generator": {**generator, **paths}}
    search = recorded.get("search")
    if not isinstance(search, dict):
        return recorded
    defaults = json.loads(json.dumps(asdict(SearchConfig()), default=str))
    return {**recorded, "search": {**defaults, **search}}
