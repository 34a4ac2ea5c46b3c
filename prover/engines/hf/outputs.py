"""From decoded token ids to samples: cut each row at its end, score it up to there, group by request."""

from __future__ import annotations

from typing import Any

import torch

from prover.engines.base import Request, Sample, SamplingParams


def all_stopped(tokenizer: Any, eos_id: int | None, tokens: torch.Tensor, stop: tuple[str, ...]) -> bool:
    """Whether every row of ``tokens`` (host tensor) holds an end-of-sequence token or a stop sequence."""
    texts = tokenizer.batch_decode(tokens, skip_special_tokens=True)
    return all(
        (eos_id is not None and eos_id in row) or any(s in text for s in stop) for row, text in zip(tokens.tolist(), texts)
    )


def collect_samples(
    tokenizer: Any, eos_id: int | None, requests: list[Request], tokens: torch.Tensor, logps: torch.Tensor,
    owners: list[int], params: SamplingParams,
) -> list[list[Sample]]:  # fmt: skip
    """Samples grouped per request (row ``i`` belongs to request ``owners[i]``), each cut at its stop."""
    grouped: list[list[Sample]] = [[] for _ in requests]
    for row, request_index in enumerate(owners):
        ids = tokens[row].tolist()
        end, finished = end_of_completion(tokenizer, eos_id, ids, params.stop)
        token_logprobs = tuple(logps[row, :end].tolist())
        grouped[request_index].append(
            Sample(
                text=tokenizer.decode(ids[:end], skip_special_tokens=True),
                logprob=float(sum(token_logprobs)),
                tokens=tuple(tokenizer.convert_ids_to_tokens(ids[:end])),
                token_logprobs=token_logprobs,
                finished=finished,
            )
        )
    return grouped


def end_of_completion(tokenizer: Any, eos_id: int | None, ids: list[int], stop: tuple[str, ...]) -> tuple[int, bool]:
    """How many tokens the completion spans (through its EOS or first stop), and whether it stopped."""
    end = len(ids)
    finished = eos_id is not None and eos_id in ids
    if finished:
        end = ids.index(eos_id) + 1
    text = tokenizer.decode(ids[:end], skip_special_tokens=True)
    if not any(s in text for s in stop):
        return end, finished
    low, high = 1, end  # smallest prefix whose text holds a stop sequence
    while low < high:
        mid = (low + high) // 2
        prefix = tokenizer.decode(ids[:mid], skip_special_tokens=True)
        if any(s in prefix for s in stop):
            high = mid
        else:
            low = mid + 1
    return low, True
