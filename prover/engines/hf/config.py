"""Options of the ``hf`` engine (no torch import: the CLI builds its flags from them)."""

from __future__ import annotations

from dataclasses import dataclass

from prover.engines.hf.prefix_cache import PrefixCacheConfig
from prover.engines.options import LocalModelOptions, option

#: How the engine keeps the KV cache while decoding: ``shared`` stores each prompt's KV once for
#: its samples; ``static`` and ``dynamic`` copy it into every sample's row.
DECODES = ("shared", "static", "dynamic")


@dataclass(frozen=True)
class HFEngineConfig(LocalModelOptions):
    """Where and how the ``hf`` engine runs; ``None`` means "pick for the device".

    Fixed-shape caches (``shared``, ``static``) are sized in multiples of ``cache_bucket``
    tokens and their batch is padded to a power of two, so compiled steps and CUDA graphs
    are reused. For ``static`` the ``max_static_caches`` most recently used shapes keep
    their cache. With ``split_on_oom`` a batch that runs out of device memory is decoded
    in halves (recursively, down to single samples). ``prefix_cache_config`` sizes the
    prefix cache. ``stop_check_every`` is how many steps pass between looks at the tokens
    (default 8 on CUDA, 1 on the CPU).
    """

    device: str | None = option(None, "torch device of the hf engine (default: cuda if available, else cpu)")
    attn_implementation: str | None = option(
        None, "attention of the hf engine, e.g. sdpa (default: sdpa; flash_attention_2 for dynamic decoding on CUDA when installed)"
    )
    decode: str | None = option(
        None, "KV cache of the hf engine: shared keeps each prompt's KV once for its samples (default: shared)", choices=DECODES
    )
    compile: bool | None = option(None, "compile the hf decode step with torch.compile (default: on with a GPU)")
    cuda_graphs: bool | None = option(
        None, "replay each hf decode step as a CUDA graph the engine captures once per shape (default: on with a GPU)"
    )
    cache_bucket: int = option(64, "hf cache lengths are multiples of this many tokens")
    prefix_cache: bool = option(True, "keep the KV of the prefix all prompts share across calls (hf, shared decode)")
    max_prompt_tokens: int | None = option(
        None, "longest prompt, in tokens, cut from the left (default: the model's context less --max-new-tokens)"
    )
    max_static_caches: int = 2
    stop_check_every: int | None = None
    split_on_oom: bool = True
    prefix_cache_config: PrefixCacheConfig = PrefixCacheConfig()
