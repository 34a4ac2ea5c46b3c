"""Draft-Sketch-Prove on live Coq: sketches closed gap by gap, refused, left open; the run end to end."""

import json

import pytest

from prover.dsp import SketchStatus, load_sketches, prove_sketch
from prover.entrypoints.cli import build_parser, config_from_args, main
from prover.generators.replay import ReplayGenerator
from prover.run_config import fingerprint
from prover.search import SearchConfig
from prover.sketchers import SketchPrompt
from tests.conftest import coq_problem, requires_coq
from tests.prover.runs import read, write_problems

ARITH = "Require Import Arith Lia.\n"
PRODUCT = coq_problem("product", "Theorem product : forall x y : R, x = 2 -> y = x + 1 -> y * x = 6.")
SKETCH = """Proof.
  intros x y hx hy.
  (* the informal proof: y is 3 *)
  assert (h2 : y = 3). { admit. }
  rewrite h2, hx.
  admit.
Qed."""


@requires_coq
def test_a_sketch_is_closed_gap_by_gap_and_verified(coq_env):
    attempt = prove_sketch(PRODUCT, coq_env, SKETCH)
    assert attempt.status is SketchStatus.VERIFIED, attempt.detail
    assert [gap.closed_by for gap in attempt.gaps] == ["tactic", "tactic"]
    assert [gap.proof for gap in attempt.gaps] == [["lra."], ["lra."]]
    assert "y = 3" in attempt.gaps[0].goal and "3 * 2 = 6" in attempt.gaps[1].goal
    assert attempt.proof == ["intros x y hx hy.", "assert (h2 : y = 3).", "{", "lra.", "}", "rewrite h2, hx.", "lra."]
    assert not any("admit" in step for step in attempt.proof)
    assert coq_env.verify(PRODUCT, attempt.proof).ok


@requires_coq
def test_a_gap_no_automation_closes_is_named_and_nothing_is_proved(coq_env):
    sketch = "intros x y hx hy. assert (h : x * x = 5). { admit. } admit."
    attempt = prove_sketch(PRODUCT, coq_env, sketch)
    assert attempt.status is SketchStatus.GAP_OPEN and not attempt.verified
    assert "gap 1 (step 4) stays open: x * x = 5" == attempt.detail
    assert attempt.gaps[0].closed_by == "" and attempt.gaps[0].proof == []


@requires_coq
def test_a_gap_the_gap_tactics_miss_is_closed_by_a_search_with_the_run_s_tactics(coq_env):
    header = "Require Import Reals.\nOpen Scope R_scope.\nDefinition g (x : R) := x + 1.\n"
    problem = coq_problem("via_g", "Theorem via_g : forall x : R, x = 2 -> g x = 3.", header)
    sketch = "intros x hx. admit."
    no_search = prove_sketch(problem, coq_env, sketch, ReplayGenerator(["unfold g", "lra"]), SearchConfig(budget=0))
    assert no_search.status is SketchStatus.GAP_OPEN
    attempt = prove_sketch(problem, coq_env, sketch, ReplayGenerator(["unfold g", "lra"]), SearchConfig(budget=4))
    assert attempt.status is SketchStatus.VERIFIED, attempt.detail
    assert attempt.gaps[0].closed_by == "search" and attempt.gaps[0].proof == ["unfold g", "lra"]
    assert attempt.proof == ["intros x hx.", "unfold g", "lra"]


@requires_coq
@pytest.mark.parametrize("sketch, why", [
    ("Theorem product : forall x y : R, x = 3 -> y * x = 6. Proof. admit. Qed.", "states another theorem"),
    ("Axiom cheat : forall P : Prop, P. Proof. intros. apply cheat. Qed.", "before its proof"),
    ("Require Import Lia. Proof. admit. Qed.", "which the header does not have"),
    ("Proof. intros. admit. Admitted.", "ends in 'Admitted.'"),
    ("Proof. admit. Qed. Lemma more : True.", "goes on after its proof ends"),
])
def test_a_sketch_that_changes_the_statement_or_adds_to_the_header_is_refused(coq_env, sketch, why):
    attempt = prove_sketch(PRODUCT, coq_env, sketch)
    assert attempt.status is SketchStatus.REFUSED and why in attempt.detail and attempt.proof == []


