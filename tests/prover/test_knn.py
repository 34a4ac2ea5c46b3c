"""kNN tactics: a held-out lemma's goals get the tactics that similar library goals used."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("sklearn", reason="the kNN generator needs scikit-learn (pip install .[knn])")

from coq_env.steps import StepsConfig, extract  # noqa: E402
from prover.generators.knn import KnnGenerator, StepIndex, hypotheses, rename  # noqa: E402
from tests.conftest import requires_coq  # noqa: E402
from tests.train.conftest import THEORIES  # noqa: E402


def test_hypothesis_names_are_mapped_by_type() -> None:
    source = "A : Type\nIHl : length l = 0\nH0 : In a l\n============================\nP"
    target = "A : Type\nHin : In b m\nIHm : length m = 0\n============================\nQ"
    assert hypotheses(target) == {"A": "Type", "Hin": "In b m", "IHm": "length m = 0"}
    assert rename("rewrite IHl; apply H0.", source, target) == "rewrite IHm; apply Hin."
    assert rename("auto.", source, target) == "auto."  # nothing to map
    assert hypotheses("x, y : R\nh0 : x < y\n============================\nx <= y") == {"x": "R", "y": "R", "h0": "x < y"}


def test_the_nearest_goal_gives_its_tactic_first() -> None:
    from prover.generators.knn import IndexedStep

    index = StepIndex([
        IndexedStep("n : nat\n============================\nn + 0 = n", "rewrite Nat.add_0_r; reflexivity."),
        IndexedStep("l : list nat\n============================\nrev (rev l) = l", "apply rev_involutive."),
        IndexedStep("x, y : R\nh : x < y\n============================\nx <= y", "lra."),
    ])  # fmt: skip
    suggestions = KnnGenerator(index).generate("m : nat\n============================\nm + 0 = m", 2)
    assert suggestions[0].tactic == "rewrite Nat.add_0_r; reflexivity." and suggestions[0].logprob > suggestions[1].logprob


@requires_coq
@pytest.mark.skipif(THEORIES is None, reason="the Coq standard library sources are not installed")
def test_held_out_lemmas_get_tactics_they_used(tmp_path) -> None:
    extract(StepsConfig(tmp_path / "steps", (THEORIES / "Lists",), workers=2), report=lambda _: None)
    records = [json.loads(line) for line in (tmp_path / "steps" / "steps.jsonl").read_text().splitlines()]
    held = [r for r in records if r["file"].endswith("ListDec.v")]
    assert held, "ListDec.v yields proof steps"
    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps(r) + "\n" for r in records if not r["file"].endswith("ListDec.v")))
    generator = KnnGenerator.from_steps(train)
    lemmas = {r["lemma"] for r in held}
    hit = {r["lemma"] for r in held if r["tactic"] in {s.tactic for s in generator.generate(r["goals"], 16)}}
    assert len(hit) >= max(1, len(lemmas) // 5), (len(hit), len(lemmas))
