"""Mixtures of generators: the syntax, the scores, closing, and a batched model member."""

from __future__ import annotations

import asyncio
import math
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from prover.engines.base import Engine, Request, Sample, SamplingParams
from prover.engines.scheduler import BatchScheduler, SchedulerConfig
from prover.entrypoints.cli import build_parser, config_from_args
from prover.generators.base import Suggestion, TacticGenerator
from prover.generators.factory import GeneratorConfig, build_generator
from prover.generators.goals import GoalTacticGenerator
from prover.generators.mixture import Member, MixtureGenerator, log_softmax, mix, parse_mixture
from prover.generators.model_generator import ModelGenerator
from prover.generators.models import ModelConfig
from prover.generators.portfolio import PortfolioGenerator
from prover.generators.prompting import PromptTemplate

GOAL = "x : R\nH : x = 2 /\\ 0 < x\n" + "=" * 28 + "\nx + x = 4"


class Fixed(TacticGenerator):
    """Proposes a fixed list; records the k it was asked for and whether it was closed."""

    def __init__(self, items: list[tuple[str, float]], fail_close: bool = False) -> None:
        self.items, self.fail_close, self.asked, self.closed = items, fail_close, [], False

    def generate(self, goal: str, k: int) -> list[Suggestion]:
        self.asked.append(k)
        return [Suggestion(t, s) for t, s in self.items[:k]]

    def close(self) -> None:
        self.closed = True
        if self.fail_close:
            raise RuntimeError("close failed")


def test_parse_mixture_reads_names_weights_and_the_model_shorthand():
    assert parse_mixture("goals") == (Member("goals"),)
    assert parse_mixture("goals:2+portfolio") == (Member("goals", 2.0), Member("portfolio"))
    assert parse_mixture("+portfolio") == (Member("model"), Member("portfolio"))
    for bad, reason in {"goals+": "empty member", "goals:x+portfolio": "not a number", "goals:0+portfolio": "positive",
                        "goals+goals": "named twice", "goals:inf": "positive"}.items():
        with pytest.raises(ValueError, match=reason):
            parse_mixture(bad)


def test_mix_is_the_log_of_the_weighted_mixture_of_each_members_softmax():
    a = [Suggestion("intros", -0.1), Suggestion("lra", -0.3), Suggestion("nra", -2.0)]
    b = [Suggestion("rewrite H", -40.0), Suggestion("lra", -41.0)]  # a model's summed log-probabilities
    merged = mix([a, b], [0.25, 0.75], 10)
    pa = dict(zip(["intros", "lra", "nra"], map(math.exp, log_softmax([-0.1, -0.3, -2.0]))))
    pb = dict(zip(["rewrite H", "lra"], map(math.exp, log_softmax([-40.0, -41.0]))))
    expected = {t: math.log(0.25 * pa.get(t, 0) + 0.75 * pb.get(t, 0)) for t in {*pa, *pb}}
    assert {s.tactic: pytest.approx(s.logprob) for s in merged} == expected
    assert [s.tactic for s in merged] == ["rewrite H", "lra", "intros", "nra"]  # lra is shared: its shares add
    assert math.isclose(sum(math.exp(s.logprob) for s in merged), 1.0)
    assert [s.tactic for s in mix([a, b], [0.25, 0.75], 2)] == ["rewrite H", "lra"]


def test_each_member_keeps_its_share_of_k_even_when_its_scores_are_low():
    sharp = [Suggestion(t, -1.0) for t in "abcd"]
    flat = [Suggestion(f"p{i}", -1.0) for i in range(8)]  # 1/8 of its mass each: below all of sharp's
    assert [s.tactic for s in mix([sharp, flat], [1.0, 0.0 + 1e-12], 4)] == ["a", "b", "c", "d"]
    chosen = mix([sharp, flat], [0.75, 0.25], 4)  # shares: floor(3.0) = 3 and floor(1.0) = 1
    assert [s.tactic for s in chosen] == ["a", "b", "c", "p0"]
    assert chosen[-1].logprob == pytest.approx(math.log(0.25 / 8))
    shared = mix([sharp, [Suggestion("a", 0.0), *flat]], [0.5, 0.5], 4)  # "a" is both members'
    assert [s.tactic for s in shared] == ["a", "b", "p0", "p1"]


def test_mixture_asks_every_member_for_k_and_cuts_the_union_to_k():
    first, second = Fixed([("a", -1.0), ("b", -2.0), ("c", -3.0)]), Fixed([("d", -1.0), ("a", -5.0)])
    mixture = MixtureGenerator([(first, 1.0), (second, 1.0)])
    out = mixture.generate(GOAL, 3)
    assert first.asked == [3] and second.asked == [3]
    assert [s.tactic for s in out] == ["d", "a", "b"]  # d: 0.49 of the mass; a: 0.33 + 0.01
    assert asyncio.run(mixture.agenerate(GOAL, 2)) == mixture.generate(GOAL, 2)
    assert mixture.generate(GOAL, 0) == []


