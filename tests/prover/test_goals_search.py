"""Live Coq: a ``goals`` search proves what the portfolio cannot, alone and in a mixture."""

from __future__ import annotations

from prover.generators.factory import GeneratorConfig, build_generator
from prover.search import SearchConfig, StopReason, search
from tests.conftest import coq_problem, requires_coq

#: Needs ``rewrite H``: lra and nra see ``f 1`` as an unknown, and no portfolio tactic rewrites.
FUNCTION_VALUE = coq_problem("function_value", "Theorem function_value : forall f : R -> R,\n"
                             "  (forall x, f x = 5 * x + 4) -> f 1 = 9.")  # fmt: skip


def run(env, name: str, budget: int = 10):
    generator = build_generator(GeneratorConfig(name=name), "coq")
    config = SearchConfig(budget=budget, samples=16, time_limit=60)
    return search(FUNCTION_VALUE, env, generator, config, accept=lambda proof: env.verify(FUNCTION_VALUE, proof))


@requires_coq
def test_goals_proves_with_rewrite_what_the_portfolio_cannot(coq_env):
    portfolio = run(coq_env, "portfolio")
    assert not portfolio.verified and portfolio.stop_reason is StopReason.EXHAUSTED
    goals = run(coq_env, "goals")
    assert goals.verified and goals.verdict.ok
    assert any(tactic.startswith("rewrite H") for tactic in goals.proof)
    mixture = run(coq_env, "goals+portfolio")
    assert mixture.verified and any(tactic.startswith("rewrite H") for tactic in mixture.proof)
