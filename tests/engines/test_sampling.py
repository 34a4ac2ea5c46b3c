"""Next-token sampling: right distribution, nucleus, log-probabilities, and one compilable graph."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="sampling needs torch")

from prover.engines.hf.sampling import sample_next  # noqa: E402

LOGITS = torch.tensor([2.0, 1.0, 0.0, -1.0])


def frequencies(tokens: torch.Tensor) -> torch.Tensor:
    return torch.bincount(tokens, minlength=LOGITS.numel()).float() / tokens.numel()


@pytest.mark.parametrize("temperature", [1.0, 0.5, 2.0])
def test_tokens_follow_the_tempered_distribution(temperature: float) -> None:
    rows = 40_000
    generator = torch.Generator().manual_seed(0)
    tokens, _ = sample_next(LOGITS.repeat(rows, 1), temperature, 1.0, generator)
    expected = torch.softmax(LOGITS / temperature, dim=-1)
    torch.testing.assert_close(frequencies(tokens), expected, atol=0.01, rtol=0)


def test_nucleus_keeps_the_smallest_set_over_top_p() -> None:
    probs = torch.softmax(LOGITS, dim=-1)  # 0.64, 0.24, 0.09, 0.03
    generator = torch.Generator().manual_seed(1)
    tokens, _ = sample_next(LOGITS.repeat(20_000, 1), 1.0, 0.8, generator)  # top two: 0.88 >= 0.8
    observed = frequencies(tokens)
    assert observed[2:].sum() == 0
    torch.testing.assert_close(observed[:2], probs[:2] / probs[:2].sum(), atol=0.015, rtol=0)
    tokens, _ = sample_next(LOGITS.repeat(100, 1), 1.0, 1e-6, generator)
    assert tokens.eq(0).all()


def test_log_probability_is_the_models_own_at_any_temperature() -> None:
    logits = torch.randn(8, 50, generator=torch.Generator().manual_seed(2))
    for temperature in (0.0, 0.7, 1.5):
        tokens, logp = sample_next(logits, temperature, 0.9, torch.Generator().manual_seed(3))
        want = torch.log_softmax(logits, dim=-1).gather(-1, tokens[:, None]).squeeze(-1)
        torch.testing.assert_close(logp, want)
    greedy, _ = sample_next(logits, 0.0, 1.0)
    assert torch.equal(greedy, logits.argmax(-1))


def test_sampling_traces_as_one_graph() -> None:
    """The engine compiles it into the decode step's CUDA graph: no graph break allowed."""
    compiled = torch.compile(sample_next, backend="eager", fullgraph=True)
    tokens, logp = compiled(LOGITS.repeat(4, 1), 1.0, 0.9)
    assert tokens.shape == (4,) and logp.shape == (4,) and bool((logp <= 0).all())
