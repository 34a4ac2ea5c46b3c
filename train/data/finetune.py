"""Fine-tuning rows: one prompt/completion example per row, the loss on the completion and its EOS only."""

from __future__ import annotations

from typing import Any

import numpy as np

from train.config import SourceConfig
from train.data.batch import IGNORE, Batch, eos_id_of, pad_id_of, padded_batch
from train.data.cursor import Position, RecordCursor
from train.data.mixture import WeightedSources


class FinetuneSampler(WeightedSources):
    """Prompt/completion examples from weighted JSONL, parquet or ``datasets`` sources.

    Each row is ``prompt + completion + EOS``, right-padded to ``seq_len``; ``labels``
    are -100 on the prompt and the padding. The prompt is tokenized as the ``hf``
    engine tokenizes prompts at inference (with the tokenizer's special tokens, such
    as Llama's BOS), the completion without any. An example longer than ``seq_len`` is
    cut by :func:`fit`. Sources are chosen per row as in :class:`MixtureSampler`, read in
    record order with the file order reshuffled per epoch from ``seed``; resume is exact.
    """

    def __init__(self, sources: list[SourceConfig], tokenizer: Any, seq_len: int, seed: int) -> None:
        """A sampler over the ``prompt_field``/``completion_field`` records of ``sources``."""
        super().__init__(sources, seq_len, seed, pairs=True)
        self.tokenizer = tokenizer
        self.eos = eos_id_of(tokenizer)
        self.pad = pad_id_of(tokenizer)
        self._cursors = [RecordCursor(s, seed) for s in self.sources]

    def next_batch(self, n: int) -> Batch:
        """The next ``n`` examples, one per row."""
        chosen = self._choose(n)
        prompts, completions = zip(*(next(self._cursors[i])[1] for i in chosen))
        prompt_ids = self.tokenizer(list(prompts), verbose=False)["input_ids"]
        completion_ids = self.tokenizer(list(completions), add_special_tokens=False, verbose=False)["input_ids"]
        rows = [fit(p, [*c, self.eos], self.seq_len) for p, c in zip(prompt_ids, completion_ids)]
        return padded_batch(rows, [self.sources[i].name for i in chosen], self.seq_len, self.pad)

    def _source_state(self, index: int) -> dict[str, Any]:
        return {"position": self._cursors[index].position.as_tuple()}

    def _load_source_state(self, index: int, state: dict[str, Any]) -> None:
        self._cursors[index].seek(Position(*state["position"]))


def fit(prompt: list[int], target: list[int], seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """``(ids, labels)`` of one example: ``prompt`` unscored, then ``target`` (completion + EOS) scored.

    When the two exceed ``seq_len``, the completion keeps its start and the prompt its
    end (the tokens next to the completion, as the ``hf`` engine keeps a prompt's end):
    the prompt keeps at least ``min(len(prompt), seq_len // 2)`` tokens, so only a
    completion longer than the rest loses its end (and its EOS).
    """
    keep_target = min(len(target), seq_len - min(len(prompt), seq_len // 2))
    keep_prompt = min(len(prompt), seq_len - keep_target)
    ids = np.array([*prompt[len(prompt) - keep_prompt :], *target[:keep_target]], dtype=np.int64)
    labels = ids.copy()
    labels[:keep_prompt] = IGNORE
    return ids, labels
