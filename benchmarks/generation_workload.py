"""The workload of ``generation.py``: model shapes, random-weight models and prompts, the device's bandwidth."""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass

import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast


@dataclass(frozen=True)
class Shape:
    """Model shape and workload of one benchmark configuration."""

    model: LlamaConfig
    prompt_tokens: int = 256
    new_tokens: int = 64
    samples: int = 8
    searches: int = 8


def _llama(vocab: int, hidden: int, mlp: int, layers: int, heads: int, kv_heads: int) -> LlamaConfig:
    return LlamaConfig(
        vocab_size=vocab, hidden_size=hidden, intermediate_size=mlp, num_hidden_layers=layers, num_attention_heads=heads,
        num_key_value_heads=kv_heads, max_position_embeddings=4096, bos_token_id=None, eos_token_id=None, pad_token_id=0,
    )  # fmt: skip


CONFIGS = {
    # Llama-2-7B (Llemma 7B's shape).
    "7b": Shape(_llama(32000, 4096, 11008, 32, 32, 32)),
    # Small enough for two CPU cores, same proportions of work.
    "tiny": Shape(_llama(32000, 512, 1376, 4, 8, 8), prompt_tokens=128, new_tokens=32),
    # For the tests: seconds on a CPU.
    "micro": Shape(_llama(512, 64, 128, 2, 4, 2), prompt_tokens=32, new_tokens=16, samples=2, searches=3),
}


def build(shape: Shape, device: str, dtype: torch.dtype) -> tuple[LlamaForCausalLM, PreTrainedTokenizerFast]:
    """A random-weight Llama of ``shape`` and a word-level tokenizer where ``"t<i>"`` is token ``i``."""
    with torch.device(device):
        model = LlamaForCausalLM._from_config(shape.model, dtype=dtype, attn_implementation="sdpa")
    vocab = {f"t{i}": i for i in range(shape.model.vocab_size)}
    core = Tokenizer(models.WordLevel(vocab, unk_token="t1"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="t0", unk_token="t1", padding_side="left")
    return model.eval(), tokenizer


def prompts(shape: Shape, count: int, seed: int, header: int = 0) -> list[str]:
    """``count`` random prompts of ``shape.prompt_tokens`` tokens; the first ``header`` are the same in all."""
    rng = torch.Generator().manual_seed(seed)
    ids = torch.randint(2, shape.model.vocab_size, (count, shape.prompt_tokens), generator=rng)
    ids[:, :header] = torch.randint(2, shape.model.vocab_size, (header,), generator=torch.Generator().manual_seed(0))
    return [" ".join(f"t{i}" for i in row.tolist()) for row in ids]


def measured_bandwidth_gbs(device: str) -> float:
    """The best of a large tensor copy (bytes read + written) and a large reduction (bytes read)."""
    source = torch.empty(256 * 2**20, dtype=torch.float32, device=device).fill_(1.0)
    target = torch.empty_like(source)
    best = 0.0
    for moved, work in ((2, lambda: target.copy_(source)), (1, lambda: source.sum())):
        for _ in range(2):
            work()
        sync(device)
        start = time.perf_counter()
        for _ in range(5):
            work()
        sync(device)
        best = max(best, 5 * moved * source.numel() * 4 / (time.perf_counter() - start) / 1e9)
    return best


def sync(device: str) -> None:
    """Wait for the device's queued work (CUDA); nothing to wait for on the CPU."""
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def device_name(device: str) -> str:
    """The GPU's name, or the CPU's and its thread count."""
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(device)
    return f"{platform.processor() or platform.machine()} ({torch.get_num_threads()} threads)"
