"""Each backend owns its facts: statement field, prompt, tactic timeout, portfolio; the protocol imports nothing above it."""

from __future__ import annotations

import subprocess
import sys
from importlib.util import find_spec

import pytest

from prover.entrypoints.cli import build_parser, config_from_args, main
from prover.generators.prompting import PROMPT_DIR, PromptTemplate
from prover.registry import BACKENDS, backend_class, make_env
from prover.run_config import fingerprint
from tests.conftest import requires_coq

FACTS = {  # backend: (statement field, prompt, default tactic timeout)
    "coq": ("coq", "coq", 5.0),
    "lean": ("lean4", "lean", 60.0),
    "leandojo": ("lean4", "lean", 60.0),
    "isabelle": ("isabelle", "isabelle", 30.0),
}


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_every_backend_states_its_facts_on_its_env_class(backend):
    env_class = backend_class(backend)
    field, prompt, timeout = FACTS[backend]
    assert (env_class.statement_field, env_class.prompt_name, env_class.default_timeout) == (field, prompt, timeout)
    assert (PROMPT_DIR / f"{env_class.prompt_name}.json").is_file()
    assert PromptTemplate.for_backend(backend).backend == prompt
    portfolio = env_class.portfolio()
    assert portfolio and all(isinstance(tactic, str) and score <= 0 for tactic, score in portfolio)
    assert env_class.resolve_timeout(None) == timeout and env_class.resolve_timeout(2.5) == 2.5


def test_the_protocol_imports_nothing_above_it():
    code = "import sys, prover.env; print(sorted(m for m in sys.modules if m.split('.')[0] in ('prover', 'coq_env', 'lean_env', 'isabelle_env')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['prover', 'prover.env']"


def config(*argv: str):
    return config_from_args(build_parser().parse_args(list(argv)))


@requires_coq
def test_the_tactic_timeout_is_the_backends_unless_given():
    assert config().env_options == {}
    with make_env("coq", **config().env_options) as env:
        assert env.timeout == backend_class("coq").default_timeout == 5.0
    with make_env("coq", **config("--tactic-timeout", "3").env_options) as env:
        assert env.timeout == 3.0
    assert fingerprint(config("--backend", "lean"))["env_options"] == {"timeout": 60.0}
    assert fingerprint(config("--backend", "lean", "--tactic-timeout", "7"))["env_options"] == {"timeout": 7.0}
    assert "coq 5 s, isabelle 30 s, lean 60 s, leandojo 60 s" in " ".join(build_parser().format_help().split())


@pytest.mark.skipif(find_spec("lean_dojo") is not None, reason="lean-dojo is installed: the run would start")
def test_leandojo_without_lean_dojo_stops_with_one_line(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    assert main(["--backend", "leandojo", "--limit", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == "error: lean-dojo is not installed: pip install lean-dojo (it also needs elan and git)\n"
    assert not out.exists()