def test_mixture_closes_every_member_even_when_one_fails():
    members = [Fixed([("a", -1.0)], fail_close=True), Fixed([("b", -1.0)]), Fixed([("c", -1.0)], fail_close=True)]
    with pytest.raises(RuntimeError, match="close failed"):
        MixtureGenerator([(m, 1.0) for m in members]).close()
    assert all(m.closed for m in members)


def test_factory_builds_mixtures_and_checks_the_model_member():
    mixture = build_generator(GeneratorConfig(name="goals+portfolio"), "coq")
    assert isinstance(mixture, MixtureGenerator)
    assert [type(g) for g, _ in mixture.members] == [GoalTacticGenerator, PortfolioGenerator]
    proposed = [s.tactic for s in mixture.generate(GOAL, 16)]
    assert "destruct H" in proposed and "intros" in proposed and len(proposed) == 16
    with pytest.raises(ValueError, match="needs --model"):
        build_generator(GeneratorConfig(name="model+portfolio"), "coq")
    with pytest.raises(ValueError, match="write model\\+goals\\+portfolio"):
        build_generator(GeneratorConfig(name="goals+portfolio", model=ModelConfig("m")), "coq")
    with pytest.raises(ValueError, match="unknown generator 'bogus'"):
        build_generator(GeneratorConfig(name="goals+bogus"), "coq")
    with pytest.raises(ValueError, match="knn needs --steps"):
        build_generator(GeneratorConfig(name="goals+knn"), "coq")
    assert GeneratorConfig(name="+goals:0.5", model=ModelConfig("org/m")).label == "org/m+goals:0.5"
    assert GeneratorConfig(name="goals+portfolio").label == "goals+portfolio"


def test_cli_takes_mixtures_and_refuses_unknown_members(capsys):
    args = build_parser().parse_args(["--model", "dir", "--generator", "+portfolio"])
    config = config_from_args(args)
    assert config.generator.name == "+portfolio" and config.generator.label == "dir+portfolio"
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["--generator", "goals+nope"])
    assert stop.value.code == 2 and "unknown generator 'nope'" in capsys.readouterr().err


class CountingEngine(Engine):
    """A stand-in model: one sample per request, and the size of every batch it was given."""

    name = "counting"

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.lock = threading.Lock()

    def sample(self, requests: list[Request], params: SamplingParams) -> list[list[Sample]]:
        with self.lock:
            self.batches.append(len(requests))
        return [[Sample(f"rewrite H{i}.\n---", -1.0 - i) for i in range(r.n)] for r in requests]


def test_a_model_member_is_batched_across_threads_and_closed():
    engine = CountingEngine()
    template = PromptTemplate("coq", "Prove.", (), ("\n---",), sentence_end=".")
    model = ModelGenerator(BatchScheduler(engine, SamplingParams(), SchedulerConfig(max_wait_ms=300)), template)
    goals = build_generator(GeneratorConfig(name="goals"), "coq")
    mixture = MixtureGenerator([(model, 1.0), (goals, 1.0)])
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: mixture.generate(GOAL, 6), range(4)))
    mixture.close()
    assert all(len(r) == 6 and {"rewrite H0.", "destruct H"} <= {s.tactic for s in r} for r in results)
    assert max(engine.batches) > 1  # concurrent searches' requests shared an engine call
    with pytest.raises(RuntimeError):
        model.generate(GOAL, 1)  # the scheduler was closed with the mixture


def test_cancelling_a_mixture_cancels_its_model_member_and_the_others_answer_on():
    """A stopped run cancels the shared generator: the model's requests fail at once, nothing waits for a batch."""
    from prover.engines.base import GenerationCancelled

    engine = CountingEngine()
    template = PromptTemplate("coq", "Prove.", (), ("\n---",), sentence_end=".")
    model = ModelGenerator(BatchScheduler(engine, SamplingParams(), SchedulerConfig(max_wait_ms=1)), template)
    goals = build_generator(GeneratorConfig(name="goals"), "coq")
    mixture = MixtureGenerator([(model, 1.0), (goals, 1.0)])
    assert len(mixture.generate(GOAL, 4)) == 4
    mixture.cancel()
    with pytest.raises(GenerationCancelled):
        mixture.generate(GOAL, 4)
    assert goals.generate(GOAL, 4) and engine.batches == [1]
    mixture.close()
