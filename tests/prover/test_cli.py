"""The ``prove`` command line: options reach the run configuration, every option is documented."""

from __future__ import annotations

import pytest

from coq_env.problem_files import build_parser as problems_parser
from prover.entrypoints.cli import build_parser, config_from_args
from prover.run_config import fingerprint
from prover.engines.base import SamplingParams
from prover.engines.hf.config import HFEngineConfig
from prover.engines.openai.config import OpenAIConfig
from prover.engines.scheduler import SchedulerConfig
from prover.entrypoints.fill import build_parser as fill_parser
from prover.entrypoints.repl import build_parser as repl_parser
from prover.entrypoints.serve import build_parser as serve_parser
from prover.entrypoints.suggest import build_parser as suggest_parser


def test_every_option_has_a_help_line() -> None:
    for parser in (build_parser(), serve_parser(), problems_parser(), fill_parser(), suggest_parser(), repl_parser()):
        undocumented = [a.option_strings for a in parser._actions if a.option_strings and not a.help]
        assert undocumented == []


def test_model_options_reach_the_generator_config_typed() -> None:
    argv = ["--model", "m", "--decode", "static", "--no-compile", "--top-p", "0.9", "--prompt-file", "p.json", "--seed", "3",
            "--max-wait-ms", "20"]  # fmt: skip
    model = config_from_args(build_parser().parse_args(argv)).generator.model
    assert model.engine_options == HFEngineConfig(decode="static", compile=False, seed=3)
    assert model.sampling == SamplingParams(top_p=0.9)
    assert model.batching == SchedulerConfig(max_wait_ms=20.0)
    assert model.prompt_file == "p.json"


def test_unset_model_options_keep_the_engines_defaults() -> None:
    config = config_from_args(build_parser().parse_args(["--model", "m"]))
    assert config.generator.model.engine_options == HFEngineConfig()
    assert config.generator.model.sampling == SamplingParams() and config.generator.label == "m"
    openai = config_from_args(build_parser().parse_args(["--model", "m", "--engine", "openai", "--api-retries", "5"]))
    assert openai.generator.model.engine_options == OpenAIConfig(retries=5)


def test_an_option_of_another_engine_is_an_error() -> None:
    with pytest.raises(ValueError, match="--decode is an option of --engine hf, not of --engine openai"):
        config_from_args(build_parser().parse_args(["--model", "m", "--engine", "openai", "--decode", "static"]))


def test_help_shows_the_dataclass_defaults_once() -> None:
    text = build_parser().format_help()
    assert f"(default: {SchedulerConfig().max_batch_size})" in text
    assert f"(default: {OpenAIConfig().api_base})" in text
    flags = [s for a in build_parser()._actions for s in a.option_strings]
    assert len(flags) == len(set(flags)) and "--dtype" in flags and "--gpu-memory-utilization" in flags


@pytest.mark.parametrize(
    ("argv", "split"),
    [([], "test"), (["--split", "valid"], "valid"), (["--split", "all"], None),
     (["--benchmark", "p.jsonl"], None), (["--benchmark", "p.jsonl", "--split", "heldout"], "heldout"),
     (["--benchmark", "p.jsonl", "--split", "all"], None)],
)
def test_split_is_any_name_and_defaults_by_benchmark(argv, split) -> None:
    assert config_from_args(build_parser().parse_args(argv)).split == split


def test_automation_first_reaches_the_search_config_and_the_record() -> None:
    assert config_from_args(build_parser().parse_args([])).search.automation_first is False
    config = config_from_args(build_parser().parse_args(["--automation-first"]))
    assert config.search.automation_first is True
    assert fingerprint(config)["search"]["automation_first"] is True
