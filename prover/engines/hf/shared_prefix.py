"""Decoding k samples per prompt that share the prompt's KV cache instead of copying it.

A search expansion asks for ``k`` samples of one prompt. After the prompt's
prefill every sample would otherwise hold its own copy of the prompt's keys
and values, and each decode step would read the prompt's KV ``k`` times. Here
the prompt's KV is stored once (:class:`SharedPrefixCache`), each sample keeps
only the tokens it generated, and attention (:func:`shared_prefix_attention`)
computes the prompt part for the ``k`` queries of a prompt as one small matrix
product, so a decode step reads each prompt's KV once. A third, optional
segment holds a prefix that *all* prompts share (the few-shot examples, see
:mod:`prover.engines.hf.prefix_cache`), read once for every row. The parts are
normalised together by one softmax over their concatenated scores, which is
exactly attention over the whole sequence (the idea of Hydragen, Juravsky et
al., 2024, and of vLLM's cascade attention).

Every shape is fixed for a given (prompts, k, common, prompt and suffix
buckets), so the decode step compiles into one CUDA graph and is replayed.
"""

from __future__ import annotations

import logging
from typing import Any

import torch

from prover.engines.hf.config import DECODES, HFEngineConfig
from prover.engines.hf.kv_arena import KVArena
from prover.engines.hf.prefix_cache import CommonPrefix
from transformers import AttentionInterface
from transformers.cache_utils import Cache, StaticLayer
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

_log = logging.getLogger(__name__)

#: The attention implementation name models are switched to; plain SDPA unless a step passes ``shared_prefix``.
ATTENTION_NAME = "llemma_shared_prefix"


class SharedPrefixLayer(StaticLayer):
    """One layer's cache: the prompts' KV once, ``(prompts, heads, prefix, dim)``, and a static suffix per sample.

    ``keys``/``values`` (inherited) hold the generated tokens, ``(prompts * k, heads, suffix, dim)``;
    ``cumulative_length`` counts them (the same for every row); ``common_keys``/``common_values``,
    ``(1, heads, common, dim)``, hold the prefix all prompts share.
    """

    prefix_keys: torch.Tensor
    prefix_values: torch.Tensor
    common_keys: torch.Tensor
    common_values: torch.Tensor

    def assign(self, prefix_keys, prefix_values, common_keys, common_values, keys, values) -> None:
        """Take these tensors as the layer's storage (their addresses must stay fixed for CUDA graphs)."""
        self.prefix_keys, self.prefix_values = prefix_keys, prefix_values
        self.common_keys, self.common_values = common_keys, common_values
        self.keys, self.values = keys, values
        self.device = keys.device
        self.batch_size, self.num_heads, _, self.k_head_dim = keys.shape
        self.v_head_dim = values.shape[-1]
        self.cumulative_length = self.cumulative_length.to(self.device)
        for tensor in (prefix_keys, prefix_values, common_keys, common_values, keys, values, self.cumulative_length):
            torch._dynamo.mark_static_address(tensor)
        self.is_initialized = True


