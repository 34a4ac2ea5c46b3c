"""Choosing the next token: temperature, nucleus, and the model's own log-probability.

One function, :func:`sample_next`, written with tensor operations only (no
host synchronisation, no ``multinomial``) so that the ``hf`` engine can compile
it into the same CUDA graph as the decode step: sampling then costs no extra
kernel launches per step.
"""

from __future__ import annotations

import torch


def sample_next(
    logits: torch.Tensor, temperature: float, top_p: float, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The next token of every row, ``(rows,)``, and its log-probability under the model.

    ``temperature <= 0`` is greedy. Sampling uses the exponential race: ``argmax(p / E)`` with
    ``E ~ Exp(1)`` i.i.d. picks token ``j`` with probability ``p_j``. The log-probability is that of
    the raw logits (temperature 1, no nucleus), which is what the search sums.
    """
    logits = logits.float()
    logp = torch.log_softmax(logits, dim=-1)
    if temperature <= 0:
        token = logits.argmax(dim=-1)
    else:
        probs = torch.softmax(logits / temperature, dim=-1)
        if top_p < 1.0:
            probs = nucleus(probs, top_p)
        race = torch.empty_like(probs).exponential_(generator=generator)
        token = (probs / race).argmax(dim=-1)
    return token, logp.gather(-1, token[:, None]).squeeze(-1)


def nucleus(probs: torch.Tensor, top_p: float) -> torch.Tensor:
    """``probs`` with everything outside the smallest top set of mass ``top_p`` zeroed (the top token stays)."""
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    outside = sorted_probs.cumsum(-1) - sorted_probs > top_p
    sorted_probs = sorted_probs.masked_fill(outside, 0.0)
    return torch.zeros_like(probs).scatter(-1, order, sorted_probs)
