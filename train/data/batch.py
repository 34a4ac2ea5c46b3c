"""The unit the training loop consumes: a batch of fixed-length token rows with their loss labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

#: The label that the Hugging Face losses ignore.
IGNORE = -100


@dataclass
class Batch:
    """``n`` rows of ``seq_len`` tokens; ``labels`` are unshifted (the HF model shifts them).

    ``labels`` is ``-100`` where no loss is taken (fine-tuning prompts, padding);
    ``attention_mask`` is 1 on real tokens (all ones when packed); ``sources``
    names each row's source.
    """

    input_ids: torch.Tensor
    labels: torch.Tensor
    attention_mask: torch.Tensor
    sources: list[str]

    def __len__(self) -> int:
        return len(self.sources)


def packed_batch(rows: Sequence[np.ndarray], sources: list[str]) -> Batch:
    """A batch of full packed rows: every token is real and scored."""
    ids = torch.from_numpy(np.stack(rows).astype(np.int64))
    return Batch(input_ids=ids, labels=ids.clone(), attention_mask=torch.ones_like(ids), sources=sources)


def padded_batch(rows: Sequence[tuple[np.ndarray, np.ndarray]], sources: list[str], seq_len: int, pad_id: int) -> Batch:
    """A batch of ``(ids, labels)`` rows of at most ``seq_len`` tokens, right-padded to ``seq_len``."""
    ids = torch.full((len(rows), seq_len), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), seq_len), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(rows), seq_len), dtype=torch.long)
    for i, (row_ids, row_labels) in enumerate(rows):
        width = len(row_ids)
        ids[i, :width] = torch.from_numpy(np.asarray(row_ids, dtype=np.int64))
        labels[i, :width] = torch.from_numpy(np.asarray(row_labels, dtype=np.int64))
        mask[i, :width] = 1
    return Batch(input_ids=ids, labels=labels, attention_mask=mask, sources=sources)


def pad_id_of(tokenizer) -> int:
    """The id that fills padding: the tokenizer's pad token, else its EOS (masked either way)."""
    return tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos_id_of(tokenizer)


def eos_id_of(tokenizer) -> int:
    """The tokenizer's EOS id, the document separator; a tokenizer without one is an error."""
    if tokenizer.eos_token_id is None:
        raise ValueError(f"the tokenizer {type(tokenizer).__name__} has no EOS token to separate documents")
    return int(tokenizer.eos_token_id)