class SharedPrefixCache(Cache):
    """A cache for ``prompts x k`` rows whose prompt KV is stored once per prompt (see the module docstring).

    ``prefix_mask`` is ``(prompts, 1, 1, prefix)``, True where a prompt has a token (prompts are
    left-padded to their longest and the bucket's rest is empty); ``common_mask`` is
    ``(1, 1, 1, common)``, True over the shared prefix's tokens (``common`` is 0 without one).
    """

    def __init__(self, num_layers: int, prompts: int, k: int, prefix: int, suffix: int, common: int = 0):
        super().__init__(layers=[SharedPrefixLayer(max_cache_len=suffix) for _ in range(num_layers)])
        self.prompts, self.k, self.prefix, self.suffix, self.common = prompts, k, prefix, suffix, common
        self.prefix_mask: torch.Tensor | None = None
        self.common_mask: torch.Tensor | None = None
        #: The arena generation its tensors were cut in (``None``: its own tensors).
        self.generation: int | None = None

    def tensor_shapes(self, heads: int, head_dim: int) -> list[tuple[int, ...]]:
        """Shapes of every layer's tensors, in :meth:`SharedPrefixLayer.assign`'s order."""
        prompt = (self.prompts, heads, self.prefix, head_dim)
        common = (1, heads, self.common, head_dim)
        suffix = (self.prompts * self.k, heads, self.suffix, head_dim)
        return [prompt, prompt, common, common, suffix, suffix] * len(self.layers)

    def allocate(
        self, heads: int, head_dim: int, dtype: torch.dtype, device: torch.device, arena: KVArena | None = None
    ) -> None:
        """Give every layer its tensors: views cut from ``arena`` (stable addresses), or new ones."""
        shapes = self.tensor_shapes(heads, head_dim)
        if arena is not None:
            tensors = arena.cut(shapes)
            self.generation = arena.generation
        else:
            tensors = [torch.zeros(shape, dtype=dtype, device=device) for shape in shapes]
        for index, layer in enumerate(self.layers):
            layer.assign(*tensors[6 * index : 6 * index + 6])
        self.prefix_mask = torch.zeros((self.prompts, 1, 1, self.prefix), dtype=torch.bool, device=device)
        self.common_mask = torch.zeros((1, 1, 1, self.common), dtype=torch.bool, device=device)
        torch._dynamo.mark_static_address(self.prefix_mask)
        torch._dynamo.mark_static_address(self.common_mask)

    def load_prefix(self, prefill: Cache, mask: torch.Tensor, common: CommonPrefix | None = None) -> None:
        """Load a batch: the shared ``common`` prefix, then each prompt's own prefill KV, empty suffixes.

        ``mask`` is ``(n, length)``, 1 on each prompt's own tokens, which are the last ``length``
        positions of ``prefill`` (after the ``common`` ones).
        """
        n, length = mask.shape
        skip = len(common) if common is not None else 0
        self.prefix_mask.zero_()
        self.prefix_mask[:n, 0, 0, :length] = mask.bool()
        self.common_mask.zero_()
        self.common_mask[..., :skip] = True
        for index, (layer, source) in enumerate(zip(self.layers, prefill.layers)):
            layer.prefix_keys.zero_()
            layer.prefix_values.zero_()
            layer.prefix_keys[:n, :, :length].copy_(source.keys[:, :, skip:])
            layer.prefix_values[:n, :, :length].copy_(source.values[:, :, skip:])
            layer.common_keys.zero_()
            layer.common_values.zero_()
            if common is not None:
                keys, values = common.layers[index]
                layer.common_keys[:, :, :skip].copy_(keys)
                layer.common_values[:, :, :skip].copy_(values)
            layer.keys.zero_()
            layer.values.zero_()
            layer.cumulative_length.zero_()


def shared_prefix_attention(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    shared_prefix: SharedPrefixCache | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """Attention of one decode step over a shared prompt prefix and each row's own suffix.

    ``query`` is ``(rows, heads, 1, dim)``; ``key``/``value`` are the layer's suffix tensors. Without
    ``shared_prefix`` (the prefill, or other callers) this is plain SDPA. Attention variants this
    does not compute (logit soft-capping, sinks, a window shorter than the sequence) raise.
    """
    if shared_prefix is None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs)
    for variant in ("softcap", "s_aux"):
        if kwargs.get(variant) is not None:
            raise NotImplementedError(f"shared-prefix decoding does not support {variant}; use decode='dynamic'")
    window = kwargs.get("sliding_window")
    if window is not None and shared_prefix.common + shared_prefix.prefix + shared_prefix.suffix > window:
        raise NotImplementedError(f"shared-prefix decoding does not window attention ({window}); use decode='dynamic'")
    layer = shared_prefix.layers[module.layer_idx]
    prompts, k = shared_prefix.prompts, shared_prefix.k
    rows, heads, _, dim = query.shape
    kv_heads = key.shape[1]
    groups = heads // kv_heads
    scale = scaling if scaling is not None else dim**-0.5
    exact = torch.promote_types(query.dtype, torch.float32)  # softmax in at least fp32, as SDPA does
    # (rows, heads, 1, dim) -> (prompts, kv_heads, k * groups, dim): a prompt's k queries side by side.
    q = query.view(prompts, k, kv_heads, groups, dim).permute(0, 2, 1, 3, 4).reshape(prompts, kv_heads, k * groups, dim)
    prefix_scores = torch.matmul(q, layer.prefix_keys.transpose(-1, -2)).to(exact) * scale
    prefix_scores = prefix_scores.masked_fill(~shared_prefix.prefix_mask, float("-inf"))
    # Each row against its own generated tokens: (rows, kv_heads, groups, suffix).
    q_rows = query.view(rows, kv_heads, groups, dim)
    suffix_scores = torch.matmul(q_rows, key.transpose(-1, -2)).to(exact) * scale
    filled = torch.arange(key.shape[2], device=key.device) < layer.cumulative_length
    suffix_scores = suffix_scores.masked_fill(~filled, float("-inf"))
    suffix_scores = _rows_to_prompts(suffix_scores, prompts, k, kv_heads, groups)
    scores = [prefix_scores, suffix_scores]
    common = shared_prefix.common
    if common:
        # Every row against the prefix all prompts share: (1, kv_heads, rows * groups, common).
        q_all = _rows_to_all(q_rows)
        common_scores = torch.matmul(q_all, layer.common_keys.transpose(-1, -2)).to(exact) * scale
        common_scores = common_scores.masked_fill(~shared_prefix.common_mask, float("-inf"))
        scores.append(_rows_to_prompts(_all_to_rows(common_scores, rows, kv_heads, groups), prompts, k, kv_heads, groups))
    weights = torch.softmax(torch.cat(scores, dim=-1), dim=-1).to(query.dtype)
    parts = weights.split([part.shape[-1] for part in scores], dim=-1)
    out = torch.matmul(parts[0], layer.prefix_values)  # (prompts, kv_heads, k * groups, dim)
    out = _prompts_to_rows(out, prompts, k, kv_heads, groups)  # (rows, kv_heads, groups, dim)
    out = out + torch.matmul(_prompts_to_rows(parts[1], prompts, k, kv_heads, groups), value)
    if common:
        common_weights = _rows_to_all(_prompts_to_rows(parts[2], prompts, k, kv_heads, groups))
        out = out + _all_to_rows(torch.matmul(common_weights, layer.common_values), rows, kv_heads, groups)
    return out.reshape(rows, 1, heads, dim), None


