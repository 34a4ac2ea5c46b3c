"""``--generator goals``: shapes, items and templates instantiated for Coq goals (no prover needed)."""

from __future__ import annotations

import pytest

from prover.env import Goal, State
from prover.generators.analysis import analyze, classify
from prover.generators.factory import GeneratorConfig, build_generator
from prover.generators.goals import GoalTacticGenerator
from prover.generators.templates import load_templates
from prover.registry import backend_class


@pytest.fixture(scope="module")
def coq() -> GoalTacticGenerator:
    return GoalTacticGenerator.for_backend("coq")


def state(*hypotheses: str, target: str) -> str:
    return State(1, (Goal(hypotheses, target),)).render()


def tactics(generator: GoalTacticGenerator, text: str, k: int = 200) -> list[str]:
    return [s.tactic for s in generator.generate(text, k)]


def test_an_equation_hypothesis_gets_rewrite_and_a_conjunction_gets_destruct(coq):
    proposed = tactics(coq, state("x, y : R", "H : x = 2", "H0 : 0 < y /\\ y < 1", target="x * y < 2"))
    assert "rewrite H" in proposed and "destruct H0" in proposed
    assert "destruct H0; lra" in proposed and "rewrite H; lra" in proposed
    assert "subst x" in proposed
    assert "destruct H" not in proposed and "rewrite H0" not in proposed


def test_rewrite_direction_follows_where_the_side_occurs(coq):
    proposed = tactics(coq, state("a, b : R", "H : a = b + 1", target="b + 1 = 3"))
    assert "rewrite <- H" in proposed and "rewrite H" not in proposed


def test_a_function_equation_is_rewritten_where_the_function_is_applied(coq):
    text = state("f : R -> R", "H : forall x : R, f x = 5 * x + 4", "H0 : f 2 = 9", target="f 1 = 9")
    proposed = tactics(coq, text)
    assert "rewrite H; lra" in proposed and "rewrite H in H0" in proposed
    assert "specialize (H c)" not in proposed  # no real variable to specialise with
    assert "apply f" not in proposed and not any("unfold f" in t for t in proposed)  # f is a variable


def test_disjunctions_existentials_and_bounds_are_destructed(coq):
    text = state("n : nat", "H : n = 1 \\/ n = 2", "H0 : exists k : nat, n = 2 * k", "H1 : 0 <= n <= 9", target="n < 3")
    proposed = tactics(coq, text)
    assert {"destruct H", "destruct H; subst", "destruct H0", "destruct H1"} <= set(proposed)
    assert "induction n" in proposed and "destruct (PeanoNat.Nat.eq_dec n n)" not in proposed


def test_targets_get_intros_split_and_the_closers_of_their_domain(coq):
    assert tactics(coq, state(target="forall x : R, 0 < x -> x > 0"))[0] == "intros"
    proposed = tactics(coq, state("x : R", "H : 0 < x", target="0 < x /\\ x < x + 1"))
    assert "split" in proposed and "split; lra" in proposed and "lra" in proposed
    assert "lia" not in proposed
    assert "lia" in tactics(coq, state("n : nat", target="n + 0 = n"))


def test_existential_targets_get_witnesses_in_the_bound_variables_scope(coq):
    proposed = tactics(coq, state("n : Z", "H : 0 <= n <= 9", target="exists k : Z, 2007 + 10 * n = 11 * k -> n = 5"))
    assert "exists 0%Z; intros; lia" in proposed and "exists 1%Z" in proposed
    assert not any("%{" in t or "{" in t for t in proposed)  # no template left half-filled
    function_witness = tactics(coq, state(target="exists f : R -> R, f 0 = 0 /\\ (forall g, g = fun k : nat => k)"))
    assert not any(t.startswith(("exists 0", "unfold")) for t in function_witness)  # f, g, k are bound


def test_mod_terms_get_division_facts_with_grouped_operands(coq):
    proposed = tactics(coq, state("n : nat", "H : n mod 5 = 3", target="(2 * n) mod 5 = 1"))
    both = [t for t in proposed if t.count("div_mod") == 2 and t.endswith("; lia")]
    assert both and "PeanoNat.Nat.div_mod (2 * n) 5 ltac:(lia)" in both[0]
    assert "Z.div_mod_to_equations; lia" in tactics(coq, state("b : Z", "H : (b * 24) mod 121 = 1", target="b = 116"))


def test_nonlinear_facts_for_pairs_and_positive_hypotheses(coq):
    text = state("a, b : R", "H : 0 < a", "H0 : b > 0", target="a * b + 1 / (a + b) > 0")
    proposed = tactics(coq, text)
    assert "pose proof (Rmult_lt_0_compat a b H H0); nra" in proposed
    assert "pose proof (pow2_ge_0 (a - b))" in proposed
    assert "assert ((a + b) <> 0) by lra" in proposed and "field_simplify; try lra" in proposed


def test_applications_of_named_functions_get_their_lemmas(coq):
    proposed = tactics(coq, state("y : R", "H : sqrt (19 + 3 * y) = 7", target="y + sqrt 2 = 10 + sqrt 2"))
    assert "pose proof (sqrt_sqrt (19 + 3 * y) ltac:(lra)); nra" in proposed
    assert "pose proof (sqrt_pos 2); pose proof (sqrt_pos (19 + 3 * y))" in proposed  # the target's first
    assert not any("INR" in t or "exp_pos" in t for t in proposed)


