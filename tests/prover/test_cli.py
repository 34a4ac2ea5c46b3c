"""The ``prove`` command line: options reach the run configuration, every option is documented."""

from __future__ import annotations

from prover.cli import build_parser, config_from_args
from prover.generators.models import ModelOptions


def test_every_option_has_a_help_line() -> None:
    parser = build_parser()
    undocumented = [a.option_strings for a in parser._actions if a.option_strings and not a.help]
    assert undocumented == []


def test_model_options_reach_the_generator_config() -> None:
    argv = ["--model", "m", "--decode", "static", "--no-compile", "--top-p", "0.9", "--prompt-file", "p.json", "--seed", "3"]
    config = config_from_args(build_parser().parse_args(argv))
    options = config.generator.options
    assert options == {"decode": "static", "compile": False, "top_p": 0.9, "prompt_file": "p.json", "seed": 3}
    ModelOptions.from_kwargs(options)  # every one is a known model option


def test_unset_model_options_keep_the_engines_defaults() -> None:
    config = config_from_args(build_parser().parse_args(["--model", "m"]))
    assert config.generator.options == {}
    assert config.generator.model == "m" and config.generator.engine == "hf"