def _rows_to_prompts(x: torch.Tensor, prompts: int, k: int, kv_heads: int, groups: int) -> torch.Tensor:
    """(rows, kv_heads, groups, n) -> (prompts, kv_heads, k * groups, n)."""
    n = x.shape[-1]
    return x.view(prompts, k, kv_heads, groups, n).permute(0, 2, 1, 3, 4).reshape(prompts, kv_heads, k * groups, n)


def _prompts_to_rows(x: torch.Tensor, prompts: int, k: int, kv_heads: int, groups: int) -> torch.Tensor:
    """(prompts, kv_heads, k * groups, n) -> (rows, kv_heads, groups, n)."""
    n = x.shape[-1]
    return x.view(prompts, kv_heads, k, groups, n).permute(0, 2, 1, 3, 4).reshape(prompts * k, kv_heads, groups, n)


def _rows_to_all(x: torch.Tensor) -> torch.Tensor:
    """(rows, kv_heads, groups, n) -> (1, kv_heads, rows * groups, n)."""
    rows, kv_heads, groups, n = x.shape
    return x.transpose(0, 1).reshape(1, kv_heads, rows * groups, n)


def _all_to_rows(x: torch.Tensor, rows: int, kv_heads: int, groups: int) -> torch.Tensor:
    """(1, kv_heads, rows * groups, n) -> (rows, kv_heads, groups, n)."""
    return x.view(kv_heads, rows, groups, x.shape[-1]).transpose(0, 1)


def unsupported_reason(config: Any) -> str | None:
    """Why a model with this config cannot decode with shared prefixes, or ``None`` when it can."""
    if getattr(config, "attn_logit_softcapping", None) is not None:
        return "attention logit soft-capping"
    if "sliding_attention" in (getattr(config, "layer_types", None) or ()):
        return "sliding-window attention layers"
    if getattr(config, "model_type", "") == "gpt_oss":
        return "attention sinks"
    return None


def enable_shared_prefix_attention(model: Any) -> None:
    """Switch ``model`` to the shared-prefix attention (plain SDPA wherever no shared cache is passed)."""
    AttentionInterface.register(ATTENTION_NAME, shared_prefix_attention)
    AttentionMaskInterface.register(ATTENTION_NAME, sdpa_mask)
    model.set_attn_implementation(ATTENTION_NAME)


def choose_decode(config: HFEngineConfig, model: Any) -> str:
    """The configured decode, or ``dynamic`` for a model the shared decode cannot compute."""
    decode = config.decode or "shared"
    if decode not in DECODES:
        raise ValueError(f"decode must be one of {', '.join(DECODES)}, got {decode!r}")
    if decode == "shared" and (reason := unsupported_reason(model.config)) is not None:
        if config.decode == "shared":
            raise ValueError(f"decode='shared' does not support this model ({reason}); use 'dynamic'")
        _log.info("this model has %s: decoding with transformers' own (dynamic) cache", reason)
        return "dynamic"
    return decode
