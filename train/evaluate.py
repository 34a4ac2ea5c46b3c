"""Held-out loss of an exported model on prompt/completion pairs: the fine-tuning objective, measured.

``prove train eval MODEL --pairs F`` scores the first ``rows`` pairs of ``F`` (in file
order, so two models are compared on the same examples) exactly as fine-tuning
scores them: ``prompt + completion + EOS`` cut by :func:`train.data.finetune.fit`,
the loss on the completion and its EOS only. It reports the mean loss per scored
token (nats) and its perplexity.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from train.data.batch import eos_id_of, pad_id_of, padded_batch
from train.data.finetune import fit


@dataclass(frozen=True)
class HeldOutLoss:
    """Mean completion loss of a model on held-out pairs."""

    model: str
    pairs: int  #: examples scored
    tokens: int  #: completion tokens scored (EOS included)
    loss: float  #: nats per scored token

    @property
    def perplexity(self) -> float:
        """exp(loss)."""
        return math.exp(self.loss)


def read_pairs(path: str | Path, rows: int) -> list[tuple[str, str]]:
    """The first ``rows`` ``(prompt, completion)`` records of a pairs file (``prove data pairs``)."""
    pairs = []
    with open(path, encoding="utf-8") as handle:
        for line in itertools.islice((line for line in handle if line.strip()), rows):
            record = json.loads(line)
            pairs.append((record["prompt"], record["completion"]))
    if not pairs:
        raise ValueError(f"{path} holds no prompt/completion pairs")
    return pairs


def completion_loss(model_dir: str, pairs_path: str | Path, rows: int = 512, seq_len: int = 768, batch_size: int = 8,
                    device: str = "cpu") -> HeldOutLoss:
    """The mean completion loss of the model at ``model_dir`` on the first ``rows`` pairs of ``pairs_path``."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32).to(device).eval()
    eos, pad = eos_id_of(tokenizer), pad_id_of(tokenizer)
    pairs = read_pairs(pairs_path, rows)
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(pairs), batch_size):
            chunk = pairs[start : start + batch_size]
            prompts = tokenizer([p for p, _ in chunk], verbose=False)["input_ids"]
            completions = tokenizer([c for _, c in chunk], add_special_tokens=False, verbose=False)["input_ids"]
            batch = padded_batch([fit(p, [*c, eos], seq_len) for p, c in zip(prompts, completions)], ["eval"] * len(chunk), seq_len, pad)
            logits = model(input_ids=batch.input_ids.to(device), attention_mask=batch.attention_mask.to(device)).logits[:, :-1].float()
            targets = batch.labels[:, 1:].to(device)
            total += float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100, reduction="sum"))
            count += int((targets != -100).sum())
    return HeldOutLoss(model_dir, len(pairs), count, total / max(1, count))