def test_a_fact_already_in_the_context_is_not_asserted_again(coq):
    first = tactics(coq, state("x, y : R", target="x * y <= (x ^ 2 + y ^ 2) / 2"))
    again = tactics(coq, state("x, y : R", "H : 0 <= ((x - y) ^ 2)", target="x * y <= (x ^ 2 + y ^ 2) / 2"))
    assert "pose proof (pow2_ge_0 (x - y))" in first and "pose proof (pow2_ge_0 (x - y))" not in again
    split = state("x, y : R", "r : x <= y", target="x * y <= y * y")
    assert "destruct (Rle_lt_dec x y)" not in tactics(coq, split)


def test_definitions_are_unfolded_and_library_functions_are_not(coq):
    proposed = tactics(coq, state("n : nat", target="is_prime (sqrt_nat n) = true"))
    assert "unfold is_prime" in proposed and "unfold sqrt_nat" in proposed
    assert not any(t.startswith("unfold") for t in tactics(coq, state("x : R", target="sqrt x >= 0")))


def test_suggestions_are_distinct_ranked_log_probabilities_and_cut_to_k(coq):
    text = state("x, y, z : R", "H : 0 < x /\\ 0 < y /\\ 0 < z", "H0 : x + y + z = 1", target="x * y + y * z + z * x <= 1 / 3")
    everything = coq.generate(text, 1000)
    assert len(everything) > 16 and len({s.tactic for s in everything}) == len(everything)
    scores = [s.logprob for s in everything]
    assert scores == sorted(scores, reverse=True) and all(-8 < s < 0 for s in scores)
    assert coq.generate(text, 5) == everything[:5]
    assert coq.generate("no goals", 5) == [] and coq.generate(text, 0) == []


def test_shapes_take_the_loosest_operator():
    templates = load_templates(backend_class("coq").goal_tactics())
    assert classify("0 < x /\\ 0 < y", templates).tags == {"any", "and"}
    assert classify("(0 < x)%nat", templates).tags == {"any", "lt", "pos"}
    assert classify("~ x = 2", templates).tags == {"any", "not"}
    assert classify("x = 2 -> y = 3", templates).tags == {"any", "impl"}
    assert classify("forall x : R, x = 2 -> y = 3", templates).tags == {"any", "forall"}
    assert classify("0 <= n < 101", templates).tags == {"any", "bounds"}
    assert classify("x > 0", templates).sides["term"] == "x"


def test_items_separate_variables_from_hypotheses():
    templates = load_templates(backend_class("coq").goal_tactics())
    goal = Goal(("x : R", "a : nat -> R", "S : list R", "H : forall n : nat, a (S n) = a n + 1", "l := 3 : nat"), "a 2%nat = x")
    view = analyze(goal, templates)
    assert [i.values["x"] for i in view.items["variable"]] == ["x"]
    assert [i.values["h"] for i in view.items["hypothesis"]] == ["H"]
    assert view.items["hypothesis"][0].conclusion >= {"eq"} and "lhs_in_goal" in view.items["hypothesis"][0].facts
    assert [i.values["h"] for i in view.items["definition"]] == ["l"]
    assert view.domains == ["R"]


def test_malformed_templates_are_refused_with_the_reason():
    base = {"domains": {"R": {"types": ["R"]}}}
    cases = {
        "unknown kind": {"templates": {"lemma": [{"tactic": "t", "prior": -1}]}},
        "placeholders \\['x'\\] do not exist": {"templates": {"hypothesis": [{"tactic": "rewrite {x}", "prior": -1}]}},
        "conditions \\['in_goal'\\] do not exist": {"templates": {"hypothesis": [{"tactic": "t {h}", "prior": -1, "when": ["in_goal"]}]}},
        "unknown shape 'eqn'": {"templates": {"hypothesis": [{"tactic": "t {h}", "prior": -1, "shape": "eqn"}]}},
        "unknown domain 'Q'": {"templates": {"variable": [{"tactic": "t {x}", "prior": -1, "domain": "Q"}]}},
        "unknown keys \\['closer'\\]": {"templates": {"variable": [{"tactic": "t {x}", "prior": -1, "closer": True}]}},
    }
    for message, data in cases.items():
        with pytest.raises(ValueError, match=message):
            load_templates({**base, **data})


def test_factory_builds_goals_alone():
    generator = build_generator(GeneratorConfig(name="goals"), "coq")
    assert isinstance(generator, GoalTacticGenerator)
    assert "destruct H" in tactics(generator, state("H : A /\\ B", target="B"))


def test_lean_templates_use_the_same_format():
    lean = GoalTacticGenerator.for_backend("lean")
    text = "x y : ℝ\nh₀ : x = 2\nh₁ : 0 < x ∧ 0 < y\nh₂ : 0 < y\nh₃ : 0 < x\n⊢ x * y + x > 0"
    proposed = tactics(lean, text)
    assert {"rw [h₀]", "obtain ⟨h₁l, h₁r⟩ := h₁", "subst x", "nlinarith [sq_nonneg (x - y)]"} <= set(proposed)
    assert "nlinarith [mul_pos h₂ h₃]" in proposed and "linarith" in proposed and "omega" not in proposed
