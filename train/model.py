"""The model being trained: any Hugging Face causal LM checkpoint, or a fresh Llama from a config."""

from __future__ import annotations

import importlib.util
from typing import Any

import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, LlamaConfig, PreTrainedTokenizerBase

from train.config import ModelConfig


def load_tokenizer(config: ModelConfig) -> PreTrainedTokenizerBase:
    """The tokenizer named by ``tokenizer`` (or the checkpoint's); a fresh model needs one named."""
    name = config.tokenizer or config.name_or_path
    if not name:
        raise ValueError("[model] needs tokenizer = PATH_OR_HUB_ID when it starts from a fresh config")
    tokenizer = AutoTokenizer.from_pretrained(name)
    if tokenizer.eos_token_id is None:
        raise ValueError(f"tokenizer {name!r} has no end-of-sequence token (documents are separated by it)")
    return tokenizer


def attention_implementation(config: ModelConfig, device: torch.device) -> str:
    """``flash_attention_2`` on CUDA when installed, else torch SDPA (unless configured)."""
    if config.attn_implementation:
        return config.attn_implementation
    if device.type == "cuda" and importlib.util.find_spec("flash_attn") is not None:
        return "flash_attention_2"
    return "sdpa"


def build_model(config: ModelConfig, tokenizer: PreTrainedTokenizerBase, device: torch.device) -> torch.nn.Module:
    """The model in fp32 (master weights; bf16 comes from autocast), in training mode, on ``device``.

    A checkpoint is loaded with its weights; a fresh model is a ``LlamaConfig`` with ``config``'s
    fields, its vocabulary sized to the tokenizer. ``activation_checkpointing`` turns on the
    model's gradient checkpointing (non-reentrant).
    """
    attn = attention_implementation(config, device)
    if config.name_or_path:
        model = AutoModelForCausalLM.from_pretrained(config.name_or_path, dtype=torch.float32, attn_implementation=attn)
    else:
        fields = {"vocab_size": len(tokenizer), "bos_token_id": tokenizer.bos_token_id,
                  "eos_token_id": tokenizer.eos_token_id, "pad_token_id": tokenizer.pad_token_id, **config.config}  # fmt: skip
        model = AutoModelForCausalLM.from_config(LlamaConfig(**fields), dtype=torch.float32, attn_implementation=attn)
    if config.activation_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    return model.to(device).train()


def parameter_count(model: torch.nn.Module) -> int:
    """Parameters of the unsharded model (a sharded tensor counts its full size)."""
    return sum(p.numel() for p in model.parameters())


def flops_per_token(model_config: Any, parameters: int, seq_len: int) -> float:
    """Training FLOPs per token: 6 per parameter, plus attention's 12 x layers x width x context (PaLM's count)."""
    layers = getattr(model_config, "num_hidden_layers", 0)
    width = getattr(model_config, "hidden_size", 0)
    return 6.0 * parameters + 12.0 * layers * width * seq_len


def model_config_of(name_or_path: str) -> Any:
    """The config of a checkpoint, without its weights."""
    return AutoConfig.from_pretrained(name_or_path)
