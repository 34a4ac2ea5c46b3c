import pytest

from prover.env import ProofEnv
from prover.registry import BACKENDS, backend_class, register


def test_backends_resolve_lazily_to_env_classes():
    assert issubclass(backend_class("coq"), ProofEnv)
    assert backend_class("coq").name == "coq"


def test_unknown_backend_and_bad_target():
    with pytest.raises(ValueError, match="unknown backend"):
        backend_class("hol-light")
    with pytest.raises(ValueError):
        register("bad", "no_colon_here")


def test_register_adds_a_backend():
    register("coq-again", "coq_env:CoqEnv")
    try:
        assert backend_class("coq-again") is backend_class("coq")
    finally:
        del BACKENDS["coq-again"]
