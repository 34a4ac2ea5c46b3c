"""Training configs: TOML in, dataclasses out, every field overridable, the resolved config written back."""

from __future__ import annotations

import tomllib

import pytest

from train.config import RunConfig, SourceConfig, from_dict, load_config, set_field, to_toml


def test_toml_sections_map_onto_dataclasses_and_overrides_win(tmp_path) -> None:
    path = tmp_path / "run.toml"
    path.write_text(
        '[optim]\nlr = 1e-3\nwarmup_steps = 10\n[train]\nsteps = 100\n'
        '[[data.sources]]\nname = "coq"\npaths = ["/x"]\nweight = 0.95\n[[data.sources]]\nname = "web"\nweight = 0.05\n'
    )
    config = load_config(path, ["--optim.lr", "3e-4", "--train.steps=7", "--data.sources.1.weight", "0.5", "--model.compile", "true"])
    assert config.optim.lr == 3e-4 and config.optim.warmup_steps == 10 and config.train.steps == 7
    assert [s.name for s in config.data.sources] == ["coq", "web"] and config.data.sources[1].weight == 0.5
    assert config.model.compile is True and isinstance(config.data.sources[0], SourceConfig)


def test_the_resolved_config_round_trips_through_toml() -> None:
    config = load_config(None, ["--model.config", "{hidden_size = 64, num_hidden_layers = 2}", "--optim.betas", "[0.9, 0.99]"])
    config.data.sources.append(SourceConfig(name="coq", paths=["a", "b"]))
    assert from_dict(RunConfig, tomllib.loads(to_toml(config))) == config


@pytest.mark.parametrize("override, message", [
    (["--optim.lrr", "1"], "no such field"),
    (["--nosection.lr", "1"], "no section or field"),
    (["--train.steps", "many"], "cannot read 'many' as int"),
    (["--train.steps"], "needs a value"),
])
def test_bad_overrides_are_one_line_errors(override, message) -> None:
    with pytest.raises(ValueError, match=message):
        load_config(None, override)


def test_unknown_toml_fields_name_the_file(tmp_path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[optim]\nlearning_rate = 1\n")
    with pytest.raises(ValueError, match="bad.toml.*learning_rate"):
        load_config(path)
    config = RunConfig()
    with pytest.raises(ValueError, match="no such field"):
        set_field(config, "optim.nope", "1")
