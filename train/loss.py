"""The training loss: summed next-token cross-entropy, so that micro-batches and processes add up exactly."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def token_loss_sum(model: torch.nn.Module, input_ids: torch.Tensor, labels: torch.Tensor, device: torch.device, bf16: bool) -> torch.Tensor:
    """Summed next-token cross-entropy of one micro-batch (labels -100 score nothing), bf16 autocast on CUDA.

    No attention mask is passed: packed rows have none, and fine-tuning rows are padded on
    the right, after every token that is scored.
    """
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16 and device.type == "cuda"):
        logits = model(input_ids=input_ids.to(device)).logits
    targets = labels[:, 1:].to(device).reshape(-1)
    return F.cross_entropy(logits[:, :-1].float().reshape(-1, logits.shape[-1]), targets, ignore_index=-100, reduction="sum")
