import pytest

from prover.generators.factory import GeneratorConfig, build_generator
from prover.env import parse_portfolio
from prover.generators.portfolio import PortfolioGenerator
from prover.generators.replay import ReplayGenerator


def test_portfolio_returns_the_best_k():
    generator = PortfolioGenerator([("b", -2.0), ("a", -1.0), ("c", -3.0)])
    assert [s.tactic for s in generator.generate("goal", 2)] == ["a", "b"]


def test_parse_portfolio_reads_tabs_and_comments():
    assert parse_portfolio("# c\nintros\t-0.1\nsubst; simpl\t-1.5\n") == [("intros", -0.1), ("subst; simpl", -1.5)]
    with pytest.raises(ValueError):
        parse_portfolio("no tab here\n")


def test_replay_proposes_every_line(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("intros\n\nlra\nnia\n")
    assert [s.tactic for s in ReplayGenerator.from_file(path).generate("g", 1)] == ["intros", "lra", "nia"]


def test_factory_builds_coq_portfolio_and_automation():
    portfolio = build_generator(GeneratorConfig(name="portfolio"), "coq")
    tactics = [s.tactic for s in portfolio.generate("g", 100)]
    assert tactics[0] == "intros" and "lra" in tactics and "sauto" in tactics
    baseline = build_generator(GeneratorConfig(name="automation"), "coq").generate("g", 1)
    assert len(baseline) == 1 and baseline[0].tactic.startswith("intros; solve [")
    with pytest.raises(ValueError):
        build_generator(GeneratorConfig(name="replay"), "coq")
