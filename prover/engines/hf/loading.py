"""Loading a transformers causal LM for the ``hf`` engine, and the defaults that depend on the device."""

from __future__ import annotations

import importlib.util
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from prover.engines.hf.config import HFEngineConfig


def default_device() -> str:
    """``"cuda"`` when a GPU is visible, else ``"cpu"``."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def default_attention(device: str, decode: str | None = None) -> str:
    """Flash-attention 2 for dynamic-cache decoding on CUDA when installed, else torch SDPA.

    The fixed-shape steps keep SDPA (``shared`` wraps it), whose padded-mask path compiles
    into the graph.
    """
    if device.startswith("cuda") and decode == "dynamic" and importlib.util.find_spec("flash_attn") is not None:
        return "flash_attention_2"
    return "sdpa"


def load_model(path: str, config: HFEngineConfig = HFEngineConfig()) -> tuple[Any, Any]:
    """Model (on its device, in eval mode) and tokenizer from a hub id or a local HF-format folder."""
    device = config.device or default_device()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(
        path,
        dtype=torch_dtype(config.dtype, device),
        attn_implementation=config.attn_implementation or default_attention(device, config.decode),
    )
    return model.to(device).eval(), tokenizer


def torch_dtype(name: str | None, device: str) -> torch.dtype:
    """The dtype named ``name``, or bf16 on CUDA and fp32 elsewhere."""
    if name is None:
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    dtype = getattr(torch, name, None)
    if not isinstance(dtype, torch.dtype):
        raise ValueError(f"unknown dtype {name!r}")
    return dtype


def pad_id(tokenizer: Any) -> int:
    """The token used for padding: the tokenizer's pad, else EOS, else UNK, else 0."""
    for candidate in (tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id):
        if candidate is not None:
            return int(candidate)
    return 0
