"""``--benchmark coq-stdlib-heldout``: lemmas of the standard library's held-out files, with their file prefix as header."""

from __future__ import annotations

from pathlib import Path

from coq_env.corpus import library_root, split_of
from coq_env.stdlib_heldout import HELDOUT_PERCENT, SAMPLE
from prover.entrypoints.cli import _split
from prover.env import Proved
from prover.problems import load_benchmark
from tests.conftest import requires_coq

pytestmark = requires_coq


def test_the_sample_is_the_test_split_and_every_problem_comes_from_a_heldout_file_prefix() -> None:
    test = load_benchmark("coq-stdlib-heldout", "coq", "test")
    everything = load_benchmark("coq-stdlib-heldout", "coq", None)
    assert len(test) == SAMPLE and len(everything) > 2 * SAMPLE
    assert {e.problem.split for e in everything} == {"test", "rest"} and not any(e.skip_reason for e in everything)
    assert len({e.problem.name for e in everything}) == len(everything)
    root = library_root()
    files = {}
    for entry in everything:
        stem = entry.problem.name.split(".")[0]
        matches = [p for p in (root / "theories").rglob(f"{stem}.v") if split_of(str(p.relative_to(root)), HELDOUT_PERCENT) == "heldout"]
        assert len(matches) == 1, entry.problem.name
        text = files.setdefault(matches[0], matches[0].read_text("utf-8"))
        assert text.startswith(entry.problem.header + entry.problem.statement), entry.problem.name
    assert all(split_of(str(Path(f).relative_to(root)), HELDOUT_PERCENT) == "heldout" for f in files)
    assert _split(None, "coq-stdlib-heldout") == "test"  # a named benchmark's default split


def test_a_heldout_lemma_loads_with_its_file_prefix_and_is_proved_and_verified(coq_env) -> None:
    [entry] = load_benchmark("coq-stdlib-heldout", "coq", None, ["BoolOrder.le_refl"])
    problem = entry.problem
    assert "Lemma le_refl" in problem.statement and "Import BoolNotations." in problem.header
    root = coq_env.open(problem)
    assert isinstance(coq_env.step(root.id, "sauto"), Proved)
    verdict = coq_env.verify(problem, ["sauto"])
    assert verdict.ok, verdict.reason


def test_a_lemma_inside_a_module_with_a_module_type_verifies(coq_env) -> None:
    """``Module PositiveSet <: S`` is checked against ``S`` at its ``End``, which a header cut inside it never meets."""
    [entry] = load_benchmark("coq-stdlib-heldout", "coq", None, ["MSetPositive.PositiveSet.compare_bool_inv"])
    proof = ["intros b b'", "destruct b, b'; reflexivity"]
    after_intros = coq_env.step(coq_env.open(entry.problem).id, proof[0])
    assert isinstance(coq_env.step(after_intros.state.id, proof[1]), Proved)
    verdict = coq_env.verify(entry.problem, proof)
    assert verdict.ok, verdict.reason