@requires_coq
def test_the_statement_and_the_header_s_imports_may_be_repeated(coq_env):
    sketch = "Require Import Reals.\nTheorem product : forall x y : R,\n  x = 2 -> y = x + 1 -> y * x = 6.\n" + SKETCH
    assert prove_sketch(PRODUCT, coq_env, sketch).status is SketchStatus.VERIFIED


@requires_coq
def test_an_escape_inside_a_step_is_no_gap_and_fails_the_step(coq_env):
    attempt = prove_sketch(PRODUCT, coq_env, "intros x y hx hy. now admit.")
    assert attempt.status is SketchStatus.STEP_FAILED and "escape tactic" in attempt.detail


@requires_coq
def test_the_few_shot_examples_are_sketches_that_prove_their_statements(coq_env):
    headers = ["Require Import Reals.\nOpen Scope R_scope.\n", ARITH]
    for example, header in zip(SketchPrompt.for_backend("coq").examples, headers):
        name = example["statement"].split()[1]
        attempt = prove_sketch(coq_problem(name, example["statement"], header), coq_env, example["sketch"])
        assert attempt.status is SketchStatus.VERIFIED, (name, attempt.detail)
        assert attempt.gaps and all(gap.closed_by == "tactic" for gap in attempt.gaps)


@requires_coq
def test_prove_mode_dsp_runs_sketches_from_a_file_end_to_end(tmp_path):
    problems = write_problems(tmp_path / "p.jsonl", {"product": PRODUCT.statement, "other": PRODUCT.statement.replace("product", "other")})
    sketches = tmp_path / "sketches.jsonl"
    sketches.write_text("\n".join(json.dumps(line) for line in [
        {"name": "product", "sketch": "intros x y hx hy. assert (h : x * x = 5). { admit. } admit."},
        {"name": "product", "sketch": SKETCH},
    ]) + "\n")
    out = tmp_path / "r.jsonl"
    argv = ["--benchmark", str(problems), "--mode", "dsp", "--sketches", str(sketches), "--attempts", "2", "--out", str(out), "--workers", "1"]
    assert main(argv) == 0
    records = {r["name"]: r for r in read(out)}
    product = records["product"]
    assert product["verified"] and product["expansions"] == 2 and product["stop_reason"] == "proved"
    assert [a["status"] for a in product["dsp"]] == ["gap open", "verified"]
    assert product["proof"][-1] == "lra." and product["config"]["mode"] == "dsp"
    assert not records["other"]["verified"] and records["other"]["verdict"] == "no sketch for this problem"


def test_dsp_options_reach_the_run_config_and_its_fingerprint():
    config = config_from_args(build_parser().parse_args(["--mode", "dsp", "--informal", "model", "--attempts", "3", "--gap-budget", "0"]))
    assert (config.mode, config.dsp.informal, config.dsp.attempts, config.dsp.gap_budget) == ("dsp", "model", 3, 0)
    assert fingerprint(config)["dsp"]["attempts"] == 3
    assert "mode" not in fingerprint(config_from_args(build_parser().parse_args([])))
    with pytest.raises(ValueError, match="--attempts"):
        config_from_args(build_parser().parse_args(["--mode", "dsp", "--attempts", "0"]))


def test_mode_dsp_without_sketches_or_a_model_is_a_one_line_error(tmp_path, capsys):
    problems = write_problems(tmp_path / "p.jsonl", {"product": PRODUCT.statement})
    assert main(["--benchmark", str(problems), "--mode", "dsp", "--out", str(tmp_path / "r.jsonl")]) == 2
    assert "--mode dsp needs --sketches FILE.jsonl or a --model" in capsys.readouterr().err


def test_a_bad_sketches_file_names_its_line(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"name": "a", "sketch": "lia."}\n{"name": "b"}\n')
    with pytest.raises(ValueError, match="s.jsonl:2"):
        load_sketches(path)
